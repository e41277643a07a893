#include "orchestrate/engine_steps.hpp"

#include <filesystem>
#include <map>

#include <cstdio>

#include <nlohmann/json.hpp>

#include "core/paths.hpp"
#include "core/text.hpp"
#include "core/time_zone.hpp"
#include "engine/session.hpp"
#include "ingest/database_source.hpp"
#include "ingest/file_source.hpp"
#include "ingest/s3_objects.hpp"
#include "ingest/table_selection.hpp"
#include "orchestrate/step_engine.hpp"
#include "transform/lake_introspection.hpp"
#include "transform/node_commands.hpp"
#include "transform/project.hpp"
#include "transform/runner.hpp"

namespace strata::orchestrate {

namespace {

// The run's data interval for `interval_bounded` tables; nothing for the empty interval of a
// pipeline without a schedule (those tables then load as `strata ingest` loads them).
std::optional<ingest::LoadInterval> load_interval(const StepContext& context) {
  const DataInterval& interval = context.interval;
  if (interval.end <= interval.start) return std::nullopt;
  const TimeZone& zone = context.pipeline.zone();
  return ingest::LoadInterval{civil_from_seconds(interval.start).str() + "+00",
                              civil_from_seconds(interval.end).str() + "+00",
                              zone.to_local(interval.start).str(),
                              zone.to_local(interval.end).str()};
}

uint64_t ingest_table(const StepContext& context, engine::Connection& connection,
                      const ingest::TableSelection& selected) {
  const SourceConfig& source = *selected.source;
  const TableConfig& table = *selected.table;
  const std::string name = source.name + "." + table.name;
  if (ingest::is_database_source(source)) {
    ingest::DatabaseLoadResult result = ingest::load_database_table(
        source, table, context.lake, connection, [](const ingest::LoadProgress&) {}, {}, {},
        load_interval(context));
    std::string line = name + ": " + format_rows(result.rows_loaded);
    if (result.interval_bounded) {
      line += " of the data interval (" + format_rows(result.rows_replaced) +
              " loaded for it before replaced)";
    }
    context.log.write(
        "info", line + ", " + format_bytes(result.bytes) + ", " + format_seconds(result.seconds));
    return result.rows_loaded;
  }
  ingest::LoadResult result =
      ingest::load_file_table(context.project, source, table, context.lake, connection, {},
                              [](const ingest::LoadProgress&) {});
  context.log.write("info", name + ": " + ingest::summarize(result));
  return result.rows_loaded;
}

std::string timestamp_literal(int64_t seconds) {
  return "TIMESTAMPTZ " + engine::quote_literal(DataInterval{seconds, seconds}.start_iso());
}

// A result cell as text for the log: dates and timestamps too, which the engine's values leave
// out; other types it cannot read are shown by their type name.
std::string cell_text(const engine::Result& result, const engine::Chunk& chunk, size_t column,
                      uint64_t row) {
  if (chunk.is_null(column, row)) return "NULL";
  const duckdb_type type = result.column_type(column);
  if (type == DUCKDB_TYPE_DATE) {
    return civil_from_seconds(chunk.get_int64(column, row) * 86400).str().substr(0, 10);
  }
  if (type == DUCKDB_TYPE_TIMESTAMP || type == DUCKDB_TYPE_TIMESTAMP_TZ) {
    const int64_t micros = chunk.get_int64(column, row);
    int64_t seconds = micros / 1'000'000;
    int64_t fraction = micros % 1'000'000;
    if (fraction < 0) {
      fraction += 1'000'000;
      --seconds;
    }
    std::string text = civil_from_seconds(seconds).str();
    if (fraction) {
      char digits[8];
      std::snprintf(digits, sizeof digits, ".%06lld", static_cast<long long>(fraction));
      text += digits;
    }
    if (type == DUCKDB_TYPE_TIMESTAMP_TZ) text.append("+00");
    return text;
  }
  try {
    return engine::value_to_text(chunk.get(column, row)).value_or("NULL");
  } catch (const Error&) {
    std::string name(1, '(');
    name += result.column_type_name(column);
    name += ')';
    return name;
  }
}

// Up to this many rows of a sql step's result are written to its log.
constexpr uint64_t kLoggedRows = 20;

uint64_t log_result(const StepContext& context, engine::Result& result) {
  const duckdb_statement_type type =
      engine::duckdb().duckdb_result_statement_type(*result.handle());
  if (type != DUCKDB_STATEMENT_TYPE_SELECT) {
    const uint64_t changed = result.rows_changed();
    if (changed) context.log.write("info", format_rows(changed) + " changed");
    return changed;
  }
  context.log.write("info", join(result.column_names(), " | "));
  uint64_t rows = 0;
  while (auto chunk = result.next_chunk()) {
    for (uint64_t r = 0; r < chunk->size(); ++r, ++rows) {
      if (rows >= kLoggedRows) continue;
      std::vector<std::string> cells;
      for (size_t c = 0; c < result.column_count(); ++c) {
        cells.push_back(cell_text(result, *chunk, c, r));
      }
      context.log.write("info", join(cells, " | "));
    }
  }
  std::string summary = "(";
  summary += format_rows(rows);
  if (rows > kLoggedRows) summary += ", the first " + std::to_string(kLoggedRows) + " shown";
  summary += ")";
  context.log.write("info", summary);
  return rows;
}

// The run's parameters and data interval as DuckDB variables (getvariable('name')).
void set_run_variables(const StepContext& context, engine::Connection& connection) {
  for (const auto& [name, value] : context.params) {
    connection.execute("SET VARIABLE " + engine::quote_identifier(name) + " = " +
                       engine::quote_literal(value));
  }
  connection.execute(
      "SET VARIABLE data_interval_start = " + timestamp_literal(context.interval.start) +
      "; SET VARIABLE data_interval_end = " + timestamp_literal(context.interval.end) +
      "; SET VARIABLE run_id = " + std::to_string(context.run_id) +
      "; SET VARIABLE pipeline = " + engine::quote_literal(context.pipeline.name()));
}

// The export's path with its placeholders filled in: s3://bucket/key, or an absolute path.
std::string export_path(const StepContext& context) {
  const std::vector<std::pair<std::string, std::string>> values = {
      {"{ds}", context.interval.start_iso().substr(0, 10)},
      {"{data_interval_start}", context.interval.start_iso()},
      {"{data_interval_end}", context.interval.end_iso()},
      {"{run_id}", std::to_string(context.run_id)},
  };
  std::string path = context.step.path;
  for (const auto& [placeholder, value] : values) {
    for (size_t at; (at = path.find(placeholder)) != std::string::npos;) {
      path.replace(at, placeholder.size(), value);
    }
  }
  if (ingest::s3::is_s3_path(path)) return path;
  return paths::resolve(context.project.root, path).string();
}

// COPY of the step's query to `target`; the rows written.
uint64_t copy_to(const StepContext& context, engine::Connection& connection,
                 const std::string& target) {
  const std::string options = context.step.format == "csv"    ? "FORMAT csv, HEADER true"
                              : context.step.format == "json" ? "FORMAT json"
                                                              : "FORMAT parquet";
  return connection
      .query("COPY (" + context.step.sql + ") TO " + engine::quote_literal(target) + " (" +
             options + ")")
      .rows_changed();
}

}  // namespace

StepResult run_ingest_step(const StepContext& context) {
  const auto selected = ingest::select_tables(context.project, context.step.select);
  StepEngine engine(context);
  StepResult result;
  for (const ingest::TableSelection& table : selected) {
    context.control.throw_if_stopped();
    result.rows += ingest_table(context, engine.connection(), table);
  }
  return result;
}

StepResult run_models_step(const StepContext& context) {
  // The run's parameters and data interval are vars: strata projects read them from the project
  // config, dbt projects as `--vars` (a YAML mapping; JSON is YAML).
  std::map<std::string, std::string> run_vars(context.params.begin(), context.params.end());
  run_vars["data_interval_start"] = context.interval.start_iso();
  run_vars["data_interval_end"] = context.interval.end_iso();
  ProjectConfig config = context.project;
  for (const auto& [name, value] : run_vars) config.vars[name] = value;
  StepEngine engine(context);
  // dbt projects compile with the lake answering is_incremental() and introspection, as
  // `strata run` does.
  transform::CompileOptions compile;
  compile.vars_yaml = nlohmann::json(run_vars).dump();
  transform::add_lake_introspection(
      compile, context.lake.store(),
      [&engine]() -> engine::Connection& { return engine.connection(); });
  const transform::ModelProject models = transform::load_models(config, compile);
  for (const std::string& warning : models.warnings)
    context.log.write("info", "warning: " + warning);
  transform::RunOptions options;
  options.select = context.step.select;
  options.resource_types =
      transform::node_command(step_kind_name(context.step.kind)).resource_types;
  options.on_model_start = [&](const transform::Model&) { context.control.throw_if_stopped(); };
  options.on_model_done = [&](const transform::ModelResult& model) {
    const char* status = model.status == lake::RunStatus::kSuccess  ? "OK     "
                         : model.status == lake::RunStatus::kFailed ? "FAILED "
                                                                    : "SKIPPED";
    std::string line = std::string(status) + " " + model.relation;
    if (model.status == lake::RunStatus::kSuccess) {
      line += "  " + model.materialized;
      if (model.materialized != "view") line += "  " + format_rows(model.rows);
      line += "  " + format_seconds(model.seconds);
    }
    context.log.write(model.status == lake::RunStatus::kFailed ? "error" : "info", line);
    if (!model.error.empty()) context.log.write("error", "  " + model.error);
  };
  const transform::RunSummary summary = transform::run_models(
      config, models, context.lake, engine.connection(), context.run_id, options);
  StepResult result;
  for (const auto& model : summary.models) result.rows += model.rows;
  const size_t failed = summary.count(lake::RunStatus::kFailed);
  context.log.write("info", std::to_string(summary.count(lake::RunStatus::kSuccess)) + " ok, " +
                                std::to_string(failed) + " failed, " +
                                std::to_string(summary.count(lake::RunStatus::kSkipped)) +
                                " skipped");
  if (failed) {
    for (const auto& model : summary.models) {
      if (model.status == lake::RunStatus::kFailed) {
        throw Error(ErrorKind::kInput,
                    std::to_string(failed) + " of " + std::to_string(summary.models.size()) +
                        " nodes failed; first: " + model.name + ": " + model.error);
      }
    }
  }
  return result;
}

StepResult run_sql_step(const StepContext& context) {
  StepEngine engine(context);
  engine::Connection& connection = engine.connection();
  set_run_variables(context, connection);
  engine::Result result = connection.query(context.step.sql);
  return {log_result(context, result)};
}

StepResult run_export_step(const StepContext& context) {
  const std::string target = export_path(context);
  StepEngine engine(context);
  engine::Connection& connection = engine.connection();
  set_run_variables(context, connection);
  uint64_t rows = 0;
  if (ingest::s3::is_s3_path(target)) {
    // An S3 object appears only when its upload completes: a reader never sees half of it.
    ingest::s3::configure(connection, export_s3_source(context.project, context.step), target);
    rows = copy_to(context, connection, target);
  } else {
    // Written beside the target and renamed: a reader never sees half a file.
    const std::filesystem::path file(target);
    paths::ensure_directory(file.parent_path());
    std::filesystem::path partial = file;
    partial += ".partial-" + std::to_string(context.step_id);
    try {
      rows = copy_to(context, connection, partial.string());
      std::filesystem::rename(partial, file);
    } catch (...) {
      std::error_code ignored;
      std::filesystem::remove(partial, ignored);
      throw;
    }
  }
  context.log.write(
      "info", "exported " + format_rows(rows) + " to " + target + " (" + context.step.format + ")");
  return {rows};
}

}  // namespace strata::orchestrate
