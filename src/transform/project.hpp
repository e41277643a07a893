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
#include <string>
#include <string_view>
#include <vector>

#include "core/config.hpp"
#include "lake/metastore.hpp"

namespace strata::transform {

struct Model {
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

  lake::TableName relation() const { return {schema, name}; }
  // The raw_sql line that compiled line `compiled_line` (1-based) came from; 0 when unknown.
  int64_t source_line(int64_t compiled_line) const;
};

struct ModelProject {
  std::vector<Model> models;  // sorted by name

  const Model* find(std::string_view name) const;
  std::vector<std::string> names() const;
};

// Loads and compiles every model under `config.models_dir` (none when the folder is missing).
// Throws Error(kInput) naming file:line:col for template errors, unknown refs and sources,
// invalid config() calls and missing vars, and naming both files for duplicate model names.
ModelProject load_models(const ProjectConfig& config);

// Compiles models given as (path relative to the models folder, SQL text) without touching the
// disk: for tests and for tools that generate models.
ModelProject compile_models(const ProjectConfig& config,
                            const std::vector<std::pair<std::string, std::string>>& files);

// The relation as SQL: "schema"."name", each part quoted.
std::string quoted_relation(const lake::TableName& table);

}  // namespace strata::transform
