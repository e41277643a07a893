// The pipeline service with a stand-in for the step kinds: manual triggers with parameters, cancel,
// rerun from the failed step, the scheduler loop on a manual clock with max_active_runs and the
// global run limit, the resumption of runs a killed or stopped server left unfinished, and the
// one-server-per-project lock.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "orchestrate/process_lock.hpp"
#include "orchestrate/run_meta.hpp"
#include "orchestrate/service.hpp"
#include "orchestrate_fixture.hpp"

namespace strata::orchestrate {
namespace {

using lake::RunStatus;
using test::utc;

// Counts attempts per step; a step fails while its entry in `fail` is positive, and a step in
// `block` waits until its attempt is stopped.
struct FakeSteps {
  std::mutex mutex;
  std::map<std::string, int> attempts;
  std::map<std::string, int> fail;
  std::set<std::string> block;
  std::map<std::string, std::string> params_seen;
  std::atomic<int> running{0};
  std::atomic<int> max_running{0};
  int sleep_ms = 0;

  StepRunner runner() {
    return [this](const StepContext& context) {
      const std::string name = context.step.name;
      bool fails = false, blocks = false;
      {
        std::lock_guard lock(mutex);
        ++attempts[context.pipeline.name() + "." + name];
        fails = fail[name] > 0 && fail[name]-- > 0;
        blocks = block.contains(name);
        for (const auto& [key, value] : context.params) params_seen[key] = value;
      }
      const int now = ++running;
      for (int seen = max_running; now > seen && !max_running.compare_exchange_weak(seen, now);) {
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(sleep_ms));
      while (blocks && !context.control.stop_requested()) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
      --running;
      context.control.throw_if_stopped();
      if (fails) throw Error(ErrorKind::kInput, name + " broke");
      return StepResult{1};
    };
  }
  int attempts_of(const std::string& step, const std::string& pipeline = "p") {
    std::lock_guard lock(mutex);
    return attempts[pipeline + "." + step];
  }
};

const char* kChain = R"(  p:
    schedule: "0 6 * * *"
    start_date: "2021-12-01"
    catchup: true
    max_active_runs: 1
    retries: 1
    retry_delay: 1s
    steps:
      - {name: a, kind: sql, sql: x}
      - {name: b, kind: sql, sql: x}
      - {name: c, kind: sql, sql: x}
  q:
    steps:
      - {name: only, kind: sql, sql: x}
)";

class ServiceTest : public test::OrchestrationTest {
 protected:
  FakeSteps steps;

  std::unique_ptr<PipelineService> service(bool schedule = false, size_t run_limit = 16) {
    ServiceOptions options;
    options.schedule = schedule;
    options.run_limit = run_limit;
    options.executor.run_step = steps.runner();
    options.executor.watch_interval_ms = 5;
    return std::make_unique<PipelineService>(project, *lake, clock, std::move(options));
  }
  std::string status(int64_t run_id) { return store->pipeline_run(run_id)->run.status; }
  std::vector<std::string> step_states(int64_t run_id) {
    std::vector<std::string> out;
    for (const auto& step : store->run_steps(run_id)) out.push_back(step.name + ":" + step.status);
    return out;
  }
  // Triggers pipeline p and returns once its step `step` has started.
  int64_t trigger_and_wait_for(PipelineService& svc, const std::string& step) {
    const int64_t id = svc.trigger("p", {});
    while (steps.attempts_of(step) == 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    return id;
  }
};

TEST_F(ServiceTest, TriggerRunsWithParametersAndRecordsThem) {
  load(kChain);
  auto svc = service();
  svc->start();
  const int64_t id = svc->trigger("p", {{{"country", "NL"}}, utc(2021, 12, 5, 12)});
  ASSERT_TRUE(svc->wait_for_run(id, 10'000));
  EXPECT_EQ(status(id), "success");
  EXPECT_EQ(steps.params_seen["country"], "NL");
  EXPECT_EQ(load_run_meta(*store, id).params.at("country"), "NL");
  const auto record = store->pipeline_run(id);
  EXPECT_EQ(record->trigger, "manual");
  EXPECT_EQ(record->interval_end, utc(2021, 12, 5, 6));  // the last tick before noon
  EXPECT_THROW(svc->trigger("p", {{{"run_id", "1"}}, {}}), Error);
  EXPECT_THROW(svc->trigger("p", {{{"bad name", "1"}}, {}}), Error);
  EXPECT_THROW(svc->trigger("nope", {}), Error);
}

TEST_F(ServiceTest, CancelStopsARunInFlight) {
  load(kChain);
  steps.block = {"b"};
  auto svc = service();
  svc->start();
  const int64_t id = trigger_and_wait_for(*svc, "b");
  EXPECT_TRUE(svc->cancel(id));
  ASSERT_TRUE(svc->wait_for_run(id, 10'000));
  EXPECT_EQ(status(id), "failed");
  EXPECT_NE(store->pipeline_run(id)->run.error.find("cancelled"), std::string::npos);
  EXPECT_EQ(steps.attempts_of("b"), 1);  // a cancelled step is not retried
  EXPECT_EQ(steps.attempts_of("c"), 0);
  EXPECT_FALSE(svc->cancel(id));  // no longer running
}

TEST_F(ServiceTest, RerunStartsFromTheFailedStep) {
  load(kChain);
  steps.fail["b"] = 2;  // both attempts of the first run
  auto svc = service();
  svc->start();
  const int64_t first = svc->trigger("p", {{{"k", "v"}}, {}});
  ASSERT_TRUE(svc->wait_for_run(first, 10'000));
  EXPECT_EQ(status(first), "failed");
  EXPECT_EQ(steps.attempts_of("b"), 2);
  EXPECT_THROW(svc->rerun(first + 100), Error);
  const int64_t second = svc->rerun(first);
  ASSERT_TRUE(svc->wait_for_run(second, 10'000));
  EXPECT_EQ(status(second), "success");
  EXPECT_EQ(steps.attempts_of("a"), 1);  // not again
  EXPECT_EQ(steps.attempts_of("b"), 3);
  EXPECT_EQ(steps.attempts_of("c"), 1);
  EXPECT_EQ(step_states(second), (std::vector<std::string>{"a:skipped", "b:success", "c:success"}));
  EXPECT_EQ(store->run_steps(second).front().error,
            "already succeeded in run " + std::to_string(first));
  const auto record = store->pipeline_run(second);
  EXPECT_EQ(record->trigger, "rerun");
  EXPECT_EQ(record->interval_end, store->pipeline_run(first)->interval_end);
  EXPECT_EQ(load_run_meta(*store, second).params.at("k"), "v");
  EXPECT_EQ(load_run_meta(*store, second).rerun_of, first);
  EXPECT_THROW(svc->rerun(second), Error);  // it succeeded
}

TEST_F(ServiceTest, TheLoopRunsDueTicksOneAtATimeUnderMaxActiveRuns) {
  load(kChain);
  clock.set_ms(utc(2021, 12, 3, 7) * 1000);  // two intervals are due (catchup from 12-01)
  steps.sleep_ms = 50;
  auto svc = service(/*schedule=*/true);
  svc->start();
  lake::PipelineRunFilter filter;
  filter.pipeline = "p";
  auto finished = [&] {
    size_t n = 0;
    for (const auto& run : store->pipeline_runs(filter)) n += run.run.status == "success";
    return n;
  };
  for (int i = 0; i < 400 && finished() < 2; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(finished(), 2u);
  EXPECT_EQ(steps.max_running.load(), 1);  // max_active_runs 1, a chain: never two at once
  // The next tick: the loop notices the moved clock when woken.
  clock.set_ms(utc(2021, 12, 4, 6) * 1000);
  svc->wake();
  for (int i = 0; i < 400 && finished() < 3; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(finished(), 3u);
  const auto summaries = svc->summaries();
  ASSERT_EQ(summaries.size(), 2u);
  EXPECT_EQ(summaries[0].next_tick, utc(2021, 12, 5, 6));
  EXPECT_EQ(summaries[0].last_run->interval_end, utc(2021, 12, 4, 6));
  EXPECT_FALSE(summaries[1].next_tick.has_value());
  svc->stop();
  EXPECT_EQ(store->pipeline_runs(filter).size(), 3u);  // each tick once
}

TEST_F(ServiceTest, TheGlobalRunLimitQueuesRuns) {
  load(kChain);
  steps.sleep_ms = 30;
  auto svc = service(false, /*run_limit=*/1);
  svc->start();
  std::vector<int64_t> ids;
  for (int i = 0; i < 3; ++i) ids.push_back(svc->trigger(i % 2 ? "q" : "p", {}));
  for (int64_t id : ids) ASSERT_TRUE(svc->wait_for_run(id, 10'000));
  for (int64_t id : ids) EXPECT_EQ(status(id), "success");
  EXPECT_EQ(steps.max_running.load(), 1);
}

TEST_F(ServiceTest, AKilledServersRunResumesWithoutRunningDoneStepsAgain) {
  load(kChain);
  // What a killed server leaves: a claimed run, step a done, b's first attempt "running", and an
  // owner lease nobody holds.
  const int64_t id =
      *store->begin_pipeline_run("p", utc(2021, 12, 1, 6), utc(2021, 12, 2, 6), "schedule");
  save_run_meta(*store, id, {"12345-1", {}, 0});
  store->finish_step(store->begin_step(id, "a", "sql"), RunStatus::kSuccess, 1, "");
  const int64_t b = store->begin_step(id, "b", "sql");
  clock.set_ms(utc(2021, 12, 2, 7) * 1000);
  auto svc = service();
  svc->start();
  ASSERT_TRUE(svc->wait_for_run(id, 10'000));
  EXPECT_EQ(status(id), "success");
  EXPECT_EQ(steps.attempts_of("a"), 0);
  EXPECT_EQ(steps.attempts_of("b"), 1);  // its second attempt: b has one retry
  EXPECT_EQ(step_states(id),
            (std::vector<std::string>{"a:success", "b:interrupted", "b:success", "c:success"}));
  EXPECT_EQ(store->run_steps(id)[1].id, b);
  // The interval it covers is not claimed again.
  svc->tick();
  lake::PipelineRunFilter filter;
  filter.pipeline = "p";
  EXPECT_EQ(store->pipeline_runs(filter).size(), 1u);
}

TEST_F(ServiceTest, AnInterruptedStepWithoutRetriesFailsItsRun) {
  load("  p:\n    steps:\n      - {name: a, kind: sql, sql: x}\n");
  const int64_t id = *store->begin_pipeline_run("p", 0, 0, "manual");
  store->begin_step(id, "a", "sql");
  auto svc = service();
  svc->start();
  EXPECT_EQ(status(id), "failed");
  EXPECT_NE(store->pipeline_run(id)->run.error.find("has no retries left"), std::string::npos);
  EXPECT_EQ(steps.attempts_of("a"), 0);
}

TEST_F(ServiceTest, ACancelRequestInTheStoreStopsTheRun) {
  // What `strata pipeline cancel` does from another process.
  load(kChain);
  steps.block = {"b"};
  auto svc = service();
  svc->start();
  const int64_t id = trigger_and_wait_for(*svc, "b");
  request_cancel(*store, id, "a test");
  ASSERT_TRUE(svc->wait_for_run(id, 10'000));
  EXPECT_EQ(status(id), "failed");
  EXPECT_NE(store->pipeline_run(id)->run.error.find("cancelled"), std::string::npos);
  EXPECT_EQ(steps.attempts_of("b"), 1);
  EXPECT_EQ(steps.attempts_of("c"), 0);
}

TEST_F(ServiceTest, ALeftoverRunWhoseCancelWasRequestedIsNotResumed) {
  load(kChain);
  const int64_t id =
      *store->begin_pipeline_run("p", utc(2021, 12, 1, 6), utc(2021, 12, 2, 6), "schedule");
  save_run_meta(*store, id, {"12345-1", {}, 0});
  store->begin_step(id, "a", "sql");
  request_cancel(*store, id, "a test");
  clock.set_ms(utc(2021, 12, 2, 7) * 1000);
  auto svc = service();
  svc->start();
  EXPECT_EQ(status(id), "failed");
  EXPECT_EQ(store->pipeline_run(id)->run.error.rfind("cancelled", 0), 0u);
  EXPECT_EQ(step_states(id), (std::vector<std::string>{"a:interrupted"}));
  EXPECT_EQ(steps.attempts_of("a"), 0);
}

TEST_F(ServiceTest, ARunOfALiveProcessIsLeftAlone) {
  load(kChain);
  OwnerLease other(dir.path());  // stands for another live strata process
  const int64_t id = *store->begin_pipeline_run("q", 0, 0, "manual");
  save_run_meta(*store, id, {other.id(), {}, 0});
  store->begin_step(id, "only", "sql");
  auto svc = service();
  svc->start();
  EXPECT_EQ(status(id), "running");
  EXPECT_EQ(steps.attempts_of("only", "q"), 0);
}

TEST_F(ServiceTest, StopInterruptsRunsAndTheNextStartResumesThem) {
  load(kChain);
  steps.block = {"b"};
  int64_t id = 0;
  {
    auto svc = service();
    svc->start();
    id = trigger_and_wait_for(*svc, "b");
    svc->stop();
  }
  EXPECT_EQ(status(id), "interrupted");
  EXPECT_EQ(step_states(id), (std::vector<std::string>{"a:success", "b:interrupted"}));
  steps.block.clear();
  auto svc = service();
  svc->start();
  ASSERT_TRUE(svc->wait_for_run(id, 10'000));
  EXPECT_EQ(status(id), "success");
  EXPECT_EQ(steps.attempts_of("a"), 1);
  EXPECT_EQ(steps.attempts_of("b"), 2);
}

TEST_F(ServiceTest, OneServerPerProject) {
  load(kChain);
  FileLock first = lock_server(dir.path());
  try {
    lock_server(dir.path());
    FAIL() << "a second server lock was granted";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kConflict);
    EXPECT_NE(std::string(e.what()).find("pid " + std::to_string(::getpid())), std::string::npos)
        << e.what();
    EXPECT_NE(std::string(e.what()).find("serve.lock"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace strata::orchestrate
