// A pipeline ready to run: its configuration from strata.yml with the schedule parsed in its time
// zone and every step's selection checked against the project, plus the data intervals its
// schedule defines. A scheduled run covers the interval from the tick before it up to its own tick,
// [previous tick, tick), as in Airflow; a pipeline without a schedule runs only when triggered,
// for the empty interval [at, at).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/config.hpp"
#include "core/time_zone.hpp"
#include "ingest/table_selection.hpp"
#include "orchestrate/cron.hpp"

namespace strata::orchestrate {

struct DataInterval {
  int64_t start = 0;  // UTC seconds, inclusive
  int64_t end = 0;    // UTC seconds, exclusive
  std::string start_iso() const;
  std::string end_iso() const;
  bool operator==(const DataInterval&) const = default;
};

// The tables a sensor's `new_files: SOURCE[.TABLE]` selects; kConfig (kUsage for unknown names)
// unless they are tables of files sources.
std::vector<ingest::TableSelection> new_files_tables(const ProjectConfig& project,
                                                     const std::string& selector);

// The source whose `s3:` settings an export to s3:// uses (its `s3:` key), or a source without
// settings (the AWS_* environment variables); kConfig for an unknown or database source.
SourceConfig export_s3_source(const ProjectConfig& project, const PipelineStepConfig& step);

class Pipeline {
 public:
  // Throws kConfig at the place in strata.yml: an invalid cron expression, an ingest step or a
  // new-files sensor that selects a source or table the project does not declare.
  static Pipeline from_config(const PipelineConfig& config, const ProjectConfig& project);

  const PipelineConfig& config() const { return config_; }
  const std::string& name() const { return config_.name; }
  const TimeZone& zone() const { return zone_; }
  bool scheduled() const { return schedule_.has_value(); }
  const std::optional<CronSchedule>& schedule() const { return schedule_; }

  // The interval that the tick at `tick` closes.
  DataInterval interval_ending_at(int64_t tick) const;
  // The interval of the last tick at or before `at` (for an unscheduled pipeline, [at, at)).
  DataInterval latest_interval(int64_t at) const;
  // The first interval after start_date: from the first tick at or after it.
  std::optional<DataInterval> first_interval() const;
  // The next tick strictly after `after`; nothing for an unscheduled pipeline.
  std::optional<int64_t> next_tick(int64_t after) const;
  // Every interval that starts in [from, to), in order (as Airflow's backfill picks logical dates).
  std::vector<DataInterval> intervals_between(int64_t from, int64_t to) const;

 private:
  PipelineConfig config_;
  TimeZone zone_ = TimeZone::utc();
  std::optional<CronSchedule> schedule_;
};

// Every pipeline of the project, checked.
std::vector<Pipeline> load_pipelines(const ProjectConfig& project);

// The pipeline named `name`; kUsage with the closest name when there is none.
const Pipeline& find_pipeline(const std::vector<Pipeline>& pipelines, const std::string& name);

}  // namespace strata::orchestrate
