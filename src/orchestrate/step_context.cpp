#include "orchestrate/step_context.hpp"

#include "core/log.hpp"
#include "core/time_text.hpp"
#include "orchestrate/command_step.hpp"
#include "orchestrate/engine_steps.hpp"
#include "orchestrate/sensor_step.hpp"

namespace strata::orchestrate {

namespace {
constexpr size_t kMaxLineBytes = 16 * 1024;
constexpr size_t kMaxLinesPerAttempt = 100'000;
constexpr size_t kBatchLines = 256;
constexpr auto kFlushEvery = std::chrono::milliseconds(250);
}  // namespace

StepControl::StepControl(int64_t timeout_ms)
    : has_deadline_(timeout_ms > 0),
      deadline_(std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms)),
      timeout_ms_(timeout_ms) {}

void StepControl::request_stop(const std::string& reason) {
  std::lock_guard lock(mutex_);
  if (!stop_) {
    stop_ = true;
    reason_ = reason;
  }
  if (connection_) connection_->interrupt();
}

bool StepControl::stop_requested() const {
  std::lock_guard lock(mutex_);
  return stop_;
}

std::string StepControl::stop_reason() const {
  std::lock_guard lock(mutex_);
  return reason_;
}

void StepControl::throw_if_stopped() const {
  std::lock_guard lock(mutex_);
  if (stop_) throw Error(ErrorKind::kInterrupted, reason_);
}

void StepControl::attach(engine::Connection* connection) {
  std::lock_guard lock(mutex_);
  connection_ = connection;
  if (connection_ && stop_) connection_->interrupt();
}

void StepControl::watch(SteadyTime now) {
  bool stop;
  {
    std::lock_guard lock(mutex_);
    stop = stop_;
    if (stop && connection_) connection_->interrupt();
  }
  if (!stop && has_deadline_ && now >= deadline_) {
    request_stop("timed out after " + format_duration_ms(timeout_ms_));
  }
}

StepLog::StepLog(lake::MetadataStore& store, int64_t run_id, int64_t step_id)
    : store_(store),
      run_id_(run_id),
      step_id_(step_id),
      last_flush_(std::chrono::steady_clock::now()) {}

StepLog::~StepLog() {
  try {
    flush();
  } catch (const std::exception& e) {
    log::warn("log lines of a step were not saved", {{"step_id", step_id_}, {"error", e.what()}});
  }
}

void StepLog::write(const std::string& stream, std::string text) {
  std::lock_guard lock(mutex_);
  if (written_ >= kMaxLinesPerAttempt) return;
  if (++written_ == kMaxLinesPerAttempt) {
    text = "(more lines were written; only the first " + std::to_string(kMaxLinesPerAttempt) +
           " are kept)";
  }
  if (text.size() > kMaxLineBytes) {
    text.resize(kMaxLineBytes);
    text += " [line cut]";
  }
  const int64_t at_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
  pending_.push_back({run_id_, step_id_, at_ms, stream, std::move(text)});
  if (pending_.size() >= kBatchLines ||
      std::chrono::steady_clock::now() - last_flush_ >= kFlushEvery) {
    flush_locked();
  }
}

void StepLog::flush() {
  std::lock_guard lock(mutex_);
  flush_locked();
}

void StepLog::flush_locked() {
  last_flush_ = std::chrono::steady_clock::now();
  if (pending_.empty()) return;
  std::vector<lake::LogLine> lines;
  lines.swap(pending_);
  store_.append_logs(lines);
}

StepResult run_step(const StepContext& context) {
  switch (context.step.kind) {
    case StepKind::kIngest:
      return run_ingest_step(context);
    case StepKind::kRun:
    case StepKind::kBuild:
    case StepKind::kTest:
    case StepKind::kSeed:
    case StepKind::kSnapshot:
      return run_models_step(context);
    case StepKind::kSql:
      return run_sql_step(context);
    case StepKind::kCommand:
      return run_command_step(context);
    case StepKind::kExport:
      return run_export_step(context);
    case StepKind::kSensor:
      return run_sensor_step(context);
  }
  throw Error(ErrorKind::kInternal, "unknown step kind");
}

}  // namespace strata::orchestrate
