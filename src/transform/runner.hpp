// Building models into the lake, in dependency order. A 'table' model is written as new data files
// and committed in one atomic step (a failure leaves the previous version readable); a 'view'
// model is committed as a view definition. After each model the session re-attaches it, so models
// downstream read what was just built. A model that fails is reported with the database's message
// and the place in the model file (the compiled SQL is written to target/compiled/ so users can
// see what ran); models downstream of it are skipped, independent ones still run. Each model is a
// step of the run in the metadata store. Nothing is printed: the caller gets a summary, and may
// observe progress through a callback. With several threads, every node whose inputs are decided
// is built at once on a connection of its own.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "core/config.hpp"
#include "core/error.hpp"
#include "engine/database.hpp"
#include "lake/metastore.hpp"
#include "lake/table_store.hpp"
#include "transform/microbatch.hpp"
#include "transform/project.hpp"

namespace strata::transform {

struct ModelResult {
  std::string resource_type = "model";
  std::string outcome;  // tests: "pass", "warn" or "fail" (failures in `rows`)
  std::string name;
  std::string relation;  // "schema.name"
  lake::TableName table;
  std::string materialized;
  lake::RunStatus status = lake::RunStatus::kSkipped;
  uint64_t rows = 0;  // rows written (tables only)
  double seconds = 0;
  std::string error;     // for failed and skipped models, with its place ("models/x.sql:3: ...")
  Location where;        // the place alone, when known
  BatchOutcome batches;  // microbatch models
};

struct RunSummary {
  std::vector<ModelResult> models;  // in execution order

  size_t count(lake::RunStatus status) const;
  bool ok() const { return count(lake::RunStatus::kFailed) == 0; }
};

struct RunOptions {
  // Models to build: names, "+name" (with everything upstream), "name+" (with everything
  // downstream). Empty: every model.
  std::vector<std::string> select;
  // dbt projects: nodes to leave out (same syntax), and which kinds of node to run (empty:
  // models only); a failure stops the run (`fail_fast`); incremental models are rebuilt.
  std::vector<std::string> exclude;
  std::set<std::string> resource_types;
  bool full_refresh = false;
  bool fail_fast = false;
  // Microbatch models: the batches to build instead of their default range.
  BatchRange event_time_range;
  // Microbatch models whose batches are given by name (`strata retry`: the batches that failed).
  std::map<std::string, std::vector<BatchWindow>> batches;
  // Nodes built at once (each on its own connection from `connect`); 1 without `connect`.
  size_t threads = 1;
  std::function<engine::Connection()> connect;
  // Writes each model's compiled SQL to <project root>/target/compiled/<relative model path>.
  bool write_compiled = true;
  // Called before and after each model (on the thread that runs it, one call at a time), e.g.
  // to draw progress.
  std::function<void(const Model&)> on_model_start;
  std::function<void(const ModelResult&)> on_model_done;
};

// Builds the selected models of `project` with `connection`, recording steps of `run_id`.
// `connection` must already see the lake (Lake::attach_all), so that sources and models built
// earlier can be read; each model built here is re-attached as soon as it is committed.
// Model failures are reported in the summary, not thrown. Throws for problems that concern the
// whole run: a dependency cycle (kInput), an unknown selection (kUsage), an interrupt
// (kInterrupted, after recording the model that was running).
RunSummary run_models(const ProjectConfig& config, const ModelProject& project, lake::Lake& lake,
                      engine::Connection& connection, int64_t run_id, const RunOptions& options);

// The SELECT `model` runs: its compiled SQL without trailing semicolons, translated to DuckDB's
// dialect when it declares another one (kInput when that fails).
std::string duckdb_select_sql(engine::Connection& connection, const Model& model);

// Where the compiled SQL of `model` is written.
std::filesystem::path compiled_path(const ProjectConfig& config, const Model& model);

}  // namespace strata::transform
