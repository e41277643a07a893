#include "orchestrate/pipeline.hpp"

#include "core/text.hpp"
#include "core/time_text.hpp"
#include "ingest/database_source.hpp"
#include "ingest/table_selection.hpp"

namespace strata::orchestrate {

std::vector<ingest::TableSelection> new_files_tables(const ProjectConfig& project,
                                                     const std::string& selector) {
  std::vector<ingest::TableSelection> tables = ingest::select_tables(project, {selector});
  for (const ingest::TableSelection& table : tables) {
    if (ingest::is_database_source(*table.source)) {
      throw Error(ErrorKind::kConfig, "a sensor waits for new files of a files source; '" +
                                          table.source->name + "' is a " + table.source->kind +
                                          " source");
    }
  }
  return tables;
}

std::string DataInterval::start_iso() const {
  return iso_utc(start);
}

std::string DataInterval::end_iso() const {
  return iso_utc(end);
}

SourceConfig export_s3_source(const ProjectConfig& project, const PipelineStepConfig& step) {
  if (step.s3_source.empty()) return {};  // the AWS_* environment variables
  const SourceConfig* source = project.find_source(step.s3_source);
  if (!source) {
    std::vector<std::string> names;
    for (const SourceConfig& declared : project.sources) names.push_back(declared.name);
    throw Error(ErrorKind::kConfig, "'s3' names the source '" + step.s3_source +
                                        "', which is not declared" +
                                        did_you_mean(step.s3_source, names));
  }
  if (ingest::is_database_source(*source)) {
    throw Error(ErrorKind::kConfig, "'s3' names the source '" + source->name + "', a " +
                                        source->kind + " source; name a files source with `s3:`");
  }
  return *source;
}

Pipeline Pipeline::from_config(const PipelineConfig& config, const ProjectConfig& project) {
  Pipeline pipeline;
  pipeline.config_ = config;
  pipeline.zone_ = TimeZone::load(config.timezone);  // checked when strata.yml was read
  if (!config.schedule.empty()) {
    pipeline.schedule_ =
        CronSchedule::parse(config.schedule, pipeline.zone_, config.schedule_where);
    try {
      pipeline.schedule_->next_after(config.start.value_or(0));
    } catch (const Error& e) {
      throw Error(ErrorKind::kConfig, e.message(), config.schedule_where);
    }
  }
  for (const PipelineStepConfig& step : config.steps) {
    try {
      if (step.kind == StepKind::kIngest && ingest::select_tables(project, step.select).empty()) {
        throw Error(ErrorKind::kConfig, "the project declares no sources to ingest");
      }
      if (!step.wait_files.empty()) new_files_tables(project, step.wait_files);
      if (!step.s3_source.empty()) export_s3_source(project, step);
    } catch (const Error& e) {
      throw Error(ErrorKind::kConfig,
                  "step '" + step.name + "' of pipeline '" + config.name + "': " + e.message(),
                  step.where);
    }
  }
  return pipeline;
}

DataInterval Pipeline::interval_ending_at(int64_t tick) const {
  if (!schedule_) return {tick, tick};
  return {schedule_->last_at_or_before(tick - 1).value_or(tick), tick};
}

DataInterval Pipeline::latest_interval(int64_t at) const {
  if (!schedule_) return {at, at};
  const std::optional<int64_t> tick = schedule_->last_at_or_before(at);
  if (!tick) {
    throw Error(ErrorKind::kUsage, "pipeline '" + name() +
                                       "' has no schedule tick in the five "
                                       "years before " +
                                       iso_utc(at));
  }
  return interval_ending_at(*tick);
}

std::optional<DataInterval> Pipeline::first_interval() const {
  if (!schedule_ || !config_.start) return std::nullopt;
  const int64_t first = schedule_->next_after(*config_.start - 1);
  return DataInterval{first, schedule_->next_after(first)};
}

std::optional<int64_t> Pipeline::next_tick(int64_t after) const {
  if (!schedule_) return std::nullopt;
  return schedule_->next_after(after);
}

std::vector<DataInterval> Pipeline::intervals_between(int64_t from, int64_t to) const {
  std::vector<DataInterval> out;
  if (!schedule_) return out;
  for (int64_t start = schedule_->next_after(from - 1); start < to;) {
    const int64_t end = schedule_->next_after(start);
    out.push_back({start, end});
    start = end;
  }
  return out;
}

std::vector<Pipeline> load_pipelines(const ProjectConfig& project) {
  std::vector<Pipeline> pipelines;
  for (const PipelineConfig& config : project.pipelines) {
    pipelines.push_back(Pipeline::from_config(config, project));
  }
  return pipelines;
}

const Pipeline& find_pipeline(const std::vector<Pipeline>& pipelines, const std::string& name) {
  std::vector<std::string> names;
  for (const Pipeline& pipeline : pipelines) {
    if (pipeline.name() == name) return pipeline;
    names.push_back(pipeline.name());
  }
  throw Error(ErrorKind::kUsage,
              "no pipeline named '" + name + "'" + did_you_mean(name, names) +
                  (names.empty() ? "; declare pipelines under `pipelines:` in strata.yml"
                                 : "; pipelines: " + join(names, ", ")));
}

}  // namespace strata::orchestrate
