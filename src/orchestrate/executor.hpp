// Runs one run of a pipeline: its steps as a DAG, each step as soon as every step it runs after has
// succeeded, in parallel up to the pipeline's `concurrency` and the process-wide limit (worker
// threads per run, each attempt on its own engine connection). A failed attempt is retried after
// an exponential backoff with jitter (the injectable Clock sleeps); an attempt that outlives its
// timeout, or whose run is cancelled (or the process interrupted), is stopped. Steps downstream of
// a failure are skipped; independent branches go on. Every attempt is a step of the run in the
// metadata store with its log lines. Step failures never escape as exceptions: each worker thread
// catches and records them, and the outcome tells what happened.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/config.hpp"
#include "lake/metastore.hpp"
#include "lake/table_store.hpp"
#include "orchestrate/clock.hpp"
#include "orchestrate/limits.hpp"
#include "orchestrate/pipeline.hpp"
#include "orchestrate/step_context.hpp"

namespace strata::orchestrate {

struct StepOutcome {
  std::string name;
  StepKind kind = StepKind::kSql;
  lake::RunStatus status = lake::RunStatus::kSkipped;
  int attempts = 0;
  uint64_t rows = 0;
  double seconds = 0;  // of the last attempt
  std::string error;   // of the last attempt, or why the step was skipped
};

struct RunOutcome {
  int64_t run_id = 0;
  std::string pipeline;
  DataInterval interval;
  lake::RunStatus status = lake::RunStatus::kFailed;
  std::string error;               // the first failure, or "cancelled"
  std::vector<StepOutcome> steps;  // in declared order
  double seconds = 0;
  bool ok() const { return status == lake::RunStatus::kSuccess; }
};

// What happens to steps, as it happens (for progress output and alerts).
struct StepEvent {
  enum class Type { kStarted, kFinished, kRetrying, kSkipped };
  Type type = Type::kStarted;
  std::string pipeline;
  int64_t run_id = 0;
  std::string step;
  int attempt = 0;
  lake::RunStatus status = lake::RunStatus::kRunning;
  std::string error;
  double seconds = 0;
  int64_t retry_in_ms = 0;
};

using StepRunner = std::function<StepResult(const StepContext&)>;

struct ExecutorOptions {
  StepRunner run_step;                             // default: the real step kinds
  std::function<void(const StepEvent&)> on_event;  // called from worker threads
  int64_t watch_interval_ms = 25;                  // how often timeouts and cancels are checked
  // True while the server shuts down: a run cancelled then is recorded "interrupted" (to be
  // resumed by the next server), not failed. Unset (the CLI): an interrupted run fails.
  std::function<bool()> stopping;
  // Recorded with each run (see run_meta.hpp) so that a later process can tell whether the
  // process running it is still alive.
  std::string owner;
};

// What one run does beyond its pipeline and interval.
struct RunRequest {
  std::map<std::string, std::string> params;  // a manual trigger's parameters
  // Steps not to run again, with the reason recorded for them ("" records nothing: they already
  // have a successful attempt in this run). Their dependents run as if they had just succeeded.
  std::map<std::string, std::string> done_steps;
  // Attempts each step already used in this run (a run resumed after an interruption).
  std::map<std::string, int> used_attempts;
  int64_t rerun_of = 0;  // the run this one reruns from its failed step
};

// The wait before retry number `failed_attempts` (1 for the first retry): the step's retry delay
// doubled for each earlier retry (at most an hour, or the delay itself if longer), with "equal
// jitter": half of it fixed, the other half scaled by `random_fraction` in [0, 1].
int64_t backoff_delay_ms(int64_t retry_delay_ms, int failed_attempts, double random_fraction);

class Executor {
 public:
  Executor(const ProjectConfig& project, lake::Lake& lake, Clock& clock, ConcurrencyLimits& limits,
           ExecutorOptions options = {});

  // Runs the run `run_id`, already recorded (Scheduler claims or start_run), and finishes its
  // record. Throws only when the metadata store fails outside of any step.
  RunOutcome execute(const Pipeline& pipeline, const DataInterval& interval, int64_t run_id,
                     const CancelToken& cancel, const RunRequest& request = {});
  // Records this process (ExecutorOptions::owner) as the one running the run, with the request's
  // parameters; execute() does it too, a caller that queues the run first does it earlier.
  void own(int64_t run_id, const RunRequest& request);
  // Records a run ("manual", "backfill", "rerun") and executes it.
  RunOutcome run(const Pipeline& pipeline, const DataInterval& interval, const std::string& trigger,
                 const CancelToken& cancel, const RunRequest& request = {});
  // Records a run and returns its id, to execute later (nothing when a scheduled run of the
  // interval exists already).
  std::optional<int64_t> begin(const Pipeline& pipeline, const DataInterval& interval,
                               const std::string& trigger);

  Clock& clock() { return clock_; }
  lake::MetadataStore& store() { return lake_.store(); }

 private:
  const ProjectConfig& project_;
  lake::Lake& lake_;
  Clock& clock_;
  ConcurrencyLimits& limits_;
  ExecutorOptions options_;
};

}  // namespace strata::orchestrate
