// Pipelines in strata.yml: parsing, defaults, every rejected declaration at its file:line:col
// (unknown steps, duplicates, cycles, unknown or misplaced kinds and keys, bad durations and
// zones, bad cron),
// and the data intervals a schedule defines, in UTC and in a zone with daylight saving.
#include <gtest/gtest.h>

#include "core/config.hpp"
#include "core/error.hpp"
#include "core/time_text.hpp"
#include "orchestrate/pipeline.hpp"

namespace strata::orchestrate {
namespace {

const char* kProject = R"(name: shop
sources:
  internal:
    tables:
      movies: data/movies.csv
  vendor:
    tables:
      reviews: data/reviews.ndjson
pipelines:
)";

ProjectConfig parse(const std::string& pipelines) {
  return parse_project(kProject + pipelines, "/p", "/p/strata.yml");
}

Error parse_error(const std::string& pipelines) {
  try {
    load_pipelines(parse(pipelines));
  } catch (const Error& e) {
    return e;
  }
  ADD_FAILURE() << "expected an error for:\n" << pipelines;
  return Error(ErrorKind::kInternal, "no error");
}

int64_t utc(int y, int mo, int d, int h = 0, int mi = 0) {
  return seconds_from_civil({y, mo, d, h, mi, 0});
}

TEST(PipelineConfig, ParsesStepsPolicyAndDefaults) {
  const ProjectConfig config = parse(R"(
  daily:
    schedule: "0 6 * * *"
    timezone: Europe/Berlin
    start_date: "2021-12-01"
    catchup: true
    max_active_runs: 2
    retries: 2
    retry_delay: 10s
    timeout: 30m
    steps:
      - {name: load, kind: ingest, select: [internal, vendor.reviews]}
      - {name: models, kind: run, select: [+q1], after: [load]}
      - {name: vacuum, kind: sql, sql: "SELECT 1", retries: 0}
      - {name: notify, kind: command, command: [/bin/echo, done], after: [models], env: {X: y},
         timeout: 1h30m}
      - {name: shell, kind: command, command: "echo $X", after: []}
)");
  ASSERT_EQ(config.pipelines.size(), 1u);
  const PipelineConfig& p = config.pipelines[0];
  EXPECT_EQ(p.name, "daily");
  EXPECT_EQ(p.schedule, "0 6 * * *");
  EXPECT_EQ(p.schedule_where.line, 12);
  EXPECT_EQ(p.timezone, "Europe/Berlin");
  ASSERT_TRUE(p.start);
  EXPECT_EQ(*p.start, utc(2021, 11, 30, 23));  // midnight in Berlin
  EXPECT_TRUE(p.catchup);
  EXPECT_EQ(p.max_active_runs, 2);
  ASSERT_EQ(p.steps.size(), 5u);
  EXPECT_EQ(p.steps[0].kind, StepKind::kIngest);
  EXPECT_EQ(p.steps[0].select, (std::vector<std::string>{"internal", "vendor.reviews"}));
  EXPECT_TRUE(p.steps[0].after.empty());
  EXPECT_EQ(p.steps[0].retries, 2);
  EXPECT_EQ(p.steps[0].retry_delay_ms, 10'000);
  EXPECT_EQ(p.steps[0].timeout_ms, 30 * 60'000);
  EXPECT_EQ(p.steps[1].after, (std::vector<std::string>{"load"}));
  EXPECT_EQ(p.steps[2].after, (std::vector<std::string>{"models"}));  // the step before it
  EXPECT_EQ(p.steps[2].retries, 0);
  EXPECT_EQ(p.steps[2].sql, "SELECT 1");
  EXPECT_EQ(p.steps[3].command, (std::vector<std::string>{"/bin/echo", "done"}));
  EXPECT_EQ(p.steps[3].env.at(0), (std::pair<std::string, std::string>{"X", "y"}));
  EXPECT_EQ(p.steps[3].timeout_ms, 90 * 60'000);
  EXPECT_EQ(p.steps[4].command, (std::vector<std::string>{"/bin/sh", "-c", "echo $X"}));
  EXPECT_TRUE(p.steps[4].after.empty());
  EXPECT_EQ(load_pipelines(config).size(), 1u);
}

TEST(PipelineConfig, DefaultsForAManualPipeline) {
  const PipelineConfig p =
      parse("  adhoc:\n    steps:\n      - {name: a, kind: sql, sql: SELECT 1}\n").pipelines[0];
  EXPECT_TRUE(p.schedule.empty());
  EXPECT_EQ(p.timezone, "UTC");
  EXPECT_FALSE(p.catchup);
  EXPECT_FALSE(p.start);
  EXPECT_EQ(p.max_active_runs, 1);
  EXPECT_EQ(p.steps[0].retries, 0);
  EXPECT_EQ(p.steps[0].retry_delay_ms, 10'000);
  EXPECT_EQ(p.steps[0].timeout_ms, 0);
}

TEST(PipelineConfig, UnknownStepInAfterNamesItsPlaceAndTheClosestName) {
  Error e = parse_error(R"(
  daily:
    steps:
      - {name: load, kind: sql, sql: SELECT 1}
      - {name: models, kind: sql, sql: SELECT 1, after: [lod]}
)");
  EXPECT_EQ(e.kind(), ErrorKind::kConfig);
  EXPECT_EQ(e.where().file, "/p/strata.yml");
  EXPECT_EQ(e.where().line, 14);
  EXPECT_EQ(e.where().column, 58);
  EXPECT_NE(std::string(e.what()).find("did you mean 'load'"), std::string::npos) << e.what();
}

TEST(PipelineConfig, DuplicateStepNames) {
  Error e = parse_error(R"(
  daily:
    steps:
      - {name: load, kind: sql, sql: SELECT 1}
      - {name: load, kind: sql, sql: SELECT 2}
)");
  EXPECT_EQ(e.where().line, 14);
  EXPECT_NE(e.message().find("duplicate step name 'load'"), std::string::npos) << e.what();
}

TEST(PipelineConfig, CyclesArePrinted) {
  Error e = parse_error(R"(
  daily:
    steps:
      - {name: a, kind: sql, sql: SELECT 1, after: [c]}
      - {name: b, kind: sql, sql: SELECT 1, after: [a]}
      - {name: c, kind: sql, sql: SELECT 1, after: [b]}
)");
  EXPECT_EQ(e.kind(), ErrorKind::kConfig);
  EXPECT_GE(e.where().line, 13);
  EXPECT_NE(e.message().find("form a cycle: "), std::string::npos) << e.what();
  // Whichever step the search starts from, the cycle reads in running order.
  const std::string m = e.message();
  EXPECT_TRUE(m.find("a -> b -> c -> a") != std::string::npos ||
              m.find("b -> c -> a -> b") != std::string::npos ||
              m.find("c -> a -> b -> c") != std::string::npos)
      << m;
  Error self =
      parse_error("  p:\n    steps:\n      - {name: a, kind: sql, sql: SELECT 1, after: [a]}\n");
  EXPECT_NE(self.message().find("cannot run after itself"), std::string::npos) << self.what();
}

TEST(PipelineConfig, UnknownKindsAndMisplacedKeys) {
  Error typo = parse_error("  p:\n    steps:\n      - {name: t, kind: comand, command: [x]}\n");
  EXPECT_NE(typo.message().find("did you mean 'command'"), std::string::npos) << typo.what();
  Error misplaced = parse_error("  p:\n    steps:\n      - {name: t, kind: command, sql: x}\n");
  EXPECT_NE(misplaced.message().find("'sql' does not apply to a step of kind 'command'"),
            std::string::npos)
      << misplaced.what();
}

TEST(PipelineConfig, BadValuesNameTheirPlace) {
  Error duration = parse_error(
      "  p:\n    retry_delay: 10 minutes\n    steps:\n      - {name: a, kind: sql, "
      "sql: SELECT 1}\n");
  EXPECT_EQ(duration.where().line, 11);
  EXPECT_NE(duration.message().find("duration"), std::string::npos) << duration.what();
  Error zone = parse_error(
      "  p:\n    timezone: Europe/Berlinn\n    steps:\n      - {name: a, kind: sql, sql: x}\n");
  EXPECT_EQ(zone.where().line, 11);
  Error date = parse_error(
      "  p:\n    start_date: 2021-13-01\n    steps:\n      - {name: a, kind: sql, sql: x}\n");
  EXPECT_EQ(date.where().line, 11);
  Error cron = parse_error(
      "  p:\n    schedule: \"0 25 * * *\"\n    steps:\n      - {name: a, kind: sql, sql: x}\n");
  EXPECT_EQ(cron.where().line, 11);
  EXPECT_NE(cron.message().find("hour field"), std::string::npos) << cron.what();
  Error source =
      parse_error("  p:\n    steps:\n      - {name: a, kind: ingest, select: [internal.movie]}\n");
  EXPECT_EQ(source.where().line, 12);
  EXPECT_NE(source.message().find("did you mean 'movies'"), std::string::npos) << source.what();
  Error empty = parse_error("  p:\n    steps: []\n");
  EXPECT_EQ(empty.where().line, 11);
}

TEST(Pipeline, DataIntervalsOfADailyScheduleInBerlin) {
  const ProjectConfig config = parse(R"(
  daily:
    schedule: "@daily"
    timezone: Europe/Berlin
    start_date: "2021-12-01"
    steps:
      - {name: a, kind: sql, sql: SELECT 1}
)");
  const Pipeline pipeline = load_pipelines(config).at(0);
  // Local midnights: 23:00 UTC in winter.
  const DataInterval latest = pipeline.latest_interval(utc(2021, 12, 5, 10));
  EXPECT_EQ(latest.start_iso(), "2021-12-03T23:00:00Z");
  EXPECT_EQ(latest.end_iso(), "2021-12-04T23:00:00Z");
  EXPECT_EQ(pipeline.first_interval()->start_iso(), "2021-11-30T23:00:00Z");
  // The intervals that start from 12-01 and before 12-04, local time.
  const auto days = pipeline.intervals_between(*parse_instant("2021-12-01", pipeline.zone()),
                                               *parse_instant("2021-12-04", pipeline.zone()));
  ASSERT_EQ(days.size(), 3u);
  EXPECT_EQ(days[0].start_iso(), "2021-11-30T23:00:00Z");
  EXPECT_EQ(days[2].end_iso(), "2021-12-03T23:00:00Z");
  // Across the spring change the day is 23 hours long.
  const DataInterval spring = pipeline.interval_ending_at(utc(2022, 3, 27, 22));
  EXPECT_EQ(spring.end - spring.start, 23 * 3600);
}

TEST(Pipeline, ManualPipelinesHaveEmptyIntervalsAndFindSuggestsNames) {
  const auto pipelines =
      load_pipelines(parse("  adhoc:\n    steps:\n      - {name: a, kind: sql, sql: x}\n"));
  const DataInterval at = pipelines[0].latest_interval(utc(2021, 12, 5));
  EXPECT_EQ(at.start, at.end);
  EXPECT_FALSE(pipelines[0].next_tick(0));
  try {
    find_pipeline(pipelines, "adhok");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kUsage);
    EXPECT_NE(e.message().find("did you mean 'adhoc'"), std::string::npos) << e.what();
  }
}

TEST(TimeText, InstantsAndDurations) {
  const TimeZone berlin = TimeZone::load("Europe/Berlin");
  EXPECT_EQ(parse_instant("2021-12-01T06:00:00Z", berlin), utc(2021, 12, 1, 6));
  EXPECT_EQ(parse_instant("2021-12-01 06:00", berlin), utc(2021, 12, 1, 5));
  EXPECT_EQ(parse_instant("2021-12-01T06:00+02:00", berlin), utc(2021, 12, 1, 4));
  EXPECT_FALSE(parse_instant("2021-02-30", berlin));
  EXPECT_FALSE(parse_instant("yesterday", berlin));
  EXPECT_EQ(iso_utc(utc(2021, 12, 1, 6)), "2021-12-01T06:00:00Z");
  EXPECT_EQ(parse_duration_ms("1h30m"), 5'400'000);
  EXPECT_EQ(parse_duration_ms("250ms"), 250);
  EXPECT_EQ(parse_duration_ms("2d"), 172'800'000);
  EXPECT_FALSE(parse_duration_ms("10 minutes"));
  EXPECT_FALSE(parse_duration_ms(""));
  EXPECT_EQ(format_duration_ms(5'400'000), "1h30m");
  EXPECT_EQ(format_duration_ms(1000), "1s");
}

}  // namespace
}  // namespace strata::orchestrate
