#include "orchestrate/executor.hpp"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <random>
#include <thread>

#include "core/interrupt.hpp"
#include "core/log.hpp"
#include "core/text.hpp"
#include "core/time_text.hpp"
#include "orchestrate/run_meta.hpp"

namespace strata::orchestrate {

using lake::RunStatus;

namespace {

// How often a run looks in the metadata store for a cancel request (`strata pipeline cancel`).
constexpr int64_t kCancelPollMs = 250;

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

double random_fraction() {
  static thread_local std::mt19937_64 random{std::random_device{}()};
  return std::uniform_real_distribution<double>(0.0, 1.0)(random);
}

// One run in progress: the state of its steps, its workers and its watchdog.
class RunExecution {
 public:
  RunExecution(const ProjectConfig& project, lake::Lake& lake, Clock& clock,
               ConcurrencyLimits& limits, const ExecutorOptions& options, const Pipeline& pipeline,
               const DataInterval& interval, int64_t run_id, const CancelToken& cancel,
               const RunRequest& request)
      : project_(project),
        lake_(lake),
        store_(lake.store()),
        clock_(clock),
        limits_(limits),
        options_(options),
        pipeline_(pipeline),
        steps_(pipeline.config().steps),
        interval_(interval),
        run_id_(run_id),
        external_cancel_(cancel),
        request_(request) {
    for (size_t i = 0; i < steps_.size(); ++i) {
      StepOutcome outcome;
      outcome.name = steps_[i].name;
      outcome.kind = steps_[i].kind;
      outcomes_.push_back(std::move(outcome));
      state_.push_back(State::kPending);
      upstream_.emplace_back();
      for (const std::string& upstream : steps_[i].after) {
        upstream_[i].push_back(index_of(upstream));
        dependents_[index_of(upstream)].push_back(i);
      }
    }
  }

  RunOutcome run() {
    const auto start = std::chrono::steady_clock::now();
    store_.append_log(run_id_, 0, "info",
                      "pipeline " + pipeline_.name() + ", data interval " + interval_.start_iso() +
                          " to " + interval_.end_iso() + ", " + std::to_string(steps_.size()) +
                          " step(s)");
    {
      std::lock_guard lock(mutex_);
      unfinished_ = steps_.size();
      for (size_t i = 0; i < steps_.size(); ++i) {
        if (!request_.done_steps.contains(steps_[i].name)) continue;
        state_[i] = State::kDone;
        outcomes_[i].status = RunStatus::kSuccess;
        outcomes_[i].error = request_.done_steps.at(steps_[i].name);
        --unfinished_;
      }
      for (size_t i = 0; i < steps_.size(); ++i) {
        const bool upstream_done =
            std::all_of(upstream_[i].begin(), upstream_[i].end(),
                        [&](size_t up) { return state_[up] == State::kDone; });
        if (state_[i] == State::kPending && upstream_done) {
          state_[i] = State::kReady;
          ready_.push_back(i);
        }
      }
    }
    for (size_t i = 0; i < steps_.size(); ++i) {
      if (state_[i] == State::kDone && !outcomes_[i].error.empty()) {
        record_skip(i, outcomes_[i].error);
      }
    }
    std::thread watchdog([this] { watch(); });
    const size_t worker_count = std::min<size_t>(
        steps_.size(), static_cast<size_t>(std::max<int64_t>(pipeline_.config().concurrency, 1)));
    std::vector<std::thread> workers;
    for (size_t i = 0; i < worker_count; ++i) workers.emplace_back([this] { work(); });
    for (std::thread& worker : workers) worker.join();
    {
      std::lock_guard lock(watch_mutex_);
      watching_ = false;
    }
    watch_changed_.notify_all();
    watchdog.join();
    return finish(seconds_since(start));
  }

 private:
  enum class State { kPending, kReady, kRunning, kDone };

  const ProjectConfig& project_;
  lake::Lake& lake_;
  lake::MetadataStore& store_;
  Clock& clock_;
  ConcurrencyLimits& limits_;
  const ExecutorOptions& options_;
  const Pipeline& pipeline_;
  const std::vector<PipelineStepConfig>& steps_;
  const DataInterval interval_;
  const int64_t run_id_;
  const CancelToken& external_cancel_;
  const RunRequest& request_;
  CancelToken cancel_;  // external cancel or interrupt, as seen by the watchdog

  std::mutex mutex_;  // guards the step states below
  std::condition_variable changed_;
  std::vector<State> state_;
  std::vector<StepOutcome> outcomes_;
  std::vector<std::vector<size_t>> upstream_;  // by index, from `after`
  std::map<size_t, std::vector<size_t>> dependents_;
  std::deque<size_t> ready_;
  size_t unfinished_ = 0;
  std::string internal_error_;

  std::mutex watch_mutex_;  // guards the attempts being watched
  std::condition_variable watch_changed_;
  bool watching_ = true;
  std::vector<std::shared_ptr<StepControl>> controls_;

  size_t index_of(const std::string& name) const {
    for (size_t i = 0; i < steps_.size(); ++i) {
      if (steps_[i].name == name) return i;
    }
    throw Error(ErrorKind::kInternal, "unknown step '" + name + "'");
  }

  void emit(StepEvent event) const {
    if (!options_.on_event) return;
    event.pipeline = pipeline_.name();
    event.run_id = run_id_;
    try {
      options_.on_event(event);
    } catch (const std::exception& e) {
      log::warn("a step event handler failed", {{"error", e.what()}});
    }
  }

  // Whether a cancel of the run was requested through the metadata store (by another process),
  // looked up at most every kCancelPollMs.
  bool cancel_recorded(std::chrono::steady_clock::time_point& last_poll) {
    const auto now = std::chrono::steady_clock::now();
    if (now - last_poll < std::chrono::milliseconds(kCancelPollMs)) return false;
    last_poll = now;
    try {
      return cancel_requested(store_, run_id_);
    } catch (const std::exception& e) {
      log::warn("could not look for a cancel request", {{"run_id", run_id_}, {"error", e.what()}});
      return false;
    }
  }

  // The watchdog: timeouts, cancels and interrupts reach running attempts from here.
  void watch() noexcept {
    std::unique_lock lock(watch_mutex_);
    auto last_poll = std::chrono::steady_clock::time_point{};
    while (watching_) {
      if (!cancel_.cancelled() &&
          (external_cancel_.cancelled() || interrupt_requested() || cancel_recorded(last_poll))) {
        cancel_.cancel();
        changed_.notify_all();
      }
      const auto now = std::chrono::steady_clock::now();
      for (const auto& control : controls_) {
        if (cancel_.cancelled()) {
          control->request_stop(interrupt_requested() ? "interrupted" : "cancelled");
        }
        control->watch(now);
      }
      watch_changed_.wait_for(lock, std::chrono::milliseconds(options_.watch_interval_ms));
    }
  }

  void watch_control(const std::shared_ptr<StepControl>& control, bool add) {
    std::lock_guard lock(watch_mutex_);
    if (add) {
      controls_.push_back(control);
    } else {
      controls_.erase(std::remove(controls_.begin(), controls_.end(), control), controls_.end());
    }
  }

  // A worker: takes ready steps until every step is done.
  void work() noexcept {
    while (true) {
      size_t step;
      {
        std::unique_lock lock(mutex_);
        changed_.wait(lock, [this] { return !ready_.empty() || unfinished_ == 0; });
        if (unfinished_ == 0) return;
        step = ready_.front();
        ready_.pop_front();
        state_[step] = State::kRunning;
      }
      StepOutcome outcome;
      try {
        outcome = cancel_.cancelled() ? cancelled_outcome(step) : run_with_retries(step);
      } catch (const std::exception& e) {
        outcome = outcomes_[step];
        outcome.status = RunStatus::kFailed;
        outcome.error = std::string("internal failure: ") + e.what();
      }
      complete(step, std::move(outcome));
    }
  }

  StepOutcome cancelled_outcome(size_t step) {
    StepOutcome outcome = outcomes_[step];
    outcome.status = RunStatus::kSkipped;
    outcome.error = "cancelled before it started";
    record_skip(step, outcome.error);
    return outcome;
  }

  bool stopping() const { return options_.stopping && options_.stopping(); }

  void record_skip(size_t step, const std::string& why) {
    try {
      const int64_t id =
          store_.begin_step(run_id_, steps_[step].name, step_kind_name(steps_[step].kind));
      store_.finish_step(id, RunStatus::kSkipped, 0, why);
    } catch (const std::exception& e) {
      log::warn("a skipped step was not recorded",
                {{"step", steps_[step].name}, {"error", e.what()}});
    }
    StepEvent event;
    event.type = StepEvent::Type::kSkipped;
    event.step = steps_[step].name;
    event.status = RunStatus::kSkipped;
    event.error = why;
    emit(event);
  }

  // Records a finished step and releases or skips the steps after it.
  void complete(size_t step, StepOutcome outcome) {
    std::vector<std::pair<size_t, std::string>> skipped;
    {
      std::lock_guard lock(mutex_);
      const bool ok = outcome.status == RunStatus::kSuccess;
      outcomes_[step] = std::move(outcome);
      state_[step] = State::kDone;
      --unfinished_;
      std::vector<size_t> queue = {step};
      while (!queue.empty()) {
        const size_t done = queue.back();
        queue.pop_back();
        for (size_t next : dependents_[done]) {
          if (state_[next] != State::kPending) continue;
          if (!ok || outcomes_[done].status != RunStatus::kSuccess) {
            const std::string why =
                "upstream step '" + steps_[done].name + "' " +
                (outcomes_[done].status == RunStatus::kFailed ? "failed" : "did not run");
            state_[next] = State::kDone;
            --unfinished_;
            queue.push_back(next);
            if (outcomes_[done].status == RunStatus::kInterrupted) {
              // Not recorded: the run resumes with it after the restart.
              outcomes_[next].status = RunStatus::kInterrupted;
              continue;
            }
            outcomes_[next].status = RunStatus::kSkipped;
            outcomes_[next].error = why;
            skipped.emplace_back(next, why);
            continue;
          }
          const bool all_done =
              std::all_of(upstream_[next].begin(), upstream_[next].end(), [&](size_t up) {
                return state_[up] == State::kDone && outcomes_[up].status == RunStatus::kSuccess;
              });
          if (all_done) {
            state_[next] = State::kReady;
            ready_.push_back(next);
          }
        }
      }
    }
    for (const auto& [next, why] : skipped) record_skip(next, why);
    changed_.notify_all();
  }

  StepOutcome run_with_retries(size_t index) {
    const PipelineStepConfig& step = steps_[index];
    StepOutcome outcome = outcomes_[index];
    const int max_attempts = static_cast<int>(step.retries) + 1;
    const bool exclusive = step.kind != StepKind::kSql && step.kind != StepKind::kCommand &&
                           step.kind != StepKind::kExport && step.kind != StepKind::kSensor;
    const auto used = request_.used_attempts.find(step.name);
    const int first_attempt = used == request_.used_attempts.end() ? 1 : used->second + 1;
    if (first_attempt > max_attempts) {
      outcome.status = RunStatus::kFailed;
      outcome.attempts = first_attempt - 1;
      outcome.error = "no attempts left (" + std::to_string(max_attempts) + " used)";
      return outcome;
    }
    for (int attempt = first_attempt;; ++attempt) {
      int64_t step_id = 0;
      {
        SlotGuard slot(limits_,
                       {pipeline_.name(), static_cast<size_t>(pipeline_.config().concurrency),
                        exclusive ? pipeline_.name() + "/" + step.name : ""});
        if (!slot.acquire(cancel_)) {
          if (attempt == first_attempt) return cancelled_outcome(index);
          outcome.error += " (cancelled before the next attempt)";
          return outcome;
        }
        outcome.attempts = attempt;
        step_id = run_attempt(step, attempt, max_attempts, outcome);
      }
      if (outcome.status == RunStatus::kSuccess || cancel_.cancelled() || attempt >= max_attempts) {
        return outcome;
      }
      const int64_t delay = backoff_delay_ms(step.retry_delay_ms, attempt, random_fraction());
      store_.append_log(run_id_, step_id, "info",
                        "retrying in " + format_duration_ms(delay) + " (attempt " +
                            std::to_string(attempt + 1) + " of " + std::to_string(max_attempts) +
                            ")");
      StepEvent event;
      event.type = StepEvent::Type::kRetrying;
      event.step = step.name;
      event.attempt = attempt;
      event.status = RunStatus::kFailed;
      event.error = outcome.error;
      event.retry_in_ms = delay;
      emit(event);
      if (!clock_.sleep_until(clock_.now_ms() + delay, cancel_)) {
        outcome.error += " (cancelled before the next attempt)";
        return outcome;
      }
    }
  }

  // One attempt, holding its slots; fills `outcome`, returns the attempt's step id.
  int64_t run_attempt(const PipelineStepConfig& step, int attempt, int max_attempts,
                      StepOutcome& outcome) {
    const int64_t step_id = store_.begin_step(run_id_, step.name, step_kind_name(step.kind));
    StepEvent started;
    started.step = step.name;
    started.attempt = attempt;
    emit(started);
    const auto start = std::chrono::steady_clock::now();
    auto control = std::make_shared<StepControl>(step.timeout_ms);
    watch_control(control, true);
    StepResult result;
    bool ok = false;
    std::string error;
    {
      StepLog log(store_, run_id_, step_id);
      if (attempt > 1) {
        log.write("info",
                  "attempt " + std::to_string(attempt) + " of " + std::to_string(max_attempts));
      }
      const StepContext context{project_, pipeline_, step,     lake_, interval_,      run_id_,
                                step_id,  attempt,   *control, log,   request_.params};
      try {
        result = options_.run_step ? options_.run_step(context) : run_step(context);
        ok = true;
      } catch (const Error& e) {
        error = e.what();
      } catch (const std::exception& e) {
        error = std::string("internal failure: ") + e.what();
      } catch (...) {
        error = "internal failure of an unknown kind";
      }
      if (!ok && control->stop_requested()) error = control->stop_reason();
      if (!ok) log.write("error", error);
    }
    watch_control(control, false);
    outcome.seconds = seconds_since(start);
    outcome.status = ok ? RunStatus::kSuccess
                     : cancel_.cancelled() && stopping() && control->stop_requested()
                         ? RunStatus::kInterrupted
                         : RunStatus::kFailed;
    outcome.rows = result.rows;
    outcome.error = error;
    store_.finish_step(step_id, outcome.status, result.rows, error);
    StepEvent finished;
    finished.type = StepEvent::Type::kFinished;
    finished.step = step.name;
    finished.attempt = attempt;
    finished.status = outcome.status;
    finished.error = error;
    finished.seconds = outcome.seconds;
    emit(finished);
    return step_id;
  }

  RunOutcome finish(double seconds) {
    RunOutcome run;
    run.run_id = run_id_;
    run.pipeline = pipeline_.name();
    run.interval = interval_;
    run.steps = outcomes_;
    run.seconds = seconds;
    run.status = RunStatus::kSuccess;
    for (const StepOutcome& step : run.steps) {
      if (step.status == RunStatus::kSuccess) continue;
      run.status = RunStatus::kFailed;
      if (run.error.empty() && step.status == RunStatus::kFailed) {
        run.error = "step '" + step.name + "' failed: " + step.error;
      }
    }
    if (cancel_.cancelled() && run.status != RunStatus::kSuccess) {
      const bool to_resume = stopping();
      if (to_resume) run.status = RunStatus::kInterrupted;
      run.error = std::string(to_resume               ? "interrupted: the process stopped"
                              : interrupt_requested() ? "interrupted"
                                                      : "cancelled") +
                  (run.error.empty() ? "" : "; " + run.error);
    }
    if (run.status != RunStatus::kSuccess && run.error.empty()) run.error = "steps were skipped";
    store_.append_log(
        run_id_, 0, run.ok() ? "info" : "error",
        (run.ok() ? std::string("success") : lake::run_status_name(run.status) + ": " + run.error) +
            " in " + format_seconds(seconds));
    store_.finish_run(run_id_, run.status, run.error);
    return run;
  }
};

}  // namespace

int64_t backoff_delay_ms(int64_t retry_delay_ms, int failed_attempts, double random_fraction) {
  const int64_t cap = std::max<int64_t>(retry_delay_ms, 3'600'000);
  int64_t delay = std::max<int64_t>(retry_delay_ms, 0);
  for (int i = 1; i < failed_attempts && delay < cap; ++i) delay *= 2;
  delay = std::min(delay, cap);
  const double fraction = std::clamp(random_fraction, 0.0, 1.0);
  return delay / 2 + static_cast<int64_t>(static_cast<double>(delay - delay / 2) * fraction);
}

Executor::Executor(const ProjectConfig& project, lake::Lake& lake, Clock& clock,
                   ConcurrencyLimits& limits, ExecutorOptions options)
    : project_(project),
      lake_(lake),
      clock_(clock),
      limits_(limits),
      options_(std::move(options)) {}

void Executor::own(int64_t run_id, const RunRequest& request) {
  RunMeta meta = load_run_meta(store(), run_id);
  if (meta.owner != options_.owner || meta.params != request.params ||
      (request.rerun_of && meta.rerun_of != request.rerun_of)) {
    meta.owner = options_.owner;
    meta.params = request.params;
    if (request.rerun_of) meta.rerun_of = request.rerun_of;
    save_run_meta(store(), run_id, meta);
  }
}

RunOutcome Executor::execute(const Pipeline& pipeline, const DataInterval& interval, int64_t run_id,
                             const CancelToken& cancel, const RunRequest& request) {
  own(run_id, request);
  RunExecution execution(project_, lake_, clock_, limits_, options_, pipeline, interval, run_id,
                         cancel, request);
  return execution.run();
}

std::optional<int64_t> Executor::begin(const Pipeline& pipeline, const DataInterval& interval,
                                       const std::string& trigger) {
  return store().begin_pipeline_run(pipeline.name(), interval.start, interval.end, trigger);
}

RunOutcome Executor::run(const Pipeline& pipeline, const DataInterval& interval,
                         const std::string& trigger, const CancelToken& cancel,
                         const RunRequest& request) {
  const std::optional<int64_t> run_id = begin(pipeline, interval, trigger);
  if (!run_id) {
    throw Error(ErrorKind::kConflict, "pipeline '" + pipeline.name() +
                                          "' already has a scheduled run of the interval ending " +
                                          interval.end_iso());
  }
  return execute(pipeline, interval, *run_id, cancel, request);
}

}  // namespace strata::orchestrate
