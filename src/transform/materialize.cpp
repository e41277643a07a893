#include "transform/materialize.hpp"

#include <algorithm>

#include "core/text.hpp"
#include "transform/dbt_tests.hpp"
#include "transform/row_replace.hpp"
#include "transform/staged_table.hpp"

namespace strata::transform {
namespace {

using engine::quote_identifier;

std::string sql_string(const std::string& text) {
  std::string out = "'";
  for (char c : text) {
    out += c;
    if (c == '\'') out += '\'';
  }
  return out + "'";
}

bool has_column(const std::vector<std::pair<std::string, std::string>>& columns,
                const std::string& name) {
  return std::any_of(columns.begin(), columns.end(),
                     [&](const auto& column) { return to_lower(column.first) == to_lower(name); });
}

// `columns` picked from a relation whose columns are `available`; missing ones are NULL.
std::string select_list(const std::vector<std::string>& columns,
                        const std::vector<std::pair<std::string, std::string>>& available) {
  std::vector<std::string> parts;
  for (const std::string& column : columns) {
    parts.push_back(has_column(available, column) ? quote_identifier(column)
                                                  : "NULL AS " + quote_identifier(column));
  }
  return join(parts, ", ");
}

}  // namespace

uint64_t build_seed(lake::Lake& lake, engine::Connection& connection, const Model& seed) {
  std::string options =
      "header = true, auto_detect = true, delim = " + sql_string(seed.config.delimiter) +
      ", quote = " + sql_string(seed.config.quote);
  if (!seed.config.column_types.empty()) {
    std::vector<std::string> types;
    for (const auto& [column, type] : seed.config.column_types) {
      types.push_back(sql_string(column) + ": " + sql_string(type));
    }
    options += ", types = {" + join(types, ", ") + "}";
  }
  uint64_t rows = 0;
  lake.overwrite(connection, seed.relation(),
                 "SELECT * FROM read_csv(" + sql_string(seed.file.string()) + ", " + options + ")",
                 &rows);
  return rows;
}

uint64_t build_incremental(lake::Lake& lake, engine::Connection& connection, const Model& model,
                           const std::string& select_sql, bool full_refresh) {
  const lake::TableName table = model.relation();
  uint64_t rows = 0;
  if (full_refresh || !lake.store().find_table(table)) {
    return overwrite_partitioned(lake, connection, table, select_sql, model.config.partition_by);
  }
  const std::string target = quoted_relation(table);
  const StagedTable staged_table(connection, "__strata_incremental_" + model.name, select_sql);
  const std::string& staged = staged_table.relation();
  rows = static_cast<uint64_t>(
      std::get<int64_t>(connection.query("SELECT count(*) FROM " + staged).scalar()));
  const auto existing = describe_columns(connection, target);
  const auto incoming = describe_columns(connection, staged);

  std::vector<std::string> added, removed, columns;
  for (const auto& [name, type] : incoming) {
    if (!has_column(existing, name)) added.push_back(name);
  }
  for (const auto& [name, type] : existing) {
    if (!has_column(incoming, name)) removed.push_back(name);
  }
  const std::string& policy = model.config.on_schema_change;
  if (policy == "fail" && (!added.empty() || !removed.empty())) {
    throw Error(ErrorKind::kInput,
                "the incremental model's columns changed (on_schema_change='fail'): added [" +
                    join(added, ", ") + "], removed [" + join(removed, ", ") +
                    "]; rebuild it with --full-refresh or change on_schema_change");
  }
  for (const auto& [name, type] : existing) {
    if (policy != "sync_all_columns" || has_column(incoming, name)) columns.push_back(name);
  }
  if (policy == "append_new_columns" || policy == "sync_all_columns") {
    columns.insert(columns.end(), added.begin(), added.end());
  }
  const std::string new_rows = "SELECT " + select_list(columns, incoming) + " FROM " + staged;
  std::string strategy = model.config.incremental_strategy;
  if (strategy.empty()) strategy = model.config.unique_key.empty() ? "append" : "delete+insert";
  if ((strategy == "merge" || strategy == "delete+insert") && model.config.unique_key.empty()) {
    throw Error(ErrorKind::kInput, "incremental_strategy='" + strategy +
                                       "' needs a unique_key (a column or a list of columns)");
  }
  uint64_t written = 0;
  if (strategy == "insert_overwrite") {
    // The partitions the new rows touch are replaced; unpartitioned, the whole table is.
    apply_partition_by(lake, table, model.config.partition_by);
    const std::string touched = touched_partitions_predicate(lake, table, staged);
    if (touched.empty()) {
      lake.overwrite(connection, table, new_rows, &written);
    } else {
      replace_rows(lake, connection, table, touched, new_rows);
    }
    return rows;
  }
  const bool same_columns = columns.size() == existing.size() && removed.empty() && added.empty();
  if (strategy == "append" && (same_columns || policy == "ignore")) {
    uint64_t appended = 0;
    lake.append(connection, table, new_rows, &appended);
    return rows;
  }
  std::string kept = "SELECT " + select_list(columns, existing) + " FROM " + target;
  if (strategy != "append") {
    std::vector<std::string> matches;
    for (const std::string& key : model.config.unique_key) {
      if (!has_column(incoming, key) || !has_column(existing, key)) {
        throw Error(ErrorKind::kInput,
                    "unique_key column '" + key + "' is not a column of the model and its table");
      }
      matches.push_back("n." + quote_identifier(key) + " IS NOT DISTINCT FROM t." +
                        quote_identifier(key));
    }
    kept = "SELECT " + select_list(columns, existing) + " FROM " + target +
           " AS t WHERE NOT EXISTS (SELECT 1 FROM " + staged + " AS n WHERE " +
           join(matches, " AND ") + ")";
  }
  lake.overwrite(connection, table, kept + " UNION ALL BY NAME " + new_rows, &written);
  return rows;
}

TestOutcome run_test(engine::Connection& connection, const Model& test) {
  const auto rows = connection.query(test_result_sql(test)).fetch_all();
  TestOutcome outcome;
  if (rows.empty()) return TestOutcome{0, "pass"};
  const auto& row = rows.front();
  outcome.failures = std::holds_alternative<int64_t>(row[0]) ? std::get<int64_t>(row[0]) : 0;
  const bool should_warn = std::holds_alternative<bool>(row[1]) && std::get<bool>(row[1]);
  const bool should_error = std::holds_alternative<bool>(row[2]) && std::get<bool>(row[2]);
  if (test.config.severity == "error" && should_error) {
    outcome.status = "fail";
  } else if (should_warn) {
    outcome.status = "warn";
  } else {
    outcome.status = "pass";
  }
  return outcome;
}

}  // namespace strata::transform
