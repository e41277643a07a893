// The pipeline service that `strata serve` runs: the scheduler loop on a thread of its own, which
// sleeps until the next tick of any pipeline (or until it is woken: a run ended, a stop), claims
// the due runs and launches them; and a thread-safe API for the HTTP layer and the CLI: the
// pipelines with their next tick, manual triggers with parameters, cancel, and rerun from the
// failed step. Every run executes on a thread of its own within the global run limit and its
// pipeline's max_active_runs (runs over a limit wait for a slot), and its steps within the step
// limits of the executor. On start it recovers the runs a stopped server left unfinished
// (recovery.hpp); on stop it interrupts the runs in flight, which the next start resumes. Runs
// that fail or succeed, retried steps and scheduled runs not successful by their tick plus the
// pipeline's `sla` are alerted (alerts.hpp), each missed SLA once.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/config.hpp"
#include "lake/table_store.hpp"
#include "orchestrate/alerts.hpp"
#include "orchestrate/clock.hpp"
#include "orchestrate/executor.hpp"
#include "orchestrate/limits.hpp"
#include "orchestrate/pipeline.hpp"
#include "orchestrate/process_lock.hpp"
#include "orchestrate/scheduler.hpp"

namespace strata::orchestrate {

struct ServiceOptions {
  bool schedule = true;      // false: runs start only when triggered (strata serve --no-scheduler)
  size_t run_limit = 16;     // runs at once, all pipelines together
  size_t step_limit = 8;     // step attempts at once, all runs together
  ExecutorOptions executor;  // its `stopping` and `owner` are set by the service
  AlerterOptions alerts;
  std::function<void(const RunOutcome&)> on_run_finished;  // called from run threads
};

struct PipelineSummary {
  std::string name;
  std::string description;
  std::string schedule;  // empty: manual only
  std::string timezone;
  std::optional<int64_t> next_tick;  // UTC seconds
  size_t active_runs = 0;            // running here now
  std::optional<lake::PipelineRunRecord> last_run;
};

struct TriggerRequest {
  std::map<std::string, std::string> params;
  // Runs the interval of the last tick at or before this time (UTC seconds; default now).
  std::optional<int64_t> at;
};

class PipelineService {
 public:
  // `lake` must outlive the service; the pipelines are loaded (and checked) from `project`.
  PipelineService(const ProjectConfig& project, lake::Lake& lake, Clock& clock,
                  ServiceOptions options = {});
  ~PipelineService();  // stop()
  PipelineService(const PipelineService&) = delete;
  PipelineService& operator=(const PipelineService&) = delete;

  // Recovers left-over runs (resuming those that may go on), then starts the scheduler thread.
  void start();
  // Stops scheduling, interrupts the runs in flight and waits for them. Idempotent.
  void stop();

  const std::vector<Pipeline>& pipelines() const { return pipelines_; }
  std::vector<PipelineSummary> summaries();
  // Starts a manual run; returns its id. kUsage for an unknown pipeline or a bad parameter name.
  int64_t trigger(const std::string& pipeline, const TriggerRequest& request);
  // Cancels a run in flight: here at once, in another process through a request it acts on
  // (a left-over run is failed as cancelled); false when the run is not in flight.
  bool cancel(int64_t run_id);
  // Starts a new run of a finished, unsuccessful run's pipeline, interval and parameters that
  // skips the steps that succeeded in it; returns the new run's id.
  int64_t rerun(int64_t run_id);
  std::vector<int64_t> active_runs() const;
  // Waits (real time) until the run is no longer in flight here; false on timeout.
  bool wait_for_run(int64_t run_id, int64_t timeout_ms);
  // One pass of the scheduler: claims and launches the due runs, checks SLAs. The loop calls it;
  // tests call it on a manual clock.
  void tick();
  // Wakes the scheduler loop (e.g. after the clock was moved).
  void wake();

 private:
  struct ActiveRun {
    std::shared_ptr<CancelToken> cancel;
    std::string pipeline;
  };

  const ProjectConfig& project_;
  lake::Lake& lake_;
  Clock& clock_;
  ServiceOptions options_;
  Alerter alerter_;  // before the executor, whose events it hears
  std::vector<Pipeline> pipelines_;
  OwnerLease lease_;
  ConcurrencyLimits step_limits_;
  ConcurrencyLimits run_limits_;
  Executor executor_;
  Scheduler scheduler_;

  mutable std::mutex mutex_;
  std::condition_variable changed_;  // a run ended, a wake, a stop
  bool started_ = false;
  bool stopping_ = false;
  bool wake_ = false;
  std::atomic<bool> stopping_flag_{false};  // stopping_, readable without the lock
  std::map<int64_t, ActiveRun> runs_;       // in flight
  std::map<int64_t, std::thread> threads_;  // of runs, until reaped
  std::vector<int64_t> finished_;           // runs whose thread is ending
  std::thread loop_;
  int64_t last_sla_check_ms_ = 0;

  void loop() noexcept;
  void reap();  // joins the threads of finished runs
  // Starts a run on a thread of its own; `due` is set for scheduled runs.
  void launch(const Pipeline& pipeline, const DataInterval& interval, int64_t run_id,
              RunRequest request, std::optional<DueRun> due);
  void execute(const Pipeline& pipeline, const DataInterval& interval, int64_t run_id,
               const RunRequest& request, const std::optional<DueRun>& due,
               const std::shared_ptr<CancelToken>& cancel) noexcept;
  void resume_leftover_runs();
  ExecutorOptions executor_options();
  void check_slas();
};

}  // namespace strata::orchestrate
