#include "transform/runner.hpp"

#include <cctype>
#include <chrono>
#include <map>
#include <optional>

#include "core/interrupt.hpp"
#include "core/paths.hpp"
#include "transform/dbt_loader.hpp"
#include "transform/materialize.hpp"
#include "transform/model_graph.hpp"
#include "transform/selector.hpp"

namespace strata::transform {
namespace {

using lake::RunStatus;

// The SELECT a model runs: its compiled SQL without trailing semicolons, which would end the
// statement the lake wraps around it too early.
std::string select_sql(const Model& model) {
  std::string sql = model.compiled_sql;
  while (!sql.empty() &&
         (std::isspace(static_cast<unsigned char>(sql.back())) || sql.back() == ';')) {
    sql.pop_back();
  }
  return sql;
}

// DuckDB points at the problem as "LINE 3: ..." counted from the start of the statement. The lake
// starts its statements with the model's SQL on the first line ("COPY (<sql>", "CREATE VIEW x AS
// <sql>"), so that is a line of the compiled SQL.
std::optional<int64_t> compiled_error_line(const std::string& message) {
  for (size_t at = message.find("LINE "); at != std::string::npos;
       at = message.find("LINE ", at + 1)) {
    size_t end = at + 5;
    int64_t line = 0;
    while (end < message.size() && std::isdigit(static_cast<unsigned char>(message[end]))) {
      line = line * 10 + (message[end++] - '0');
    }
    if (end > at + 5 && end < message.size() && message[end] == ':') return line;
  }
  return std::nullopt;
}

ModelResult start_result(const Model& model) {
  ModelResult result;
  result.name = model.name;
  result.table = model.relation();
  result.relation = result.table.str();
  result.materialized = model.materialized;
  result.resource_type = model.resource_type;
  return result;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

class ModelBuilder {
 public:
  ModelBuilder(const ProjectConfig& config, lake::Lake& lake, engine::Connection& connection,
               const RunOptions& options)
      : config_(config), lake_(lake), connection_(connection), options_(options) {}

  // Builds one model; failures are returned, not thrown.
  ModelResult build(const Model& model, const std::vector<std::string>& unbuilt_inputs) {
    ModelResult result = start_result(model);
    const auto start = std::chrono::steady_clock::now();
    try {
      if (options_.write_compiled) {
        paths::write_file_atomically(compiled_path(config_, model), model.compiled_sql);
      }
      check_inputs(model, unbuilt_inputs);
      if (model.materialized == "ephemeral") {  // inlined into the models that read it
        result.status = RunStatus::kSuccess;
        result.seconds = seconds_since(start);
        return result;
      }
      if (model.materialized == "test") {
        const TestOutcome outcome = run_test(connection_, model);
        result.rows = static_cast<uint64_t>(outcome.failures);
        result.outcome = outcome.status;
        result.status = outcome.status == "fail" ? RunStatus::kFailed : RunStatus::kSuccess;
        if (outcome.status != "pass") {
          result.where = Location(model.relative_path.string());
          result.error = std::to_string(outcome.failures) + " failing row(s)";
        }
        result.seconds = seconds_since(start);
        return result;
      }
      connection_.execute(lake::create_schema_sql(model.schema));
      if (model.materialized == "seed") {
        result.rows = build_seed(lake_, connection_, model);
      } else {
        const std::string sql = select_sql(model);
        if (sql.empty()) throw Error(ErrorKind::kInput, "the model's SQL is empty");
        if (model.materialized == "table") {
          lake_.overwrite(connection_, result.table, sql, &result.rows);
        } else if (model.materialized == "incremental") {
          const bool full_refresh = model.config.full_refresh.value_or(options_.full_refresh);
          result.rows = build_incremental(lake_, connection_, model, sql, full_refresh);
        } else {
          lake_.create_or_replace_view(connection_, result.table, sql);
        }
      }
      lake_.attach(connection_, result.table);
      result.status = RunStatus::kSuccess;
    } catch (const Error& error) {
      record_failure(model, error, result);
    } catch (const std::exception& error) {
      record_failure(model, Error(ErrorKind::kInternal, error.what()), result);
    }
    result.seconds = seconds_since(start);
    return result;
  }

 private:
  const ProjectConfig& config_;
  lake::Lake& lake_;
  engine::Connection& connection_;
  const RunOptions& options_;

  // Sources and models not built in this run must already be in the lake; saying so beats the
  // engine's "table does not exist".
  void check_inputs(const Model& model, const std::vector<std::string>& unbuilt_inputs) {
    for (const lake::TableName& source : model.sources) {
      if (!lake_.store().find_table(source)) {
        throw Error(ErrorKind::kInput,
                    "source " + source.str() + " has no data yet: ingest it before running models");
      }
    }
    if (!unbuilt_inputs.empty()) {
      throw Error(ErrorKind::kInput, "model '" + unbuilt_inputs.front() +
                                         "' has not been built yet: select it too (e.g. +" +
                                         model.name + ")");
    }
  }

  void record_failure(const Model& model, const Error& error, ModelResult& result) const {
    result.status = RunStatus::kFailed;
    const std::optional<int64_t> compiled_line = compiled_error_line(error.message());
    const int64_t line = compiled_line ? model.source_line(*compiled_line) : 0;
    result.where = Location(model.relative_path.string(), line);
    result.error = result.where.str() + ": " + error.what();
    if (compiled_line && options_.write_compiled) {
      const std::filesystem::path compiled =
          compiled_path(config_, model).lexically_relative(config_.root);
      result.error += "\n(compiled SQL line " + std::to_string(*compiled_line) + " in " +
                      compiled.string() + ")";
    }
  }
};

// The first input of a model that did not succeed in this run, if any.
const std::string* blocking_input(const std::vector<std::string>& inputs,
                                  const std::map<std::string, RunStatus>& outcomes) {
  for (const std::string& input : inputs) {
    auto found = outcomes.find(input);
    if (found != outcomes.end() && found->second != RunStatus::kSuccess) return &found->first;
  }
  return nullptr;
}

}  // namespace

size_t RunSummary::count(RunStatus status) const {
  size_t n = 0;
  for (const ModelResult& model : models) n += model.status == status ? 1 : 0;
  return n;
}

std::filesystem::path compiled_path(const ProjectConfig& config, const Model& model) {
  return config.root / "target" / "compiled" / model.relative_path;
}

RunSummary run_models(const ProjectConfig& config, const ModelProject& project, lake::Lake& lake,
                      engine::Connection& connection, int64_t run_id, const RunOptions& options) {
  const ModelGraph graph = ModelGraph::of(project);
  std::set<std::string> types = options.resource_types;
  if (types.empty()) types = {"model"};
  const std::vector<std::string> selected =
      project.dbt ? select_nodes(project, graph, options.select, options.exclude, types)
                  : graph.select(options.select);
  bool stopped = false;  // --fail-fast after a failure
  std::map<std::string, RunStatus> outcomes;  // of the models of this run so far
  ModelBuilder builder(config, lake, connection, options);
  RunSummary summary;
  // Sequential for now: one connection runs one model at a time. A parallel scheduler would
  // start every model whose inputs have all succeeded, each on its own connection.
  for (const std::string& name : selected) {
    check_interrupt();
    Model model = *project.find(name);
    if (options.on_model_start) options.on_model_start(model);
    const std::vector<std::string>& inputs = graph.parents(name);
    ModelResult result;
    const std::string* blocker = blocking_input(inputs, outcomes);
    if (blocker || stopped) {
      result = start_result(model);
      result.status = RunStatus::kSkipped;
      result.where = Location(model.relative_path.string());
      result.error = stopped ? "skipped: --fail-fast after a failure"
                             : "skipped: upstream '" + *blocker + "' " +
                                   (outcomes[*blocker] == RunStatus::kFailed ? "failed"
                                                                             : "was skipped");
      const int64_t step = lake.store().begin_step(run_id, name, "model");
      lake.store().finish_step(step, RunStatus::kSkipped, 0, result.error);
    } else {
      std::vector<std::string> unbuilt;
      for (const std::string& input : inputs) {
        const Model* upstream = project.find(input);
        if (upstream->resource_type == "test" || upstream->materialized == "ephemeral") continue;
        if (!outcomes.contains(input) && !lake.store().find_table(upstream->relation())) {
          unbuilt.push_back(input);
        }
      }
      const int64_t step = lake.store().begin_step(run_id, name, model.resource_type);
      if (model.introspective && project.dbt) {
        try {
          recompile_dbt_model(config, project, model);
        } catch (const Error&) {
          // The build reports the error with the compiled SQL it has.
        }
      }
      result = builder.build(model, unbuilt);
      if (result.status == RunStatus::kFailed && options.fail_fast) stopped = true;
      lake.store().finish_step(step, result.status, result.rows, result.error);
    }
    outcomes[name] = result.status;
    if (options.on_model_done) options.on_model_done(result);
    summary.models.push_back(std::move(result));
    if (interrupt_requested()) {
      throw Error(ErrorKind::kInterrupted, "interrupted while building model '" + name + "'");
    }
  }
  return summary;
}

}  // namespace strata::transform
