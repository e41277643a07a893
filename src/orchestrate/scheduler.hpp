// Deciding which scheduled runs are due. Each tick of a pipeline's schedule closes a data interval;
// the scheduler claims the runs of closed intervals in the metadata store, where a claim is unique
// per pipeline and interval end, so a restarted or second scheduler neither loses a tick (it
// carries on after the last claimed one) nor runs one twice. With `catchup`, every interval missed
// since the last claimed one (or since start_date) is claimed, oldest first; without it only the
// latest. No pipeline has more than `max_active_runs` runs of this scheduler going at once. The
// scheduler only claims: the caller executes the runs (Executor) and reports them finished.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "lake/metastore.hpp"
#include "orchestrate/clock.hpp"
#include "orchestrate/pipeline.hpp"

namespace strata::orchestrate {

struct DueRun {
  const Pipeline* pipeline = nullptr;
  DataInterval interval;
  int64_t run_id = 0;  // the claimed run, status "running"
};

class Scheduler {
 public:
  // `pipelines` must outlive the scheduler.
  Scheduler(const std::vector<Pipeline>& pipelines, Clock& clock, lake::MetadataStore& store);

  // Claims the runs due at the clock's time, oldest interval first.
  std::vector<DueRun> claim_due_runs();
  // A run from claim_due_runs() has finished (frees its max_active_runs slot).
  void run_finished(const DueRun& run);
  // A scheduled run this scheduler did not claim (resumed after a restart) counts towards
  // max_active_runs until run_finished().
  void adopt(const DueRun& run);
  size_t active_runs(const std::string& pipeline) const;

  // The next time (UTC ms) a tick closes an interval; nothing when no pipeline is scheduled.
  std::optional<int64_t> next_tick_ms();

 private:
  const std::vector<Pipeline>& pipelines_;
  Clock& clock_;
  lake::MetadataStore& store_;
  mutable std::mutex mutex_;
  std::map<std::string, size_t> active_;

  // The interval ends (ticks) due for `pipeline` now, oldest first, at most `limit`.
  std::vector<int64_t> due_ticks(const Pipeline& pipeline, int64_t now, size_t limit);
};

}  // namespace strata::orchestrate
