// Backfill: one run of a pipeline per data interval of its schedule between two times (every
// interval that starts at or after `start` and before `end`), several at once up to
// `parallel`, oldest first. Intervals that already have a successful run, whatever started it, are
// skipped unless `force` is set. Each run is recorded with trigger "backfill"; a failed run does
// not stop the others.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

#include "orchestrate/executor.hpp"

namespace strata::orchestrate {

struct BackfillOptions {
  int64_t start = 0;  // UTC seconds
  int64_t end = 0;
  size_t parallel = 1;
  bool force = false;
  // Called (from worker threads) when a run finishes.
  std::function<void(const RunOutcome&)> on_run;
};

struct BackfillResult {
  std::vector<DataInterval> skipped;  // already succeeded
  std::vector<RunOutcome> runs;       // in interval order
  size_t failed() const;
};

// Throws kUsage when the pipeline has no schedule or no interval fits between start and end.
BackfillResult backfill(Executor& executor, const Pipeline& pipeline,
                        const BackfillOptions& options, const CancelToken& cancel);

}  // namespace strata::orchestrate
