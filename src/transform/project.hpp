// A project's SQL models, loaded and compiled the way dbt does it. Every `*.sql` file under the
// models folder (recursively) is a model named after its file stem (names must be unique); its
// schema is the first folder under models/ ("main" for files directly in it) unless
// `config(schema=...)` says otherwise. Models are Jinja templates rendered with dbt's context:
// ref(), source(), config(), var(), env_var(), is_incremental(), this and target. Compilation takes
// two passes: the first learns every model's configuration (so `ref` can name the right schema),
// the second produces the final SQL and records which models and sources each model reads.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/config.hpp"
#include "lake/metastore.hpp"
#include "transform/node_config.hpp"
#include "transform/schema_files.hpp"

namespace strata::transform {

// A batch of a microbatch model: [start, end) in seconds since the epoch (UTC); `incremental`
// is what is_incremental() answers while it is rendered.
struct BatchWindow {
  int64_t start = 0;
  int64_t end = 0;
  bool incremental = false;
};

struct Model {
  std::string resource_type = "model";  // model, seed or test (dbt projects)
  std::string name;
  std::string schema;
  std::string materialized = "view";  // "table" or "view"; dbt's default is view
  std::vector<std::string> tags;
  std::filesystem::path file;           // absolute
  std::filesystem::path relative_path;  // from the project root: "models/staging/x.sql"
  std::string raw_sql;
  std::string compiled_sql;
  // For each line of compiled_sql, the line of raw_sql it came from (compiled line i+1 came
  // from raw line source_lines[i]).
  std::vector<int64_t> source_lines;
  std::vector<std::string> refs;         // models read, in order of first use, each once
  std::vector<lake::TableName> sources;  // sources read, in order of first use, each once
  // dbt projects: the merged configuration, documentation, and for tests what they test.
  NodeConfig config;
  std::string description;
  std::vector<ColumnProperties> columns;
  std::string attached_node;  // tests: the model or seed a generic test belongs to
  std::string column_name;    // tests: the column of a column test
  std::string test_name;      // tests: "not_null", ... (empty for singular tests)
  std::vector<std::string> fqn;
  // Set while compiling when the model asked the database something (run_query,
  // get_columns_in_relation): such models are compiled again right before they run.
  bool introspective = false;
  std::vector<std::string> pre_hooks, post_hooks;  // rendered SQL run before and after the build

  lake::TableName relation() const { return {schema, name}; }
  // The raw_sql line that compiled line `compiled_line` (1-based) came from; 0 when unknown.
  int64_t source_line(int64_t compiled_line) const;
};

struct DbtState;         // dbt_loader.cpp: what compiling a dbt project's nodes again needs
class PreviousManifest;  // state_selection.hpp: the manifest `state:` selection compares with

struct ModelProject {
  std::vector<Model> models;  // sorted by name (dbt projects: seeds and tests too)
  bool dbt = false;           // loaded from a dbt_project.yml
  std::string name;
  std::vector<SourceTable> sources;   // dbt sources declared in properties files
  std::vector<std::string> warnings;  // unknown config keys, unused config paths, ...
  std::shared_ptr<DbtState> dbt_state;
  std::vector<std::string> on_run_start, on_run_end;       // rendered project hooks
  std::shared_ptr<const PreviousManifest> previous_state;  // --state: for `state:` selection
  std::map<std::string, std::string> macro_sources;        // project macros' text by name (dbt)

  const Model* find(std::string_view name) const;
  std::vector<std::string> names() const;
};

// Loads and compiles every model under `config.models_dir` (none when the folder is missing).
// Throws Error(kInput) naming file:line:col for template errors, unknown refs and sources,
// invalid config() calls and missing vars, and naming both files for duplicate model names.
ModelProject load_models(const ProjectConfig& config);

// How a dbt project is compiled: the target, --vars, --full-refresh, and what the engine knows
// (which relations exist, their columns, query results) for is_incremental() and introspection.
struct CompileOptions {
  std::string target;
  std::string vars_yaml;  // --vars, a YAML mapping
  bool full_refresh = false;
  std::function<bool(const lake::TableName&)> relation_exists;
  std::function<std::vector<std::pair<std::string, std::string>>(const lake::TableName&)>
      columns_of;
  // Runs a query; returns column names and rows of text values (NULL: none).
  std::function<std::pair<std::vector<std::string>,
                          std::vector<std::vector<std::optional<std::string>>>>(const std::string&)>
      run_query;
};

// Loads the project: a dbt project (dbt_project.yml in the root) with its seeds, models and
// tests, or strata's own models folder.
ModelProject load_models(const ProjectConfig& config, const CompileOptions& options);

// Compiles models given as (path relative to the models folder, SQL text) without touching the
// disk: for tests and for tools that generate models.
ModelProject compile_models(const ProjectConfig& config,
                            const std::vector<std::pair<std::string, std::string>>& files);

// The relation as SQL: "schema"."name", each part quoted.
std::string quoted_relation(const lake::TableName& table);

}  // namespace strata::transform
