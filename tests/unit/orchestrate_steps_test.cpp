// The real step kinds under the executor: commands (output captured into the log, exit codes,
// environment with the data interval, a timeout that kills the process group), sql (the data
// interval as DuckDB variables, a timeout that interrupts a long query) and ingest and run on a
// real lake, with the interval passed to models as vars.
#include <gtest/gtest.h>

#include <chrono>

#include "engine/session.hpp"
#include "orchestrate_fixture.hpp"

namespace strata::orchestrate {
namespace {

using lake::RunStatus;
using test::contains_line;
using test::OrchestrationTest;
using test::utc;

const DataInterval kDay{utc(2021, 12, 1), utc(2021, 12, 2)};

TEST_F(OrchestrationTest, CommandStepsLogOutputAndSeeTheInterval) {
  load(R"(  p:
    steps:
      - name: show
        kind: command
        command: ["/bin/sh", "-c", "echo start=$STRATA_DATA_INTERVAL_START end=$STRATA_DATA_INTERVAL_END run=$STRATA_RUN_ID x=$X; echo oops >&2; pwd"]
        env: {X: y}
      - {name: fail, kind: command, command: "echo bad input >&2; exit 3"}
      - {name: killed, kind: command, command: "kill -9 $$", after: []}
)");
  const RunOutcome run = executor().run(pipeline(), kDay, "manual", cancel);
  EXPECT_EQ(run.steps[0].status, RunStatus::kSuccess) << run.steps[0].error;
  const auto lines = step_lines(run.run_id, "show");
  EXPECT_TRUE(contains_line(lines,
                            "stdout: start=2021-12-01T00:00:00Z end=2021-12-02T00:00:00Z "
                            "run=" +
                                std::to_string(run.run_id) + " x=y"))
      << ::testing::PrintToString(lines);
  EXPECT_TRUE(contains_line(lines, "stderr: oops"));
  EXPECT_TRUE(contains_line(lines, "stdout: " + dir.path().string()));  // runs in the project
  EXPECT_EQ(run.steps[1].status, RunStatus::kFailed);
  EXPECT_EQ(run.steps[1].error, "'/bin/sh' exited with code 3: bad input");
  EXPECT_EQ(run.steps[2].error, "'/bin/sh' was killed by signal 9 (SIGKILL)");
}

TEST_F(OrchestrationTest, ACommandThatOutlivesItsTimeoutIsKilledWithItsChildren) {
  load(R"(  p:
    steps:
      - {name: slow, kind: command, command: "sleep 30 & sleep 30; echo never", timeout: 1s}
)");
  const auto start = std::chrono::steady_clock::now();
  const RunOutcome run = executor().run(pipeline(), kDay, "manual", cancel);
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_LT(took, std::chrono::seconds(6));
  EXPECT_GE(took, std::chrono::milliseconds(900));
  EXPECT_EQ(run.steps[0].status, RunStatus::kFailed);
  EXPECT_EQ(run.steps[0].error, "timed out after 1s");
  EXPECT_FALSE(contains_line(step_lines(run.run_id, "slow"), "never"));
}

TEST_F(OrchestrationTest, AMissingProgramFailsTheStepWithItsName) {
  load("  p:\n    steps:\n      - {name: x, kind: command, command: [no-such-program-here]}\n");
  const RunOutcome run = executor().run(pipeline(), kDay, "manual", cancel);
  EXPECT_EQ(run.steps[0].status, RunStatus::kFailed);
  EXPECT_NE(run.steps[0].error.find("cannot start 'no-such-program-here'"), std::string::npos)
      << run.steps[0].error;
}

TEST_F(OrchestrationTest, SqlStepsSeeTheIntervalAsVariables) {
  load(R"(  p:
    steps:
      - name: check
        kind: sql
        sql: >
          SELECT getvariable('data_interval_start')::VARCHAR AS s,
                 getvariable('data_interval_end') AS e,
                 (epoch(getvariable('data_interval_end')) -
                  epoch(getvariable('data_interval_start')))::BIGINT AS span,
                 getvariable('run_id') > 0 AS has_run, getvariable('pipeline') AS p,
                 DATE '2021-12-24' AS d
      - {name: broken, kind: sql, sql: "SELECT * FROM no_such_table"}
)");
  const RunOutcome run = executor().run(pipeline(), kDay, "manual", cancel);
  ASSERT_EQ(run.steps[0].status, RunStatus::kSuccess) << run.steps[0].error;
  const auto lines = step_lines(run.run_id, "check");
  EXPECT_TRUE(contains_line(lines, "info: s | e | span | has_run | p | d"))
      << ::testing::PrintToString(lines);
  EXPECT_TRUE(contains_line(
      lines,
      "info: 2021-12-01 00:00:00+00 | 2021-12-02 00:00:00+00 | 86400 | true | p | 2021-12-24"))
      << ::testing::PrintToString(lines);
  EXPECT_TRUE(contains_line(lines, "info: (1 row)"));
  EXPECT_EQ(run.steps[1].status, RunStatus::kFailed);
  EXPECT_NE(run.steps[1].error.find("no_such_table"), std::string::npos) << run.steps[1].error;
}

TEST_F(OrchestrationTest, ALongQueryIsInterruptedAtItsTimeout) {
  load(R"(  p:
    steps:
      - name: slow
        kind: sql
        timeout: 1s
        sql: SELECT count(*) FROM range(1000000000000) t(i) WHERE i % 7 = 3
)");
  const auto start = std::chrono::steady_clock::now();
  const RunOutcome run = executor().run(pipeline(), kDay, "manual", cancel);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
  EXPECT_EQ(run.steps[0].status, RunStatus::kFailed);
  EXPECT_EQ(run.steps[0].error, "timed out after 1s");
}

TEST_F(OrchestrationTest, IngestAndRunStepsBuildTheLakeWithTheIntervalAsVars) {
  strata::test::write_text(dir / "models" / "marts" / "movies_of_day.sql",
                           "{{ config(materialized='table') }}\n"
                           "SELECT title, '{{ var(\"data_interval_start\") }}' AS day_start,\n"
                           "  '{{ var(\"data_interval_end\") }}' AS day_end\n"
                           "FROM {{ source('internal', 'movies') }}\n");
  load(R"(  p:
    steps:
      - {name: load, kind: ingest, select: [internal]}
      - {name: build, kind: run, select: [movies_of_day]}
      - {name: count, kind: sql, sql: "SELECT count(*) AS n, min(day_start) AS d FROM marts.movies_of_day"}
)");
  const RunOutcome run = executor().run(pipeline(), kDay, "manual", cancel);
  ASSERT_TRUE(run.ok()) << run.error;
  EXPECT_EQ(run.steps[0].rows, 2u);
  EXPECT_EQ(run.steps[1].rows, 2u);
  EXPECT_TRUE(contains_line(step_lines(run.run_id, "load"), "internal.movies: 1 file(s)"));
  EXPECT_TRUE(contains_line(step_lines(run.run_id, "build"), "OK      marts.movies_of_day"));
  EXPECT_TRUE(contains_line(step_lines(run.run_id, "count"), "info: 2 | 2021-12-01T00:00:00Z"))
      << ::testing::PrintToString(step_lines(run.run_id, "count"));
  // The next run finds no new files.
  const RunOutcome again = executor().run(pipeline(), kDay, "manual", cancel);
  ASSERT_TRUE(again.ok()) << again.error;
  EXPECT_TRUE(contains_line(step_lines(again.run_id, "load"), "no new files"));
}

}  // namespace
}  // namespace strata::orchestrate
