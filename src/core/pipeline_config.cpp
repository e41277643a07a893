#include "core/pipeline_config.hpp"

#include <algorithm>
#include <map>
#include <regex>

#include "core/text.hpp"
#include "core/time_text.hpp"
#include "core/time_zone.hpp"
#include "core/yaml_util.hpp"

namespace strata {

namespace {

const std::vector<std::string> kStepKinds = {"ingest", "run",   "sql",  "command", "export",
                                             "sensor", "build", "test", "seed",    "snapshot"};
const std::vector<std::string> kExportFormats = {"parquet", "csv", "json"};
// A sensor without a timeout of its own gives up after a day.
constexpr int64_t kSensorTimeoutMs = 24 * 3'600'000;

void check_pipeline_name(const yaml::Reader& reader, const YAML::Node& node,
                         const std::string& name, const std::string& what) {
  static const std::regex kName("^[A-Za-z_][A-Za-z0-9_-]*$");
  if (!std::regex_match(name, kName)) {
    reader.fail_at(node, what + " name '" + name +
                             "' must start with a letter or underscore and contain only letters, "
                             "digits, underscores and dashes");
  }
}

int64_t duration(const yaml::Reader& reader, const std::string& key, int64_t fallback) {
  const std::string text = reader.string(key, "");
  if (text.empty()) return fallback;
  std::optional<int64_t> ms = parse_duration_ms(text);
  if (!ms) {
    reader.fail_at(reader.node()[key], "'" + key +
                                           "' must be a duration such as 10s, 5m, 1h or "
                                           "1h30m (got '" +
                                           text + "')");
  }
  return *ms;
}

int64_t at_least(const yaml::Reader& reader, const std::string& key, int64_t fallback,
                 int64_t minimum) {
  const int64_t value = reader.integer(key, fallback);
  if (value < minimum) {
    reader.fail_at(reader.node()[key],
                   "'" + key + "' must be " + std::to_string(minimum) + " or more");
  }
  return value;
}

StepKind step_kind(const yaml::Reader& step) {
  const std::string kind = step.required_string("kind");
  for (size_t i = 0; i < kStepKinds.size(); ++i) {
    if (kind == kStepKinds[i]) return static_cast<StepKind>(i);
  }
  const YAML::Node node = step.node()["kind"];
  step.fail_at(node, "unknown step kind '" + kind + "'" + did_you_mean(kind, kStepKinds) +
                         "; supported: " + join(kStepKinds, ", "));
}

// The keys only some kinds take.
void check_kind_keys(const yaml::Reader& step, StepKind kind) {
  const std::vector<std::pair<std::string, std::vector<StepKind>>> specific = {
      {"select",
       {StepKind::kIngest, StepKind::kRun, StepKind::kBuild, StepKind::kTest, StepKind::kSeed,
        StepKind::kSnapshot}},
      {"sql", {StepKind::kSql, StepKind::kExport}},
      {"path", {StepKind::kExport}},
      {"format", {StepKind::kExport}},
      {"s3", {StepKind::kExport}},
      {"wait_for", {StepKind::kSensor}},
      {"poke", {StepKind::kSensor}},
      {"command", {StepKind::kCommand}},
      {"env", {StepKind::kCommand}},
  };
  for (const auto& [key, kinds] : specific) {
    if (step.has(key) && std::find(kinds.begin(), kinds.end(), kind) == kinds.end()) {
      step.fail_at(step.node()[key],
                   "'" + key + "' does not apply to a step of kind '" + step_kind_name(kind) + "'");
    }
  }
}

void parse_export(const yaml::Reader& step, PipelineStepConfig& config) {
  config.sql = step.required_string("sql");
  config.path = step.required_string("path");
  const YAML::Node path = step.node()["path"];
  const bool to_s3 = config.path.rfind("s3://", 0) == 0;
  if (!to_s3 && config.path.find("://") != std::string::npos) {
    step.fail_at(path, "exports go to local files or s3://bucket/key paths; '" + config.path +
                           "' is another kind of URL");
  }
  if (to_s3 && config.path.find('/', 5) == std::string::npos) {
    step.fail_at(path, "'" + config.path + "' names a bucket but no key: s3://bucket/key");
  }
  config.s3_source = step.string("s3", "");
  if (!config.s3_source.empty() && !to_s3) {
    step.fail_at(step.node()["s3"], "'s3' applies only to a path of the form s3://bucket/key");
  }
  static const std::regex kPlaceholder(R"(\{([^}]*)\})");
  static const std::vector<std::string> kKnown = {"ds", "data_interval_start", "data_interval_end",
                                                  "run_id"};
  for (std::sregex_iterator it(config.path.begin(), config.path.end(), kPlaceholder), end;
       it != end; ++it) {
    const std::string name = (*it)[1].str();
    if (std::find(kKnown.begin(), kKnown.end(), name) == kKnown.end()) {
      step.fail_at(path, "unknown placeholder {" + name + "} in 'path'" +
                             did_you_mean(name, kKnown) + "; placeholders: {" +
                             join(kKnown, "}, {") + "}");
    }
  }
  std::string format = step.string("format", "");
  if (format.empty()) {
    const size_t dot = config.path.rfind('.');
    format = dot == std::string::npos ? "" : to_lower(config.path.substr(dot + 1));
    if (format == "ndjson" || format == "jsonl") format = "json";
    if (std::find(kExportFormats.begin(), kExportFormats.end(), format) == kExportFormats.end()) {
      step.fail_at(path, "cannot tell the format from '" + config.path +
                             "'; add format: parquet, csv or json");
    }
  } else if (std::find(kExportFormats.begin(), kExportFormats.end(), format) ==
             kExportFormats.end()) {
    step.fail_at(step.node()["format"], "unknown export format '" + format + "'" +
                                            did_you_mean(format, kExportFormats) +
                                            "; formats: parquet, csv, json");
  }
  config.format = format;
}

void parse_sensor(const yaml::Reader& step, PipelineStepConfig& config) {
  if (!step.has("wait_for")) step.fail("a step of kind 'sensor' needs 'wait_for'");
  const yaml::Reader wait = step.child("wait_for");
  wait.expect_map("wait_for");
  wait.expect_keys({"pipeline", "table", "column", "new_files"}, "wait_for");
  config.wait_pipeline = wait.string("pipeline", "");
  config.wait_table = wait.string("table", "");
  config.wait_column = wait.string("column", "_strata_loaded_at");
  config.wait_files = wait.string("new_files", "");
  if (!config.wait_pipeline.empty() + !config.wait_table.empty() + !config.wait_files.empty() !=
      1) {
    wait.fail(
        "'wait_for' takes one of 'pipeline' (a successful run of it for the same interval), "
        "'table' (a row whose 'column' reaches the interval's end) or 'new_files' (SOURCE or "
        "SOURCE.TABLE: files not loaded yet)");
  }
  if (wait.has("column") && config.wait_table.empty()) {
    wait.fail_at(wait.node()["column"], "'column' applies only to 'table'");
  }
  if (!config.wait_table.empty() &&
      std::count(config.wait_table.begin(), config.wait_table.end(), '.') != 1) {
    wait.fail_at(wait.node()["table"],
                 "'table' must be NAMESPACE.TABLE (got '" + config.wait_table + "')");
  }
  config.poke_ms = duration(step, "poke", 30'000);
  if (config.poke_ms <= 0) step.fail_at(step.node()["poke"], "'poke' must be positive");
}

PipelineStepConfig parse_step(const yaml::Reader& step, const PipelineStepConfig& defaults) {
  step.expect_map("a pipeline step");
  step.expect_keys(
      {"name", "kind", "select", "sql", "command", "env", "after", "retries", "retry_delay",
       "timeout", "description", "path", "format", "s3", "wait_for", "poke"},
      "pipeline step");
  PipelineStepConfig config;
  config.where = step.where();
  config.name = step.required_string("name");
  check_pipeline_name(step, step.node()["name"], config.name, "step");
  config.kind = step_kind(step);
  check_kind_keys(step, config.kind);
  config.select = step.string_list("select");
  if (config.kind == StepKind::kSql) {
    config.sql = step.required_string("sql");
  } else if (config.kind == StepKind::kCommand) {
    if (!step.has("command")) step.fail("a step of kind 'command' needs 'command'");
    const YAML::Node command = step.node()["command"];
    if (command.IsScalar()) {  // a shell command line
      config.command = {"/bin/sh", "-c", command.as<std::string>()};
    } else {
      config.command = step.string_list("command");
    }
    if (config.command.empty() || config.command.front().empty()) {
      step.fail_at(command, "'command' must name a program (a list: [program, arg, ...])");
    }
    config.env = step.string_map("env");
  }
  if (config.kind == StepKind::kExport) parse_export(step, config);
  if (config.kind == StepKind::kSensor) parse_sensor(step, config);
  config.retries = at_least(step, "retries", defaults.retries, 0);
  config.retry_delay_ms = duration(step, "retry_delay", defaults.retry_delay_ms);
  config.timeout_ms = duration(step, "timeout", defaults.timeout_ms);
  if (config.kind == StepKind::kSensor && config.timeout_ms == 0) {
    config.timeout_ms = kSensorTimeoutMs;
  }
  return config;
}

// "a -> b -> a" when the `after:` edges make a cycle; throws at the step that closes it.
void check_acyclic(const PipelineConfig& pipeline) {
  std::map<std::string, size_t> index;
  for (size_t i = 0; i < pipeline.steps.size(); ++i) index[pipeline.steps[i].name] = i;
  enum { kNew, kOnPath, kDone };
  std::vector<int> state(pipeline.steps.size(), kNew);
  std::vector<size_t> path;
  // Depth first along `after` (towards upstream steps).
  auto visit = [&](auto&& self, size_t step) -> void {
    state[step] = kOnPath;
    path.push_back(step);
    for (const std::string& upstream : pipeline.steps[step].after) {
      const size_t u = index.at(upstream);
      if (state[u] == kOnPath) {
        std::vector<std::string> cycle;
        auto from = std::find(path.begin(), path.end(), u);
        for (auto it = from; it != path.end(); ++it) cycle.push_back(pipeline.steps[*it].name);
        std::reverse(cycle.begin(), cycle.end());  // in running order: upstream first
        cycle.push_back(cycle.front());
        throw Error(ErrorKind::kConfig,
                    "the steps of pipeline '" + pipeline.name + "' form a cycle: " +
                        join(cycle, " -> ") + " (each runs after the one before it)",
                    pipeline.steps[step].where);
      }
      if (state[u] == kNew) self(self, u);
    }
    path.pop_back();
    state[step] = kDone;
  };
  for (size_t i = 0; i < pipeline.steps.size(); ++i) {
    if (state[i] == kNew) visit(visit, i);
  }
}

PipelineConfig parse_pipeline(const std::string& name, const yaml::Reader& pipeline) {
  const std::string what = "pipeline '" + name + "'";
  pipeline.expect_map(what);
  pipeline.expect_keys(
      {"schedule", "timezone", "start_date", "catchup", "max_active_runs", "concurrency", "retries",
       "retry_delay", "timeout", "steps", "description", "sla", "alerts"},
      what);
  PipelineConfig config;
  config.name = name;
  config.where = pipeline.where();
  config.description = pipeline.string("description", "");
  config.schedule = pipeline.string("schedule", "");
  if (pipeline.has("schedule")) config.schedule_where = pipeline.child("schedule").where();
  config.timezone = pipeline.string("timezone", "UTC");
  TimeZone zone = TimeZone::utc();
  try {
    zone = TimeZone::load(config.timezone);
  } catch (const Error& e) {
    pipeline.fail_at(pipeline.node()["timezone"], e.message());
  }
  if (const std::string start = pipeline.string("start_date", ""); !start.empty()) {
    config.start = parse_instant(start, zone);
    if (!config.start) {
      pipeline.fail_at(pipeline.node()["start_date"],
                       "start_date must be a date or date-time such as 2021-12-01 or "
                       "2021-12-01T06:00 (got '" +
                           start + "')");
    }
  }
  config.catchup = pipeline.boolean("catchup", false);
  config.max_active_runs = at_least(pipeline, "max_active_runs", 1, 1);
  config.concurrency = at_least(pipeline, "concurrency", config.concurrency, 1);
  PipelineStepConfig defaults;
  defaults.retries = at_least(pipeline, "retries", 0, 0);
  defaults.retry_delay_ms = duration(pipeline, "retry_delay", 10'000);
  defaults.timeout_ms = duration(pipeline, "timeout", 0);
  config.sla_ms = duration(pipeline, "sla", 0);
  if (config.sla_ms && config.schedule.empty()) {
    pipeline.fail_at(pipeline.node()["sla"],
                     "'sla' counts from the scheduled time, but " + what + " has no schedule");
  }
  if (pipeline.has("alerts")) config.alerts = parse_alerts(pipeline.child("alerts"));

  if (!pipeline.has("steps")) pipeline.fail(what + " has no steps");
  const yaml::Reader steps = pipeline.child("steps");
  if (!steps.node().IsSequence() || steps.node().size() == 0) {
    steps.fail("the steps of " + what + " must be a non-empty list");
  }
  std::vector<yaml::Reader> step_readers;
  for (const YAML::Node& step : steps.node()) {
    step_readers.emplace_back(step, steps.file());
    PipelineStepConfig parsed = parse_step(step_readers.back(), defaults);
    if (const PipelineStepConfig* same = config.find_step(parsed.name)) {
      step_readers.back().fail_at(step["name"], "duplicate step name '" + parsed.name +
                                                    "' (also at " + same->where.str() + ")");
    }
    config.steps.push_back(std::move(parsed));
  }
  std::vector<std::string> names;
  for (const auto& step : config.steps) names.push_back(step.name);
  for (size_t i = 0; i < config.steps.size(); ++i) {
    const yaml::Reader& step = step_readers[i];
    if (!step.has("after")) {
      if (i > 0) config.steps[i].after = {config.steps[i - 1].name};
      continue;
    }
    const YAML::Node after = step.node()["after"];
    config.steps[i].after = step.string_list("after");
    for (size_t k = 0; k < config.steps[i].after.size(); ++k) {
      const std::string& upstream = config.steps[i].after[k];
      const YAML::Node item = after.IsSequence() ? after[k] : after;
      if (!config.find_step(upstream)) {
        step.fail_at(item, "step '" + config.steps[i].name + "' runs after '" + upstream +
                               "', which is not a step of " + what + did_you_mean(upstream, names));
      }
      if (upstream == config.steps[i].name) {
        step.fail_at(item, "step '" + upstream + "' cannot run after itself");
      }
    }
  }
  check_acyclic(config);
  for (size_t i = 0; i < config.steps.size(); ++i) {
    if (config.steps[i].wait_pipeline == name) {
      step_readers[i].fail_at(step_readers[i].node()["wait_for"],
                              "a sensor of pipeline '" + name + "' cannot wait for itself");
    }
  }
  return config;
}

}  // namespace

std::string step_kind_name(StepKind kind) {
  return kStepKinds.at(static_cast<size_t>(kind));
}

const PipelineStepConfig* PipelineConfig::find_step(const std::string& step_name) const {
  for (const auto& step : steps) {
    if (step.name == step_name) return &step;
  }
  return nullptr;
}

std::vector<PipelineConfig> parse_pipelines(const yaml::Reader& pipelines) {
  std::vector<PipelineConfig> out;
  if (!pipelines.node().IsDefined() || pipelines.node().IsNull()) return out;
  pipelines.expect_map("pipelines");
  for (auto& [name, pipeline] : pipelines.entries()) {
    check_pipeline_name(pipelines, pipeline.node(), name, "pipeline");
    out.push_back(parse_pipeline(name, pipeline));
  }
  std::vector<std::string> names;
  for (const PipelineConfig& pipeline : out) names.push_back(pipeline.name);
  for (const PipelineConfig& pipeline : out) {
    for (const PipelineStepConfig& step : pipeline.steps) {
      if (step.wait_pipeline.empty() ||
          std::find(names.begin(), names.end(), step.wait_pipeline) != names.end()) {
        continue;
      }
      throw Error(ErrorKind::kConfig,
                  "sensor '" + step.name + "' of pipeline '" + pipeline.name +
                      "' waits for pipeline '" + step.wait_pipeline + "', which is not declared" +
                      did_you_mean(step.wait_pipeline, names),
                  step.where);
    }
  }
  return out;
}

}  // namespace strata
