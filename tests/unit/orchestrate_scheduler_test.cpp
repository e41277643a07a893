// The scheduler on a manual clock: which intervals are due with and without catchup (also across
// a daylight saving change in the pipeline's zone), how max_active_runs holds runs back, that a
// tick is never claimed twice (also after a restart, and by a second scheduler), recovery of runs
// a killed process left running, and backfills that skip the intervals that already succeeded.
#include <gtest/gtest.h>

#include "orchestrate/backfill.hpp"
#include "orchestrate/recovery.hpp"
#include "orchestrate/scheduler.hpp"
#include "orchestrate_fixture.hpp"

namespace strata::orchestrate {
namespace {

using lake::RunStatus;
using test::OrchestrationTest;
using test::utc;

std::string daily(bool catchup, int max_active_runs = 10) {
  return "  p:\n    schedule: \"0 6 * * *\"\n    start_date: \"2021-12-01\"\n    catchup: " +
         std::string(catchup ? "true" : "false") +
         "\n    max_active_runs: " + std::to_string(max_active_runs) +
         "\n    steps:\n      - {name: a, kind: sql, sql: x}\n";
}

lake::PipelineRunFilter runs_of(const std::string& trigger) {
  lake::PipelineRunFilter filter;
  filter.pipeline = "p";
  filter.trigger = trigger;
  return filter;
}

std::vector<std::string> ends(const std::vector<DueRun>& runs) {
  std::vector<std::string> out;
  for (const DueRun& run : runs) out.push_back(run.interval.end_iso());
  return out;
}

class SchedulerTest : public OrchestrationTest {
 protected:
  void finish(Scheduler& scheduler, const std::vector<DueRun>& runs,
              RunStatus status = RunStatus::kSuccess) {
    for (const DueRun& run : runs) {
      store->finish_run(run.run_id, status, "");
      scheduler.run_finished(run);
    }
  }
};

TEST_F(SchedulerTest, CatchupRunsEveryMissedIntervalOldestFirst) {
  load(daily(true));
  clock.set_ms(utc(2021, 12, 4, 7) * 1000);
  Scheduler scheduler(pipelines, clock, *store);
  const auto due = scheduler.claim_due_runs();
  // start_date's first tick is 12-01 06:00, so the first interval ends on 12-02.
  EXPECT_EQ(ends(due), (std::vector<std::string>{"2021-12-02T06:00:00Z", "2021-12-03T06:00:00Z",
                                                 "2021-12-04T06:00:00Z"}));
  EXPECT_EQ(due[0].interval.start_iso(), "2021-12-01T06:00:00Z");
  EXPECT_EQ(scheduler.active_runs("p"), 3u);
  finish(scheduler, due);
  EXPECT_TRUE(scheduler.claim_due_runs().empty());  // never the same interval twice
  EXPECT_EQ(scheduler.next_tick_ms(), utc(2021, 12, 5, 6) * 1000);
  clock.set_ms(utc(2021, 12, 5, 6) * 1000);
  EXPECT_EQ(ends(scheduler.claim_due_runs()), (std::vector<std::string>{"2021-12-05T06:00:00Z"}));
}

TEST_F(SchedulerTest, WithoutCatchupOnlyTheLatestIntervalRuns) {
  load(daily(false));
  clock.set_ms(utc(2021, 12, 4, 7) * 1000);
  Scheduler scheduler(pipelines, clock, *store);
  const auto due = scheduler.claim_due_runs();
  EXPECT_EQ(ends(due), (std::vector<std::string>{"2021-12-04T06:00:00Z"}));
  finish(scheduler, due);
  // Three days later: the two ticks in between are not run.
  clock.set_ms(utc(2021, 12, 7, 7) * 1000);
  EXPECT_EQ(ends(scheduler.claim_due_runs()), (std::vector<std::string>{"2021-12-07T06:00:00Z"}));
}

TEST_F(SchedulerTest, CatchupAcrossADaylightSavingChangeKeepsLocalTicks) {
  // 02:30 local does not exist on 2022-03-27 in Berlin; the tick that day comes at 03:00 CEST.
  load(
      "  p:\n    schedule: \"30 2 * * *\"\n    timezone: Europe/Berlin\n"
      "    start_date: \"2022-03-25\"\n    catchup: true\n    max_active_runs: 10\n"
      "    steps:\n      - {name: a, kind: sql, sql: x}\n");
  clock.set_ms(utc(2022, 3, 29, 12) * 1000);
  Scheduler scheduler(pipelines, clock, *store);
  const auto due = scheduler.claim_due_runs();
  EXPECT_EQ(ends(due), (std::vector<std::string>{"2022-03-26T01:30:00Z", "2022-03-27T01:00:00Z",
                                                 "2022-03-28T00:30:00Z", "2022-03-29T00:30:00Z"}));
  EXPECT_EQ(due[0].interval.start_iso(), "2022-03-25T01:30:00Z");
  EXPECT_EQ(due[1].interval.end - due[1].interval.start, 23 * 3600 + 1800);
  finish(scheduler, due);
  EXPECT_TRUE(scheduler.claim_due_runs().empty());
  EXPECT_EQ(scheduler.next_tick_ms(), utc(2022, 3, 30, 0) * 1000 + 1800 * 1000);
}

TEST_F(SchedulerTest, MaxActiveRunsHoldsBackTheNextIntervals) {
  load(daily(true, 1));
  clock.set_ms(utc(2021, 12, 4, 7) * 1000);
  Scheduler scheduler(pipelines, clock, *store);
  auto first = scheduler.claim_due_runs();
  EXPECT_EQ(ends(first), (std::vector<std::string>{"2021-12-02T06:00:00Z"}));
  EXPECT_TRUE(scheduler.claim_due_runs().empty());  // one is still running
  finish(scheduler, first, RunStatus::kFailed);     // a failed run still used its tick
  auto second = scheduler.claim_due_runs();
  EXPECT_EQ(ends(second), (std::vector<std::string>{"2021-12-03T06:00:00Z"}));
  finish(scheduler, second);
  EXPECT_EQ(ends(scheduler.claim_due_runs()), (std::vector<std::string>{"2021-12-04T06:00:00Z"}));
}

TEST_F(SchedulerTest, ARestartNeitherLosesNorRepeatsATick) {
  load(daily(true, 2));
  clock.set_ms(utc(2021, 12, 4, 7) * 1000);
  std::vector<DueRun> before;
  {
    Scheduler first(pipelines, clock, *store);
    before = first.claim_due_runs();
    EXPECT_EQ(before.size(), 2u);
    // The process is killed here: the two runs stay "running".
  }
  // Reopen the store as a new process would.
  store.reset();
  store = lake::open_sqlite_metastore(project.catalog_file);
  Scheduler restarted(pipelines, clock, *store);
  // Nobody holds their owner lease: both are left over, and resumable (no step ran yet).
  const auto recovered = recover_leftover_runs(pipelines, *store, dir.path());
  ASSERT_EQ(recovered.size(), 2u);
  EXPECT_EQ(recovered[0].record.run.id, before[0].run_id);
  EXPECT_TRUE(recovered[0].resume);
  EXPECT_EQ(store->pipeline_run(before[0].run_id)->run.status, "running");
  for (const auto& run : recovered) restarted.adopt({run.pipeline, {}, run.record.run.id});
  EXPECT_EQ(restarted.active_runs("p"), 2u);
  for (const auto& run : recovered) restarted.run_finished({run.pipeline, {}, run.record.run.id});
  EXPECT_EQ(ends(restarted.claim_due_runs()), (std::vector<std::string>{"2021-12-04T06:00:00Z"}));
  // A second scheduler on the same store finds nothing left to claim.
  Scheduler other(pipelines, clock, *store);
  EXPECT_TRUE(other.claim_due_runs().empty());
  EXPECT_EQ(store->pipeline_runs(runs_of("")).size(), 3u);
}

TEST_F(SchedulerTest, ScheduledRunsExecuteWithTheirInterval) {
  load(daily(false));
  clock.set_ms(utc(2021, 12, 4, 7) * 1000);
  Scheduler scheduler(pipelines, clock, *store);
  std::vector<DataInterval> seen;
  ExecutorOptions options;
  options.run_step = [&](const StepContext& context) {
    seen.push_back(context.interval);
    return StepResult{};
  };
  Executor runner = executor(options);
  for (const DueRun& due : scheduler.claim_due_runs()) {
    EXPECT_TRUE(runner.execute(*due.pipeline, due.interval, due.run_id, cancel).ok());
    scheduler.run_finished(due);
  }
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].start_iso(), "2021-12-03T06:00:00Z");
  EXPECT_EQ(store->pipeline_runs(runs_of("schedule")).at(0).run.status, "success");
}

TEST_F(OrchestrationTest, BackfillRunsEachIntervalOnceAndSkipsWhatSucceeded) {
  load(daily(false));
  std::mutex mutex;
  std::vector<std::string> ran;
  bool fail_second_day = true;
  ExecutorOptions options;
  options.run_step = [&](const StepContext& context) {
    std::lock_guard lock(mutex);
    ran.push_back(context.interval.start_iso());
    if (fail_second_day && context.interval.start == utc(2021, 12, 2, 6)) {
      throw Error(ErrorKind::kInput, "no data");
    }
    return StepResult{};
  };
  Executor runner = executor(options);
  BackfillOptions range;
  range.start = utc(2021, 12, 1);
  range.end = utc(2021, 12, 4, 6);
  range.parallel = 2;
  BackfillResult first = backfill(runner, pipeline(), range, cancel);
  ASSERT_EQ(first.runs.size(), 3u);
  EXPECT_EQ(first.failed(), 1u);
  EXPECT_TRUE(first.skipped.empty());
  EXPECT_EQ(first.runs[0].interval.start_iso(), "2021-12-01T06:00:00Z");
  EXPECT_EQ(first.runs[2].interval.end_iso(), "2021-12-04T06:00:00Z");
  EXPECT_EQ(ran.size(), 3u);

  // Again: only the failed day runs.
  fail_second_day = false;
  ran.clear();
  BackfillResult second = backfill(runner, pipeline(), range, cancel);
  EXPECT_EQ(second.skipped.size(), 2u);
  ASSERT_EQ(second.runs.size(), 1u);
  EXPECT_TRUE(second.runs[0].ok());
  EXPECT_EQ(ran, (std::vector<std::string>{"2021-12-02T06:00:00Z"}));

  // --force runs them all.
  range.force = true;
  ran.clear();
  EXPECT_EQ(backfill(runner, pipeline(), range, cancel).runs.size(), 3u);
  EXPECT_EQ(ran.size(), 3u);
  const auto runs = store->pipeline_runs(runs_of("backfill"));
  EXPECT_EQ(runs.size(), 7u);

  range.start = utc(2021, 12, 1, 7);
  range.end = utc(2021, 12, 2, 5);
  EXPECT_THROW(backfill(runner, pipeline(), range, cancel), Error);  // no interval starts there
}

}  // namespace
}  // namespace strata::orchestrate
