#include "transform/runner.hpp"

#include <cctype>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include "core/interrupt.hpp"
#include "core/paths.hpp"
#include "transform/contract.hpp"
#include "transform/dbt_loader.hpp"
#include "transform/materialize.hpp"
#include "transform/model_graph.hpp"
#include "transform/row_replace.hpp"
#include "transform/selector.hpp"
#include "transform/snapshot.hpp"
#include "transform/sql_dialect.hpp"

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
  // `catalog_mutex` serializes changes to the engine's catalog (schemas, views), which DuckDB
  // rejects as write-write conflicts when connections make them at once.
  // `compile_mutex` serializes compiling, which may ask the database through a shared connection.
  ModelBuilder(const ProjectConfig& config, const ModelProject& project, lake::Lake& lake,
               engine::Connection& connection, const RunOptions& options, std::mutex& catalog_mutex,
               std::mutex& compile_mutex)
      : config_(config),
        project_(project),
        lake_(lake),
        connection_(connection),
        options_(options),
        catalog_mutex_(catalog_mutex),
        compile_mutex_(compile_mutex) {}

  // Builds one model; failures are returned, not thrown.
  // The model's SELECT, translated to DuckDB when it declares another dialect.
  std::string duckdb_sql(const Model& model) { return duckdb_select_sql(connection_, model); }

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
      for (const std::string& hook : model.pre_hooks) connection_.execute(hook);
      if (model.materialized == "test") {
        const TestOutcome outcome = run_test(connection_, model);
        result.rows = static_cast<uint64_t>(outcome.failures);
        result.outcome = outcome.status;
        result.status = outcome.status == "fail" ? RunStatus::kFailed : RunStatus::kSuccess;
        if (outcome.status != "pass") {
          result.where = Location(model.relative_path.string());
          result.error = std::to_string(outcome.failures) + " failing row(s)";
        }
        if (model.config.store_failures) store_failures(model, result);
        result.seconds = seconds_since(start);
        return result;
      }
      {
        std::lock_guard lock(catalog_mutex_);
        connection_.execute(lake::create_schema_sql(model.schema));
      }
      if (model.materialized == "seed") {
        result.rows = build_seed(lake_, connection_, model);
      } else {
        const std::string sql = duckdb_sql(model);
        if (sql.empty()) throw Error(ErrorKind::kInput, "the model's SQL is empty");
        if (contract_enforced(model)) check_contract(connection_, model, sql);
        if (model.materialized == "table") {
          result.rows = overwrite_partitioned(lake_, connection_, result.table, sql,
                                              model.config.partition_by);
        } else if (model.materialized == "incremental" &&
                   model.config.incremental_strategy == "microbatch" && project_.dbt) {
          result.rows = build_batches(model, result.batches);
        } else if (model.materialized == "snapshot") {
          result.rows = build_snapshot(lake_, connection_, model, sql);
        } else if (model.materialized == "incremental") {
          const bool full_refresh = model.config.full_refresh.value_or(options_.full_refresh);
          result.rows = build_incremental(lake_, connection_, model, sql, full_refresh);
        } else {
          std::lock_guard lock(catalog_mutex_);
          lake_.create_or_replace_view(connection_, result.table, sql);
        }
      }
      {
        std::lock_guard lock(catalog_mutex_);
        lake_.attach(connection_, result.table);
      }
      for (const std::string& hook : model.post_hooks) connection_.execute(hook);
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
  const ModelProject& project_;
  lake::Lake& lake_;
  engine::Connection& connection_;
  const RunOptions& options_;
  std::mutex& catalog_mutex_;
  std::mutex& compile_mutex_;

  // A microbatch model: each batch compiled with its window, then written in its own commit.
  uint64_t build_batches(const Model& model, BatchOutcome& outcome) {
    const bool full_refresh = model.config.full_refresh.value_or(options_.full_refresh);
    const bool incremental = !full_refresh && lake_.store().find_table(model.relation());
    const int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
    std::vector<BatchWindow> batches;
    if (auto given = options_.batches.find(model.name); given != options_.batches.end()) {
      batches = given->second;
      for (BatchWindow& batch : batches) batch.incremental = true;
      if (!batches.empty()) batches.front().incremental = incremental;
    } else {
      batches = plan_batches(model, incremental, options_.event_time_range, now);
    }
    auto sql = [&](const BatchWindow& batch) {
      Model compiled = model;
      {
        std::lock_guard lock(compile_mutex_);
        recompile_dbt_model(config_, project_, compiled, &batch);
      }
      return duckdb_sql(compiled);
    };
    return build_microbatch(lake_, connection_, model, batches, sql, outcome);
  }

  // store_failures: the failing rows become the table <target schema>_dbt_test__audit.<test>.
  void store_failures(const Model& test, ModelResult& result) {
    {
      std::lock_guard lock(catalog_mutex_);
      connection_.execute(lake::create_schema_sql(test.schema));
    }
    std::string sql = select_sql(test);
    if (test.config.limit) sql += "\nlimit " + std::to_string(*test.config.limit);
    lake_.overwrite(connection_, test.relation(), sql);
    std::lock_guard lock(catalog_mutex_);
    lake_.attach(connection_, test.relation());
    result.relation = test.relation().str();
  }

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
    // A model in another dialect ran DuckDB's rewrite of its SQL, whose lines are not the
    // compiled SQL's.
    const std::optional<int64_t> compiled_line =
        compiled_error_line(model.config.dialect == "duckdb" ? error.message() : std::string());
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

std::string duckdb_select_sql(engine::Connection& connection, const Model& model) {
  const std::string sql = select_sql(model);
  const std::optional<SqlDialect> dialect = parse_dialect(model.config.dialect);
  if (sql.empty() || !dialect || *dialect == SqlDialect::kDuckDb) return sql;
  return translate_to_duckdb(connection, sql, *dialect, "model " + model.name);
}

std::filesystem::path compiled_path(const ProjectConfig& config, const Model& model) {
  if (!model.test_name.empty()) {  // generic tests come from a properties file: one file each
    return config.root / "target" / "compiled" / model.relative_path.parent_path() /
           (model.name + ".sql");
  }
  return config.root / "target" / "compiled" / model.relative_path;
}

namespace {

// Runs the selected nodes on `workers` threads, each node once all its inputs are decided: a
// node whose input failed or was skipped is skipped; others are built on the worker's own
// connection. Results are in completion order.
class Scheduler {
 public:
  Scheduler(const ProjectConfig& config, const ModelProject& project, const ModelGraph& graph,
            lake::Lake& lake, int64_t run_id, const RunOptions& options,
            const std::vector<std::string>& selected)
      : config_(config),
        project_(project),
        graph_(graph),
        lake_(lake),
        run_id_(run_id),
        options_(options) {
    for (const std::string& name : selected) waiting_[name] = 0;
    for (const std::string& name : selected) {
      for (const std::string& input : graph.parents(name)) {
        if (waiting_.contains(input)) ++waiting_[name];
      }
    }
    for (const std::string& name : selected) {
      if (waiting_[name] == 0) ready_.push_back(name);
    }
    remaining_ = selected.size();
  }

  // Runs every node; `connections` holds one connection per worker.
  RunSummary run(std::vector<engine::Connection*> connections) {
    if (connections.size() == 1) {
      work(*connections.front());
    } else {
      std::vector<std::thread> threads;
      for (engine::Connection* connection : connections) {
        threads.emplace_back([this, connection] { work(*connection); });
      }
      for (std::thread& thread : threads) thread.join();
    }
    if (failure_) std::rethrow_exception(failure_);
    return std::move(summary_);
  }

 private:
  const ProjectConfig& config_;
  const ModelProject& project_;
  const ModelGraph& graph_;
  lake::Lake& lake_;
  int64_t run_id_;
  const RunOptions& options_;
  std::mutex mutex_;
  std::mutex catalog_mutex_;
  std::condition_variable changed_;
  std::map<std::string, size_t> waiting_;  // selected node -> inputs not yet decided
  std::vector<std::string> ready_;         // kept sorted so ties go alphabetically
  std::map<std::string, RunStatus> outcomes_;
  size_t remaining_ = 0;
  bool stopped_ = false;  // --fail-fast after a failure, or an error of the whole run
  std::exception_ptr failure_;
  RunSummary summary_;

  // The worker loop; no exception leaves it (the first is kept and rethrown by run()).
  void work(engine::Connection& connection) {
    ModelBuilder builder(config_, project_, lake_, connection, options_, catalog_mutex_, mutex_);
    while (true) {
      std::string name;
      {
        std::unique_lock lock(mutex_);
        changed_.wait(lock, [&] { return !ready_.empty() || remaining_ == 0 || failure_; });
        if (remaining_ == 0 || failure_) return;
        std::sort(ready_.begin(), ready_.end(), std::greater<>());
        name = std::move(ready_.back());
        ready_.pop_back();
      }
      ModelResult result;
      try {
        check_interrupt();
        result = run_one(name, builder);
      } catch (...) {
        std::lock_guard lock(mutex_);
        if (!failure_) failure_ = std::current_exception();
        changed_.notify_all();
        return;
      }
      std::lock_guard lock(mutex_);
      outcomes_[name] = result.status;
      if (result.status == RunStatus::kFailed && options_.fail_fast) stopped_ = true;
      if (options_.on_model_done) options_.on_model_done(result);
      summary_.models.push_back(std::move(result));
      --remaining_;
      for (const std::string& child : graph_.children(name)) {
        auto found = waiting_.find(child);
        if (found != waiting_.end() && --found->second == 0) ready_.push_back(child);
      }
      if (interrupt_requested() && !failure_) {
        failure_ = std::make_exception_ptr(
            Error(ErrorKind::kInterrupted, "interrupted while building '" + name + "'"));
      }
      changed_.notify_all();
    }
  }

  ModelResult run_one(const std::string& name, ModelBuilder& builder) {
    Model model = *project_.find(name);
    const std::vector<std::string>& inputs = graph_.parents(name);
    const std::string* blocker = nullptr;
    bool stopped = false;
    std::vector<std::string> unbuilt;
    {
      std::lock_guard lock(mutex_);
      if (options_.on_model_start) options_.on_model_start(model);
      blocker = blocking_input(inputs, outcomes_);
      stopped = stopped_;
      for (const std::string& input : inputs) {
        const Model* upstream = project_.find(input);
        if (upstream->materialized == "test" || upstream->materialized == "ephemeral") continue;
        if (!outcomes_.contains(input) && !lake_.store().find_table(upstream->relation())) {
          unbuilt.push_back(input);
        }
      }
      if (model.introspective && project_.dbt && !blocker && !stopped) {
        try {  // under the lock: compiling asks the database through one shared connection
          recompile_dbt_model(config_, project_, model);
        } catch (const Error&) {
          // The build reports the error with the compiled SQL it has.
        }
      }
    }
    if (blocker || stopped) {
      ModelResult result = start_result(model);
      result.status = RunStatus::kSkipped;
      result.where = Location(model.relative_path.string());
      result.error =
          stopped ? "skipped: --fail-fast after a failure"
                  : "skipped: upstream " + project_.find(*blocker)->resource_type + " '" +
                        *blocker + "' " +
                        (outcomes_.at(*blocker) == RunStatus::kFailed ? "failed" : "was skipped");
      const int64_t step = lake_.store().begin_step(run_id_, name, model.resource_type);
      lake_.store().finish_step(step, RunStatus::kSkipped, 0, result.error);
      return result;
    }
    const int64_t step = lake_.store().begin_step(run_id_, name, model.resource_type);
    ModelResult result = builder.build(model, unbuilt);
    lake_.store().finish_step(step, result.status, result.rows, result.error);
    return result;
  }
};

}  // namespace

RunSummary run_models(const ProjectConfig& config, const ModelProject& project, lake::Lake& lake,
                      engine::Connection& connection, int64_t run_id, const RunOptions& options) {
  const ModelGraph graph = ModelGraph::of(project);
  std::set<std::string> types = options.resource_types;
  if (types.empty()) types = {"model"};
  std::vector<std::string> selected =
      project.dbt ? select_nodes(project, graph, options.select, options.exclude, types)
                  : graph.select(options.select);
  std::erase_if(selected, [&](const std::string& name) {  // strata projects have models only
    return !types.contains(project.find(name)->resource_type);
  });
  for (const std::string& hook : project.on_run_start) connection.execute(hook);
  Scheduler scheduler(config, project, graph, lake, run_id, options, selected);
  const size_t workers =
      options.connect ? std::max<size_t>(1, std::min<size_t>(options.threads, selected.size())) : 1;
  RunSummary summary;
  if (workers <= 1) {
    summary = scheduler.run({&connection});
  } else {
    // Extra workers get connections of their own; `connection` stays free for compiling.
    std::vector<engine::Connection> connections;
    for (size_t i = 0; i < workers; ++i) connections.push_back(options.connect());
    std::vector<engine::Connection*> pointers;
    for (engine::Connection& extra : connections) pointers.push_back(&extra);
    summary = scheduler.run(pointers);
  }
  for (const std::string& hook : project.on_run_end) connection.execute(hook);
  return summary;
}

}  // namespace strata::transform
