// Crash recovery: finding the pipeline runs that a stopped process left unfinished and deciding
// how each goes on. A run is left over when its record says "running" but the process that owned
// it is gone (its owner lease is free), or "interrupted" (its server shut down mid-run). Its step
// attempts that were running are marked interrupted, and the process groups of its command steps
// still alive are killed first, so a step never runs twice at once. An interrupted attempt counts
// as a failed one: the run is resumed, in place (same run id, so its interval is never run twice),
// when every interrupted step has a retry left under its policy; steps that succeeded are not run
// again. Otherwise the run is failed with the reason.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "lake/metastore.hpp"
#include "orchestrate/executor.hpp"
#include "orchestrate/pipeline.hpp"

namespace strata::orchestrate {

struct LeftoverRun {
  lake::PipelineRunRecord record;
  const Pipeline* pipeline = nullptr;
  RunRequest request;  // steps done, attempts used, the trigger's parameters
  bool resume = false;
  std::string why;  // why it cannot resume (its record is already failed)
};

// Whether a run is left over: "interrupted", or "running" with its owner gone.
bool left_over(const lake::PipelineRunRecord& run, lake::MetadataStore& store,
               const std::filesystem::path& project_root);

// Marks one left-over run and decides how it goes on (a run whose cancel was requested is failed
// as cancelled, not resumed).
LeftoverRun recover_run(lake::PipelineRunRecord record, const Pipeline& pipeline,
                        lake::MetadataStore& store);

// Cancels a run from a process that does not run it (`strata pipeline cancel`, or a server asked
// about a run of a CLI process): records the request, which the live process running the run acts
// on within a moment (kRequested); a left-over run, which no live process runs, is failed as
// cancelled at once (kCancelled). kNotInFlight (nothing done) for a finished or unknown run.
enum class CancelResult { kNotInFlight, kRequested, kCancelled };
CancelResult cancel_elsewhere(lake::MetadataStore& store, const std::vector<Pipeline>& pipelines,
                              const std::filesystem::path& project_root, int64_t run_id,
                              const std::string& note);

// Finds, marks and decides; the caller executes the runs to resume (and reports the others).
std::vector<LeftoverRun> recover_leftover_runs(const std::vector<Pipeline>& pipelines,
                                               lake::MetadataStore& store,
                                               const std::filesystem::path& project_root);

// What a rerun of a finished run does: the same interval and parameters, every step again, or with
// `from_failed` only the steps that did not succeed (and those after them). kConflict while the
// run is running or interrupted; kUsage for `from_failed` on a successful run.
RunRequest rerun_request(lake::MetadataStore& store, const Pipeline& pipeline,
                         const lake::PipelineRunRecord& record, bool from_failed);

// The steps of a run that succeeded (or that it took over as done from an earlier run), with the
// reason a rerun records for not running them again.
std::map<std::string, std::string> succeeded_steps(lake::MetadataStore& store, int64_t run_id);

}  // namespace strata::orchestrate
