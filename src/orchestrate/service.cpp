#include "orchestrate/service.hpp"

#include <unistd.h>

#include <algorithm>

#include "core/interrupt.hpp"
#include "core/log.hpp"
#include "core/text.hpp"
#include "orchestrate/recovery.hpp"
#include "orchestrate/run_meta.hpp"

namespace strata::orchestrate {

using lake::RunStatus;

namespace {

// The scheduler looks at the clock at least this often, so that a change of the system time (or
// of a test's manual clock) is noticed soon.
constexpr int64_t kLongestSleepMs = 1000;

}  // namespace

PipelineService::PipelineService(const ProjectConfig& project, lake::Lake& lake, Clock& clock,
                                 ServiceOptions options)
    : project_(project),
      lake_(lake),
      clock_(clock),
      options_(std::move(options)),
      alerter_(project, lake.store(), options_.alerts),
      pipelines_(load_pipelines(project)),
      lease_(project.root),
      step_limits_(options_.step_limit),
      run_limits_(options_.run_limit),
      executor_(project, lake, clock, step_limits_, executor_options()),
      scheduler_(pipelines_, clock, lake.store()) {}

PipelineService::~PipelineService() {
  stop();
}

ExecutorOptions PipelineService::executor_options() {
  ExecutorOptions executor = options_.executor;
  executor.owner = lease_.id();
  // SIGINT/SIGTERM reach the executor before stop() does: they stop the server too.
  executor.stopping = [this] { return stopping_flag_.load() || interrupt_requested(); };
  executor.on_event = [this, forward = options_.executor.on_event](const StepEvent& event) {
    if (forward) forward(event);
    if (event.type == StepEvent::Type::kRetrying) {
      alerter_.step_retrying(event, find_pipeline(pipelines_, event.pipeline));
    }
  };
  return executor;
}

void PipelineService::check_slas() {
  const int64_t now_ms = clock_.now_ms();
  if (now_ms - last_sla_check_ms_ < 1000) return;
  last_sla_check_ms_ = now_ms;
  lake::MetadataStore& store = lake_.store();
  for (const Pipeline& pipeline : pipelines_) {
    const int64_t sla_ms = pipeline.config().sla_ms;
    if (!sla_ms || !alerter_.wants(pipeline.name(), AlertEvent::kSlaMiss)) continue;
    lake::PipelineRunFilter filter;
    filter.pipeline = pipeline.name();
    filter.trigger = "schedule";
    filter.interval_end_to = (now_ms - sla_ms) / 1000;
    filter.limit = 20;  // the newest ones past their deadline; older ones were checked before
    for (const lake::PipelineRunRecord& run : store.pipeline_runs(filter)) {
      if (run.run.status == run_status_name(RunStatus::kSuccess)) continue;
      const std::string key = std::to_string(run.run.id);
      if (store.state("sla_alert", key)) continue;  // alerted once, also across restarts
      lake::Commit commit;
      commit.state.push_back({"sla_alert", key, std::to_string(now_ms)});
      store.commit(commit);
      AlertNotice notice;
      notice.event = AlertEvent::kSlaMiss;
      notice.pipeline = pipeline.name();
      notice.run_id = run.run.id;
      notice.trigger = run.trigger;
      notice.status = run.run.status;
      notice.interval = {run.interval_start, run.interval_end};
      notice.error = run.run.error;
      notice.sla_deadline = run.interval_end + sla_ms / 1000;
      alerter_.notify(std::move(notice));
    }
  }
}

void PipelineService::start() {
  {
    std::lock_guard lock(mutex_);
    if (started_ || stopping_) return;
    started_ = true;
  }
  resume_leftover_runs();
  if (options_.schedule) loop_ = std::thread([this] { loop(); });
}

void PipelineService::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
    stopping_flag_ = true;
    for (auto& [id, run] : runs_) run.cancel->cancel();
  }
  changed_.notify_all();
  if (loop_.joinable()) loop_.join();
  std::map<int64_t, std::thread> threads;
  {
    std::lock_guard lock(mutex_);
    threads.swap(threads_);
  }
  for (auto& [id, thread] : threads) thread.join();
}

void PipelineService::loop() noexcept {
  while (true) {
    try {
      tick();
    } catch (const std::exception& e) {
      log::error("a pass of the scheduler failed; it tries again", {{"error", e.what()}});
    }
    std::unique_lock lock(mutex_);
    if (stopping_) return;
    int64_t wait_ms = kLongestSleepMs;
    if (const std::optional<int64_t> next = scheduler_.next_tick_ms()) {
      wait_ms = std::clamp<int64_t>(*next - clock_.now_ms(), 1, kLongestSleepMs);
    }
    changed_.wait_for(lock, std::chrono::milliseconds(wait_ms),
                      [this] { return stopping_ || wake_; });
    wake_ = false;
  }
}

void PipelineService::wake() {
  {
    std::lock_guard lock(mutex_);
    wake_ = true;
  }
  changed_.notify_all();
}

void PipelineService::tick() {
  reap();
  if (stopping_flag_) return;
  for (DueRun& due : scheduler_.claim_due_runs()) {
    launch(*due.pipeline, due.interval, due.run_id, {}, due);
  }
  check_slas();
}

void PipelineService::reap() {
  std::vector<std::thread> done;
  {
    std::lock_guard lock(mutex_);
    for (int64_t id : finished_) {
      auto found = threads_.find(id);
      if (found == threads_.end()) continue;
      done.push_back(std::move(found->second));
      threads_.erase(found);
    }
    finished_.clear();
  }
  for (std::thread& thread : done) thread.join();
}

void PipelineService::launch(const Pipeline& pipeline, const DataInterval& interval, int64_t run_id,
                             RunRequest request, std::optional<DueRun> due) {
  auto cancel = std::make_shared<CancelToken>();
  // Owned from now on, also while it waits for a slot: a cancel from another process then asks
  // this server instead of failing the run as left over.
  executor_.own(run_id, request);
  std::lock_guard lock(mutex_);
  if (stopping_) {
    const std::string why = "interrupted: the server stopped before the run started";
    lake_.store().append_log(run_id, 0, "info", why);
    lake_.store().finish_run(run_id, RunStatus::kInterrupted, why);
    if (due) scheduler_.run_finished(*due);
    return;
  }
  runs_[run_id] = {cancel, pipeline.name()};
  threads_[run_id] =
      std::thread([this, &pipeline, interval, run_id, request = std::move(request), due, cancel] {
        execute(pipeline, interval, run_id, request, due, cancel);
      });
}

void PipelineService::execute(const Pipeline& pipeline, const DataInterval& interval,
                              int64_t run_id, const RunRequest& request,
                              const std::optional<DueRun>& due,
                              const std::shared_ptr<CancelToken>& cancel) noexcept {
  lake::MetadataStore& store = lake_.store();
  try {
    RunOutcome outcome;
    SlotGuard slot(run_limits_,
                   {pipeline.name(), static_cast<size_t>(pipeline.config().max_active_runs), ""});
    if (slot.acquire(*cancel)) {
      outcome = executor_.execute(pipeline, interval, run_id, *cancel, request);
    } else {
      outcome.run_id = run_id;
      outcome.pipeline = pipeline.name();
      outcome.interval = interval;
      outcome.status = stopping_flag_ ? RunStatus::kInterrupted : RunStatus::kFailed;
      outcome.error = stopping_flag_ ? "interrupted: the server stopped before the run started"
                                     : "cancelled before it started";
      store.append_log(run_id, 0, "info", outcome.error);
      store.finish_run(run_id, outcome.status, outcome.error);
    }
    if (due) scheduler_.run_finished(*due);
    if (const auto record = store.pipeline_run(run_id)) {
      alerter_.run_finished(outcome, record->trigger);
    }
    if (options_.on_run_finished) options_.on_run_finished(outcome);
  } catch (const std::exception& e) {
    log::error("a pipeline run failed outside of its steps",
               {{"run_id", run_id}, {"pipeline", pipeline.name()}, {"error", e.what()}});
    try {
      store.finish_run(run_id, RunStatus::kFailed, std::string("internal failure: ") + e.what());
    } catch (const std::exception&) {
      // The store is what failed: the next server start recovers the run.
    }
    if (due) scheduler_.run_finished(*due);
  }
  {
    std::lock_guard lock(mutex_);
    runs_.erase(run_id);
    finished_.push_back(run_id);
    wake_ = true;
  }
  changed_.notify_all();
}

void PipelineService::resume_leftover_runs() {
  for (LeftoverRun& run : recover_leftover_runs(pipelines_, lake_.store(), project_.root)) {
    const int64_t id = run.record.run.id;
    const DataInterval interval{run.record.interval_start, run.record.interval_end};
    if (!run.resume) {
      log::warn("a run left over by a stopped server failed",
                {{"run_id", id}, {"pipeline", run.pipeline->name()}, {"error", run.why}});
      RunOutcome outcome;
      outcome.run_id = id;
      outcome.pipeline = run.pipeline->name();
      outcome.interval = interval;
      outcome.error = run.why;
      alerter_.run_finished(outcome, run.record.trigger);
      continue;
    }
    log::info("resuming a run left over by a stopped server",
              {{"run_id", id}, {"pipeline", run.pipeline->name()}});
    std::optional<DueRun> due;
    if (run.record.trigger == "schedule") {
      due = DueRun{run.pipeline, interval, id};
      scheduler_.adopt(*due);
    }
    launch(*run.pipeline, interval, id, std::move(run.request), due);
  }
}

std::vector<PipelineSummary> PipelineService::summaries() {
  std::map<std::string, size_t> active;
  {
    std::lock_guard lock(mutex_);
    for (const auto& [id, run] : runs_) ++active[run.pipeline];
  }
  const int64_t now = clock_.now_seconds();
  std::vector<PipelineSummary> out;
  for (const Pipeline& pipeline : pipelines_) {
    PipelineSummary summary;
    summary.name = pipeline.name();
    summary.description = pipeline.config().description;
    summary.schedule = pipeline.config().schedule;
    summary.timezone = pipeline.config().timezone;
    summary.next_tick = pipeline.next_tick(now);
    summary.active_runs = active[pipeline.name()];
    lake::PipelineRunFilter filter;
    filter.pipeline = pipeline.name();
    filter.limit = 1;
    for (auto& run : lake_.store().pipeline_runs(filter)) summary.last_run = std::move(run);
    out.push_back(std::move(summary));
  }
  return out;
}

int64_t PipelineService::trigger(const std::string& name, const TriggerRequest& request) {
  const Pipeline& pipeline = find_pipeline(pipelines_, name);
  check_run_params(request.params);
  const DataInterval interval = pipeline.latest_interval(request.at.value_or(clock_.now_seconds()));
  const int64_t run_id = *executor_.begin(pipeline, interval, "manual");
  RunRequest run;
  run.params = request.params;
  launch(pipeline, interval, run_id, std::move(run), std::nullopt);
  return run_id;
}

bool PipelineService::cancel(int64_t run_id) {
  {
    std::lock_guard lock(mutex_);
    auto found = runs_.find(run_id);
    if (found != runs_.end()) {
      found->second.cancel->cancel();
      return true;
    }
  }
  // A run of another process (`strata pipeline run`), or one no process runs any more.
  return cancel_elsewhere(lake_.store(), pipelines_, project_.root, run_id,
                          "strata serve, pid " + std::to_string(::getpid())) !=
         CancelResult::kNotInFlight;
}

int64_t PipelineService::rerun(int64_t run_id) {
  lake::MetadataStore& store = lake_.store();
  const std::optional<lake::PipelineRunRecord> record = store.pipeline_run(run_id);
  if (!record) throw Error(ErrorKind::kUsage, "no pipeline run " + std::to_string(run_id));
  const Pipeline& pipeline = find_pipeline(pipelines_, record->pipeline);
  RunRequest request = rerun_request(store, pipeline, *record, true);
  const DataInterval interval{record->interval_start, record->interval_end};
  const int64_t new_id = *executor_.begin(pipeline, interval, "rerun");
  store.append_log(new_id, 0, "info",
                   "rerun of run " + std::to_string(run_id) + " from its failed step");
  launch(pipeline, interval, new_id, std::move(request), std::nullopt);
  return new_id;
}

std::vector<int64_t> PipelineService::active_runs() const {
  std::lock_guard lock(mutex_);
  std::vector<int64_t> out;
  for (const auto& [id, run] : runs_) out.push_back(id);
  return out;
}

bool PipelineService::wait_for_run(int64_t run_id, int64_t timeout_ms) {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, std::chrono::milliseconds(timeout_ms),
                           [&] { return !runs_.contains(run_id); });
}

}  // namespace strata::orchestrate
