#include "transform/node_config.hpp"

#include <algorithm>

#include "core/text.hpp"
#include "transform/sql_dialect.hpp"

namespace strata::transform {
namespace {

using jinja::Dict;
using jinja::Value;

// dbt configs strata keeps for the manifest but does not act on.
const std::vector<std::string>& recorded_keys() {
  static const std::vector<std::string> keys = split(
      "database meta docs persist_docs grants contract group access quoting sql_header "
      "packages concurrent_batches cluster_by "
      "on_configuration_change file_format location plugin options strategy updated_at "
      "check_cols target_schema target_database snapshot_meta_column_names hard_deletes "
      "dbt_valid_to_current invalidate_hard_deletes quote_columns labels description "
      "store_failures_as docs_blocks copy_grants unlogged indexes",
      ' ');
  return keys;
}

const std::vector<std::string>& acted_keys() {
  static const std::vector<std::string> keys = split(
      "enabled materialized schema alias tags unique_key incremental_strategy on_schema_change "
      "full_refresh pre_hook post_hook column_types delimiter quote severity warn_if error_if "
      "where limit fail_calc store_failures dialect partition_by event_time batch_size begin "
      "lookback",
      ' ');
  return keys;
}

[[noreturn]] void bad_value(const std::string& key, const std::string& expected, const Value& value,
                            const Location& where) {
  throw Error(ErrorKind::kInput,
              "config '" + key + "' must be " + expected + ", not " + value.type_name() + " " +
                  value.repr(),
              where);
}

std::string text(const std::string& key, const Value& value, const Location& where) {
  if (value.is_string()) return value.as_string();
  if (value.is_number() && value.kind() != Value::Kind::kBool) return value.str();
  bad_value(key, "a string", value, where);
}

std::vector<std::string> texts(const std::string& key, const Value& value, const Location& where) {
  std::vector<std::string> out;
  if (value.is_none() || value.is_undefined()) return out;
  if (!value.is_list()) return {text(key, value, where)};
  for (const Value& item : value.as_list()) out.push_back(text(key, item, where));
  return out;
}

bool boolean(const std::string& key, const Value& value, const Location& where) {
  if (value.kind() == Value::Kind::kBool) return value.as_bool();
  if (value.is_string()) {
    const std::string lower = to_lower(value.as_string());
    if (lower == "true") return true;
    if (lower == "false") return false;
  }
  bad_value(key, "true or false", value, where);
}

std::string one_of(const std::string& key, const Value& value, const Location& where,
                   const std::vector<std::string>& allowed) {
  const std::string chosen = text(key, value, where);
  if (std::find(allowed.begin(), allowed.end(), chosen) == allowed.end()) {
    throw Error(ErrorKind::kInput,
                "config " + key + "='" + chosen + "' is not one of " + join(allowed, ", ") +
                    did_you_mean(chosen, allowed),
                where);
  }
  return chosen;
}

// partition_by as the lake's partition fields: a field ("day(ts)", "region") or a list of them
// (Spark's form), or BigQuery's {field, data_type, granularity} (granularity: its transform;
// dates and timestamps without one: day).
std::vector<std::string> partition_fields(const Value& value, const Location& where) {
  if (!value.is_dict()) return texts("partition_by", value, where);
  const Dict& spec = value.as_dict();
  const Value* field = spec.find("field");
  if (!field || !field->is_string()) {
    bad_value("partition_by", "a column, a list of columns or {field: ..., granularity: ...}",
              value, where);
  }
  const Value* granularity = spec.find("granularity");
  const Value* data_type = spec.find("data_type");
  std::string transform =
      granularity && granularity->is_string() ? to_lower(granularity->as_string()) : std::string();
  if (transform.empty() && data_type && data_type->is_string()) {
    const std::string type = to_lower(data_type->as_string());
    if (type == "date" || type == "timestamp" || type == "datetime") transform = "day";
  }
  if (transform.empty()) return {field->as_string()};
  return {transform + "(" + field->as_string() + ")"};
}

}  // namespace

const std::vector<std::string>& config_keys() {
  static const std::vector<std::string> keys = [] {
    std::vector<std::string> all = acted_keys();
    all.insert(all.end(), recorded_keys().begin(), recorded_keys().end());
    return all;
  }();
  return keys;
}

bool apply_config(NodeConfig& config, std::string key, const Value& value, const Location& where,
                  std::string& warning, const Value* as_written) {
  if (key.starts_with("+")) key.erase(0, 1);
  std::replace(key.begin(), key.end(), '-', '_');
  const auto& acted = acted_keys();
  if (std::find(acted.begin(), acted.end(), key) == acted.end()) {
    const auto& recorded = recorded_keys();
    if (std::find(recorded.begin(), recorded.end(), key) == recorded.end()) {
      warning =
          "unknown config key '" + key + "'" + did_you_mean(key, config_keys()) + ": it is ignored";
      return false;
    }
    config.all.set(key, value);
    config.unrendered.set(key, as_written ? *as_written : value);
    return true;
  }
  config.all.set(key, value);
  config.unrendered.set(key, as_written ? *as_written : value);
  if (key == "enabled") {
    config.enabled = boolean(key, value, where);
  } else if (key == "materialized") {
    config.materialized =
        one_of(key, value, where,
               {"view", "table", "incremental", "ephemeral", "seed", "test", "snapshot"});
  } else if (key == "schema") {
    if (value.is_none()) {
      config.schema.reset();
    } else {
      config.schema = text(key, value, where);
    }
  } else if (key == "alias") {
    config.alias = text(key, value, where);
  } else if (key == "tags") {
    for (std::string& tag : texts(key, value, where)) {
      if (std::find(config.tags.begin(), config.tags.end(), tag) == config.tags.end()) {
        config.tags.push_back(std::move(tag));
      }
    }
  } else if (key == "unique_key") {
    config.unique_key.clear();
    for (const std::string& part : texts(key, value, where)) {
      for (const std::string& column : split(part, ',')) {
        if (!trim(column).empty()) config.unique_key.emplace_back(trim(column));
      }
    }
  } else if (key == "incremental_strategy") {
    config.incremental_strategy = one_of(
        key, value, where, {"append", "merge", "delete+insert", "insert_overwrite", "microbatch"});
  } else if (key == "on_schema_change") {
    config.on_schema_change =
        one_of(key, value, where, {"ignore", "fail", "append_new_columns", "sync_all_columns"});
  } else if (key == "full_refresh") {
    if (value.is_none()) {
      config.full_refresh.reset();
    } else {
      config.full_refresh = boolean(key, value, where);
    }
  } else if (key == "pre_hook" || key == "post_hook") {
    auto& hooks = key == "pre_hook" ? config.pre_hook : config.post_hook;
    for (const std::string& hook : texts(key, value, where)) hooks.push_back(hook);
  } else if (key == "column_types") {
    if (!value.is_dict()) bad_value(key, "a mapping of column names to types", value, where);
    for (const auto& [column, type] : value.as_dict().entries) {
      config.column_types.emplace_back(column, text(key, type, where));
    }
  } else if (key == "delimiter" || key == "quote") {
    (key == "delimiter" ? config.delimiter : config.quote) = text(key, value, where);
  } else if (key == "severity") {
    config.severity = to_lower(one_of(key, value, where, {"error", "warn", "ERROR", "WARN"}));
  } else if (key == "warn_if" || key == "error_if" || key == "where" || key == "fail_calc") {
    std::string& target = key == "warn_if"    ? config.warn_if
                          : key == "error_if" ? config.error_if
                          : key == "where"    ? config.where
                                              : config.fail_calc;
    target = value.is_none() ? std::string() : text(key, value, where);
  } else if (key == "limit") {
    if (value.is_none()) {
      config.limit.reset();
    } else if (value.kind() == Value::Kind::kInt) {
      config.limit = value.as_int();
    } else {
      bad_value(key, "an integer", value, where);
    }
  } else if (key == "store_failures") {
    config.store_failures = boolean(key, value, where);
  } else if (key == "partition_by") {
    config.partition_by = partition_fields(value, where);
  } else if (key == "event_time" || key == "begin") {
    (key == "event_time" ? config.event_time : config.begin) =
        value.is_none() ? std::string() : text(key, value, where);
  } else if (key == "batch_size") {
    config.batch_size = one_of(key, value, where, {"hour", "day", "month", "year"});
  } else if (key == "lookback") {
    if (value.kind() != Value::Kind::kInt || value.as_int() < 0) {
      bad_value(key, "a whole number of batches (0 or more)", value, where);
    }
    config.lookback = value.as_int();
  } else if (key == "dialect") {
    const std::optional<SqlDialect> dialect = parse_dialect(text(key, value, where));
    if (!dialect) {
      one_of(key, value, where, {"duckdb", "trino", "presto", "spark", "postgres"});
    } else {
      config.dialect = dialect_name(*dialect);
    }
  }
  return true;
}

}  // namespace strata::transform
