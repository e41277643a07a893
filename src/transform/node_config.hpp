// The configuration of one dbt node (model, seed, test), merged the way dbt merges it: defaults,
// then dbt_project.yml folder configs (`+materialized: view`), then the properties files
// (`config:` under a model in schema.yml), then the node's own `{{ config(...) }}`. Keys dbt knows
// but strata does not act on are kept (meta, docs, grants, ...); keys nobody knows produce a
// warning naming the closest valid key, so that `unique_ky` never silently turns a merge into
// appends.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "transform/template_value.hpp"

namespace strata::transform {

struct NodeConfig {
  bool enabled = true;
  std::string materialized;           // model: view (default), table, incremental, ephemeral
  std::optional<std::string> schema;  // the custom schema, given to generate_schema_name
  std::optional<std::string> alias;
  std::vector<std::string> tags;
  // incremental
  std::vector<std::string> unique_key;
  std::string incremental_strategy;  // empty: delete+insert with a unique_key, else append
                                     // (also insert_overwrite, microbatch)
  std::string on_schema_change = "ignore";
  std::optional<bool> full_refresh;
  // insert_overwrite (and tables): the lake partition fields, "day(ts)", "region", ...
  std::vector<std::string> partition_by;
  // microbatch: the model's time column, the batch length (hour, day, month, year), the first
  // instant of the first build, and how many batches before the current one are built again.
  std::string event_time;
  std::string batch_size;
  std::string begin;
  int64_t lookback = 1;
  std::vector<std::string> pre_hook, post_hook;
  // The SQL dialect the model is written in (sql_dialect.hpp): duckdb, trino, spark, postgres.
  std::string dialect = "duckdb";
  // seeds
  std::vector<std::pair<std::string, std::string>> column_types;
  std::string delimiter = ",";
  std::string quote = "\"";
  // tests
  std::string severity = "error";
  std::string warn_if = "!= 0";
  std::string error_if = "!= 0";
  std::string where;
  std::optional<int64_t> limit;
  std::string fail_calc = "count(*)";
  bool store_failures = false;
  // Everything as given, for manifest.json (keys in the order they were first set).
  jinja::Dict all;
  // The same keys with dbt_project.yml's values as written (Jinja not rendered): dbt's
  // `unrendered_config`, which `state:modified.configs` compares, so that a changed --vars does
  // not mark every node configured from a rendered project setting as modified.
  jinja::Dict unrendered;
};

// Applies `key: value` to `config`. Returns false (and sets `warning`) for keys dbt does not know;
// throws Error(kInput) at `where` for values of the wrong kind. `key` may be written with dashes
// (pre-hook) or a leading '+'. `as_written`, when given, is the value before Jinja rendering.
bool apply_config(NodeConfig& config, std::string key, const jinja::Value& value,
                  const Location& where, std::string& warning,
                  const jinja::Value* as_written = nullptr);

// Every key apply_config accepts.
const std::vector<std::string>& config_keys();

}  // namespace strata::transform
