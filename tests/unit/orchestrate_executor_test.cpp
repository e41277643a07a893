// The executor with a stand-in for the step kinds (so only the orchestration is under test): DAG
// order, parallelism within the concurrency limits, retries with exponential backoff on a manual
// clock, skipping what is downstream of a failure, cancel, and the run history it records.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <thread>

#include "orchestrate_fixture.hpp"

namespace strata::orchestrate {
namespace {

using lake::RunStatus;
using test::OrchestrationTest;

// Records when each step starts and ends; steps listed in `fail` fail that many times first.
struct Recorder {
  std::mutex mutex;
  std::vector<std::string> events;  // "+a" at start, "-a" at the end
  std::map<std::string, int> fail;
  std::map<std::string, int> attempts;
  int sleep_ms = 0;
  std::atomic<int> running{0};
  std::atomic<int> max_running{0};

  StepRunner runner() {
    return [this](const StepContext& context) {
      const std::string name = context.step.name;
      bool should_fail = false;
      {
        std::lock_guard lock(mutex);
        events.push_back("+" + name);
        should_fail = ++attempts[name] <= fail[name];
      }
      const int now = ++running;
      for (int seen = max_running; now > seen && !max_running.compare_exchange_weak(seen, now);) {
      }
      context.log.write("info", "hello from " + name);
      std::this_thread::sleep_for(std::chrono::milliseconds(sleep_ms));
      --running;
      {
        std::lock_guard lock(mutex);
        events.push_back("-" + name);
      }
      if (should_fail) throw Error(ErrorKind::kInput, name + " broke");
      return StepResult{7};
    };
  }

  size_t position(const std::string& event) {
    auto it = std::find(events.begin(), events.end(), event);
    EXPECT_NE(it, events.end()) << event;
    return static_cast<size_t>(it - events.begin());
  }
};

const char* kDiamond = R"(  p:
    concurrency: 4
    steps:
      - {name: a, kind: sql, sql: x}
      - {name: b, kind: sql, sql: x, after: [a]}
      - {name: c, kind: sql, sql: x, after: [a]}
      - {name: d, kind: sql, sql: x, after: [b, c]}
)";

TEST_F(OrchestrationTest, RunsTheDagInOrderAndBranchesInParallel) {
  load(kDiamond);
  Recorder recorder;
  recorder.sleep_ms = 300;
  ExecutorOptions options;
  options.run_step = recorder.runner();
  const RunOutcome run = executor(options).run(pipeline(), {0, 86400}, "manual", cancel);
  ASSERT_TRUE(run.ok()) << run.error;
  EXPECT_LT(recorder.position("-a"), recorder.position("+b"));
  EXPECT_LT(recorder.position("-a"), recorder.position("+c"));
  EXPECT_LT(recorder.position("-b"), recorder.position("+d"));
  EXPECT_LT(recorder.position("-c"), recorder.position("+d"));
  // b and c overlap.
  EXPECT_LT(recorder.position("+b"), recorder.position("-c"));
  EXPECT_LT(recorder.position("+c"), recorder.position("-b"));
  EXPECT_EQ(recorder.max_running, 2);
  ASSERT_EQ(run.steps.size(), 4u);
  for (const auto& step : run.steps) {
    EXPECT_EQ(step.status, RunStatus::kSuccess) << step.name;
    EXPECT_EQ(step.attempts, 1);
    EXPECT_EQ(step.rows, 7u);
  }
  // The history: one run with its interval, four steps with their log lines.
  const auto record = store->pipeline_run(run.run_id);
  ASSERT_TRUE(record);
  EXPECT_EQ(record->pipeline, "p");
  EXPECT_EQ(record->trigger, "manual");
  EXPECT_EQ(record->interval_end, 86400);
  EXPECT_EQ(record->run.status, "success");
  EXPECT_EQ(store->run_steps(run.run_id).size(), 4u);
  EXPECT_TRUE(test::contains_line(step_lines(run.run_id, "d"), "info: hello from d"));
}

TEST_F(OrchestrationTest, ConcurrencyLimitsBoundParallelSteps) {
  load(R"(  p:
    concurrency: 1
    steps:
      - {name: a, kind: sql, sql: x}
      - {name: b, kind: sql, sql: x, after: []}
      - {name: c, kind: sql, sql: x, after: []}
)");
  Recorder recorder;
  recorder.sleep_ms = 50;
  ExecutorOptions options;
  options.run_step = recorder.runner();
  EXPECT_TRUE(executor(options).run(pipeline(), {0, 0}, "manual", cancel).ok());
  EXPECT_EQ(recorder.max_running, 1);

  // The process-wide limit bounds a pipeline that would allow more.
  load(kDiamond);
  ConcurrencyLimits one(1);
  Recorder second;
  second.sleep_ms = 50;
  ExecutorOptions wide;
  wide.run_step = second.runner();
  Executor limited(project, *lake, clock, one, wide);
  EXPECT_TRUE(limited.run(pipeline(), {0, 0}, "manual", cancel).ok());
  EXPECT_EQ(second.max_running, 1);
}

TEST_F(OrchestrationTest, RetriesWithExponentialBackoffAndJitter) {
  load(R"(  p:
    retries: 3
    retry_delay: 10s
    steps:
      - {name: flaky, kind: sql, sql: x}
      - {name: after, kind: sql, sql: x}
)");
  Recorder recorder;
  recorder.fail["flaky"] = 2;
  ExecutorOptions options;
  options.run_step = recorder.runner();
  std::vector<StepEvent> retries;
  std::mutex events;
  options.on_event = [&](const StepEvent& event) {
    std::lock_guard lock(events);
    if (event.type == StepEvent::Type::kRetrying) retries.push_back(event);
  };
  const int64_t start = clock.now_ms();
  const RunOutcome run = executor(options).run(pipeline(), {0, 0}, "manual", cancel);
  ASSERT_TRUE(run.ok()) << run.error;
  EXPECT_EQ(run.steps[0].attempts, 3);
  EXPECT_EQ(run.steps[1].attempts, 1);
  // Two waits, on the manual clock: 10 s then 20 s, each with up to half taken off by jitter.
  const std::vector<int64_t> sleeps = clock.sleeps_ms();
  ASSERT_EQ(sleeps.size(), 2u);
  EXPECT_GE(sleeps[0], 5'000);
  EXPECT_LE(sleeps[0], 10'000);
  EXPECT_GE(sleeps[1], 10'000);
  EXPECT_LE(sleeps[1], 20'000);
  EXPECT_EQ(clock.now_ms(), start + sleeps[0] + sleeps[1]);
  ASSERT_EQ(retries.size(), 2u);
  EXPECT_EQ(retries[0].error, "flaky broke");
  EXPECT_EQ(retries[1].attempt, 2);
  // Every attempt is a step record; the failed ones say why and when the next comes.
  const auto steps = store->run_steps(run.run_id);
  ASSERT_EQ(steps.size(), 4u);
  EXPECT_EQ(steps[0].status, "failed");
  EXPECT_EQ(steps[0].error, "flaky broke");
  EXPECT_EQ(steps[2].status, "success");
  const auto lines = step_lines(run.run_id, "flaky");
  EXPECT_TRUE(test::contains_line(lines, "info: attempt 2 of 4"));
  EXPECT_TRUE(test::contains_line(lines, "error: flaky broke"));
  EXPECT_TRUE(test::contains_line(lines, "info: retrying in "));
}

TEST_F(OrchestrationTest, BackoffDoublesUpToACapWithEqualJitter) {
  EXPECT_EQ(backoff_delay_ms(10'000, 1, 1.0), 10'000);
  EXPECT_EQ(backoff_delay_ms(10'000, 1, 0.0), 5'000);
  EXPECT_EQ(backoff_delay_ms(10'000, 3, 1.0), 40'000);
  EXPECT_EQ(backoff_delay_ms(10'000, 30, 1.0), 3'600'000);    // capped at an hour
  EXPECT_EQ(backoff_delay_ms(7'200'000, 5, 1.0), 7'200'000);  // a longer delay is its own cap
  EXPECT_EQ(backoff_delay_ms(0, 3, 1.0), 0);
}

TEST_F(OrchestrationTest, FailureSkipsDownstreamButNotIndependentSteps) {
  load(R"(  p:
    retries: 1
    retry_delay: 1s
    steps:
      - {name: extract, kind: sql, sql: x}
      - {name: transform, kind: sql, sql: x}
      - {name: publish, kind: sql, sql: x}
      - {name: audit, kind: sql, sql: x, after: []}
)");
  Recorder recorder;
  recorder.fail["extract"] = 5;
  ExecutorOptions options;
  options.run_step = recorder.runner();
  const RunOutcome run = executor(options).run(pipeline(), {0, 0}, "manual", cancel);
  EXPECT_FALSE(run.ok());
  EXPECT_EQ(run.error, "step 'extract' failed: extract broke");
  EXPECT_EQ(run.steps[0].status, RunStatus::kFailed);
  EXPECT_EQ(run.steps[0].attempts, 2);
  EXPECT_EQ(run.steps[1].status, RunStatus::kSkipped);
  EXPECT_EQ(run.steps[1].error, "upstream step 'extract' failed");
  EXPECT_EQ(run.steps[2].status, RunStatus::kSkipped);
  EXPECT_EQ(run.steps[2].error, "upstream step 'transform' did not run");
  EXPECT_EQ(run.steps[3].status, RunStatus::kSuccess);
  EXPECT_EQ(recorder.attempts.count("transform"), 0u);
  const auto record = store->pipeline_run(run.run_id);
  EXPECT_EQ(record->run.status, "failed");
  EXPECT_EQ(record->run.error, run.error);
  size_t skipped = 0;
  for (const auto& step : store->run_steps(run.run_id)) skipped += step.status == "skipped";
  EXPECT_EQ(skipped, 2u);
}

TEST_F(OrchestrationTest, CancelStopsTheRunningStepAndSkipsTheRest) {
  load(R"(  p:
    steps:
      - {name: long, kind: sql, sql: x}
      - {name: next, kind: sql, sql: x}
)");
  ExecutorOptions options;
  options.run_step = [](const StepContext& context) {
    while (!context.control.stop_requested()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    context.control.throw_if_stopped();
    return StepResult{};
  };
  std::thread canceller([this] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    cancel.cancel();
  });
  const auto start = std::chrono::steady_clock::now();
  const RunOutcome run = executor(options).run(pipeline(), {0, 0}, "manual", cancel);
  canceller.join();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
  EXPECT_FALSE(run.ok());
  EXPECT_EQ(run.steps[0].status, RunStatus::kFailed);
  EXPECT_EQ(run.steps[0].error, "cancelled");
  EXPECT_EQ(run.steps[1].status, RunStatus::kSkipped);
  EXPECT_EQ(run.error.rfind("cancelled", 0), 0u) << run.error;
}

TEST_F(OrchestrationTest, ExceptionsOfAnyKindInAStepAreRecordedNotThrown) {
  load("  p:\n    steps:\n      - {name: a, kind: sql, sql: x}\n");
  ExecutorOptions options;
  options.run_step = [](const StepContext&) -> StepResult { throw std::runtime_error("boom"); };
  const RunOutcome run = executor(options).run(pipeline(), {0, 0}, "manual", cancel);
  EXPECT_FALSE(run.ok());
  EXPECT_EQ(run.steps[0].error, "internal failure: boom");
}

}  // namespace
}  // namespace strata::orchestrate
