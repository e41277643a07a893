// Pipelines as declared under `pipelines:` in strata.yml: a schedule (cron or @daily-style alias,
// in a time zone, from a start date), run policy (catchup, max_active_runs, concurrency, retries,
// retry delay, timeout), alerts and an SLA, and steps (ingest, the model kinds, sql, command,
// export, sensor) that form a DAG: each step runs after the steps its `after:` names (by default
// the step declared before it). Everything checkable without other layers is checked here and
// reported at file:line:col: unknown keys, kinds not supported yet, unknown or duplicate step
// names, cycles (printed), bad durations, time zones and dates. The cron expression and the sources
// that steps name are checked by the orchestrate layer.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/alert_config.hpp"
#include "core/error.hpp"

namespace strata {

namespace yaml {
class Reader;
}

// run/build/test/seed/snapshot run the project's models and dbt nodes, as the commands of those
// names.
enum class StepKind {
  kIngest,
  kRun,
  kSql,
  kCommand,
  kExport,
  kSensor,
  kBuild,
  kTest,
  kSeed,
  kSnapshot
};
std::string step_kind_name(StepKind kind);

struct PipelineStepConfig {
  std::string name;
  StepKind kind = StepKind::kSql;
  std::vector<std::string> select;   // ingest: SOURCE[.TABLE] (empty: all); run: model selectors
  std::string sql;                   // sql: the statements
  std::vector<std::string> command;  // command: the program and its arguments
  std::vector<std::pair<std::string, std::string>> env;  // command: extra environment
  // export: `sql` is the query, written to `path` (relative to the project, or s3://bucket/key;
  // {ds}, {data_interval_start}, {data_interval_end} and {run_id} are filled in) as `format`.
  std::string path;
  std::string format;     // parquet, csv or json (newline-delimited)
  std::string s3_source;  // s3:// paths: the files source whose `s3:` settings to use (empty:
                          // the AWS_* environment variables)
  // sensor: wait until `wait_pipeline` has a successful run covering this run's interval, until
  // `wait_table` has a row whose `wait_column` reaches the interval's end, or until a table of the
  // files source selection `wait_files` (SOURCE or SOURCE.TABLE) has files not loaded yet;
  // checked every `poke_ms`, for at most the step's timeout.
  std::string wait_pipeline;
  std::string wait_table;
  std::string wait_column;
  std::string wait_files;
  int64_t poke_ms = 0;
  std::vector<std::string> after;  // the steps this one runs after (defaults resolved)
  int64_t retries = 0;
  int64_t retry_delay_ms = 0;
  int64_t timeout_ms = 0;  // 0: none
  Location where;
};

struct PipelineConfig {
  std::string name;
  std::string description;
  std::string schedule;  // empty: runs only when triggered
  Location schedule_where;
  std::string timezone = "UTC";
  std::optional<int64_t> start;  // start_date, UTC seconds: the first data interval starts here
  bool catchup = false;          // on start, run the intervals missed since the last run
  int64_t max_active_runs = 1;
  int64_t concurrency = 8;                // steps of this pipeline running at once, across its runs
  std::vector<PipelineStepConfig> steps;  // in declared order
  int64_t sla_ms = 0;                     // 0: none; from the scheduled time (the tick)
  std::optional<std::vector<AlertConfig>> alerts;  // absent: the project's `alerts:`
  Location where;

  const PipelineStepConfig* find_step(const std::string& name) const;
};

// Parses the `pipelines:` mapping (absent or null: none).
std::vector<PipelineConfig> parse_pipelines(const yaml::Reader& pipelines);

}  // namespace strata
