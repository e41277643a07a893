#include "orchestrate/backfill.hpp"

#include <algorithm>
#include <mutex>
#include <set>
#include <thread>

#include "core/time_text.hpp"

namespace strata::orchestrate {

size_t BackfillResult::failed() const {
  return static_cast<size_t>(
      std::count_if(runs.begin(), runs.end(), [](const RunOutcome& run) { return !run.ok(); }));
}

BackfillResult backfill(Executor& executor, const Pipeline& pipeline,
                        const BackfillOptions& options, const CancelToken& cancel) {
  if (!pipeline.scheduled()) {
    throw Error(ErrorKind::kUsage, "pipeline '" + pipeline.name() +
                                       "' has no schedule, so it has no intervals to backfill; "
                                       "use `strata pipeline run` instead");
  }
  const std::vector<DataInterval> intervals =
      pipeline.intervals_between(options.start, options.end);
  if (intervals.empty()) {
    throw Error(ErrorKind::kUsage, "no interval of schedule '" + pipeline.config().schedule +
                                       "' starts between " + iso_utc(options.start) + " and " +
                                       iso_utc(options.end));
  }
  std::set<std::pair<int64_t, int64_t>> succeeded;
  if (!options.force) {
    lake::PipelineRunFilter filter;
    filter.pipeline = pipeline.name();
    filter.interval_end_from = intervals.front().end;
    filter.interval_end_to = intervals.back().end;
    filter.limit = 1'000'000;
    for (const lake::PipelineRunRecord& run : executor.store().pipeline_runs(filter)) {
      if (run.run.status == lake::run_status_name(lake::RunStatus::kSuccess)) {
        succeeded.insert({run.interval_start, run.interval_end});
      }
    }
  }
  BackfillResult result;
  std::vector<DataInterval> todo;
  for (const DataInterval& interval : intervals) {
    if (succeeded.contains({interval.start, interval.end})) {
      result.skipped.push_back(interval);
    } else {
      todo.push_back(interval);
    }
  }
  std::vector<RunOutcome> outcomes(todo.size());
  std::mutex mutex;
  size_t next = 0;
  auto work = [&]() noexcept {
    while (true) {
      size_t mine;
      {
        std::lock_guard lock(mutex);
        if (next >= todo.size() || cancel.cancelled()) return;
        mine = next++;
      }
      RunOutcome& outcome = outcomes[mine];
      try {
        outcome = executor.run(pipeline, todo[mine], "backfill", cancel);
      } catch (const std::exception& e) {
        outcome.pipeline = pipeline.name();
        outcome.interval = todo[mine];
        outcome.status = lake::RunStatus::kFailed;
        outcome.error = e.what();
      }
      if (options.on_run) {
        std::lock_guard lock(mutex);
        try {
          options.on_run(outcome);
        } catch (...) {
          // Progress output must not end a backfill.
        }
      }
    }
  };
  const size_t threads = std::clamp<size_t>(options.parallel, 1, std::max<size_t>(todo.size(), 1));
  std::vector<std::thread> workers;
  for (size_t i = 0; i < threads; ++i) workers.emplace_back(work);
  for (std::thread& worker : workers) worker.join();
  for (size_t i = 0; i < todo.size(); ++i) {
    if (outcomes[i].run_id == 0 && outcomes[i].error.empty()) {  // never started: cancelled
      outcomes[i].pipeline = pipeline.name();
      outcomes[i].interval = todo[i];
      outcomes[i].status = lake::RunStatus::kSkipped;
      outcomes[i].error = "cancelled before it started";
    }
  }
  result.runs = std::move(outcomes);
  return result;
}

}  // namespace strata::orchestrate
