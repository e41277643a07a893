#include "ingest/current_state.hpp"

#include <algorithm>

#include "core/text.hpp"

namespace strata::ingest {

namespace {

using engine::quote_identifier;
using engine::quote_literal;

std::vector<std::string> column_names(engine::Connection& connection, const std::string& sql) {
  std::vector<std::string> names;
  for (const auto& row : connection.query("DESCRIBE " + sql).fetch_all()) {
    names.push_back(std::get<std::string>(row.at(0)));
  }
  return names;
}

bool contains(const std::vector<std::string>& names, const std::string& name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

}  // namespace

lake::TableName current_state_table(const lake::TableName& bronze) {
  return {bronze.space + "_current", bronze.name};
}

uint64_t add_current_state(engine::Connection& connection, lake::Lake& lake,
                           const CurrentStateMerge& merge,
                           const std::vector<lake::DataFile>& batch_files, lake::Commit& commit) {
  const lake::TableName current = current_state_table(merge.bronze);
  const std::optional<lake::TableInfo> existing = lake.store().find_table(current);
  const std::string current_sql =
      quote_identifier(current.space) + "." + quote_identifier(current.name);
  if (!existing && batch_files.empty()) return 0;
  if (existing) lake.attach(connection, current);

  std::string batch;
  if (batch_files.empty()) {
    batch = "(SELECT * FROM " + current_sql + " WHERE false)";
  } else {
    std::string list;
    for (const auto& file : batch_files) {
      list += (list.empty() ? "" : ", ") + quote_literal(file.path);
    }
    batch = "read_parquet([" + list + "], union_by_name = true)";
  }
  std::vector<std::string> keys;
  std::vector<std::string> same_key;
  for (const std::string& key : merge.primary_key) {
    keys.push_back(quote_identifier(key));
    same_key.push_back("c." + quote_identifier(key) + " IS NOT DISTINCT FROM b." +
                       quote_identifier(key));
  }
  std::vector<std::string> order;
  std::vector<std::string> ascending;
  for (const std::string& column : merge.latest_by) {
    order.push_back(quote_identifier(column) + " DESC NULLS LAST");
    ascending.push_back(quote_identifier(column) + " ASC NULLS FIRST");
  }
  // A truncate in the batch: only the changes after the last one count, and every row of the
  // table before it goes (or is flagged).
  std::string truncated = "false";
  std::string truncated_at = "NULL";
  if (merge.truncates) {
    const std::string ranked = "(SELECT *, row_number() OVER (ORDER BY " + join(ascending, ", ") +
                               ") AS __strata_n FROM " + batch + ")";
    truncated = "EXISTS (SELECT 1 FROM " + batch + " WHERE _strata_op = 'truncate')";
    truncated_at =
        "(SELECT max(_strata_loaded_at) FROM " + batch + " WHERE _strata_op = 'truncate')";
    batch = "(SELECT * EXCLUDE (__strata_n) FROM " + ranked +
            " WHERE __strata_n > (SELECT coalesce(max(__strata_n), 0) FROM " + ranked +
            " WHERE _strata_op = 'truncate'))";
  }
  // The batch's latest row of each key.
  const std::string latest = "SELECT * FROM " + batch +
                             " QUALIFY row_number() OVER (PARTITION BY " + join(keys, ", ") +
                             (order.empty() ? "" : " ORDER BY " + join(order, ", ")) + ") = 1";
  const std::string deleted = merge.deleted_when.empty() ? "false" : merge.deleted_when;
  std::string latest_kept = "SELECT * FROM (" + latest + ") WHERE NOT (" + deleted + ")";
  const std::vector<std::string> current_columns =
      existing ? column_names(connection, "SELECT * FROM " + current_sql)
               : std::vector<std::string>{};
  if (merge.soft_deletes) {
    // Deleted keys keep their last known values (a delete may carry only the key).
    std::vector<std::string> select;
    for (const std::string& column : column_names(connection, "SELECT * FROM " + batch)) {
      if (column == "_strata_deleted" || column == "_strata_deleted_at") continue;
      const std::string b = "b." + quote_identifier(column);
      const bool fill = existing && contains(current_columns, column) &&
                        !contains(merge.primary_key, column) && !starts_with(column, "_strata_");
      select.push_back((fill ? "CASE WHEN b.__strata_deleted THEN coalesce(" + b + ", c." +
                                   quote_identifier(column) + ") ELSE " + b + " END"
                             : b) +
                       " AS " + quote_identifier(column));
    }
    latest_kept =
        "SELECT " + join(select, ", ") +
        ", b.__strata_deleted AS _strata_deleted, CASE WHEN b.__strata_deleted THEN "
        "b._strata_loaded_at END AS _strata_deleted_at FROM (SELECT *, coalesce(" +
        deleted + ", false) AS __strata_deleted FROM (" + latest + ")) AS b" +
        (existing ? " LEFT JOIN " + current_sql + " AS c ON " + join(same_key, " AND ") : "");
  }
  std::string sql = latest_kept;
  if (existing && !merge.replace_all) {
    // The rows of keys the batch did not touch stay; the others are replaced.
    std::string kept = "SELECT * FROM " + current_sql + " AS c";
    if (merge.soft_deletes) {
      const bool flagged = contains(current_columns, "_strata_deleted");
      const std::string was = flagged ? "coalesce(c._strata_deleted, false)" : "false";
      const std::string was_at = flagged ? "c._strata_deleted_at" : "NULL::TIMESTAMPTZ";
      kept = "SELECT c.* " +
             (flagged ? std::string("EXCLUDE (_strata_deleted, _strata_deleted_at)") : "") + ", " +
             was + " OR " + truncated + " AS _strata_deleted, CASE WHEN " + was + " THEN " +
             was_at + " WHEN " + truncated + " THEN " + truncated_at +
             " END AS _strata_deleted_at FROM " + current_sql + " AS c";
    } else if (merge.truncates) {
      kept += " WHERE NOT " + truncated;
    }
    std::string replaced = join(same_key, " AND ");
    if (merge.keep_later && !merge.latest_by.empty()) {
      // Of a key in both, exactly one row stays: the table's when it is strictly later.
      const std::string by = quote_identifier(merge.latest_by.front());
      const std::string later = "coalesce(c." + by + " > b." + by + ", false)";
      latest_kept = "SELECT * FROM (" + latest_kept + ") AS b WHERE NOT EXISTS (SELECT 1 FROM " +
                    current_sql + " AS c WHERE " + replaced + " AND " + later + ")";
      replaced += " AND NOT " + later;
    }
    sql = "SELECT * FROM (" + kept + ") AS c WHERE NOT EXISTS (SELECT 1 FROM " + batch +
          " AS b WHERE " + replaced + ") UNION ALL BY NAME " + latest_kept;
  }
  lake::WriteResult written =
      lake.write_files(connection, current, sql, lake::WriteMode::kOverwrite);

  lake::TableChange change;
  change.table = current;
  change.kind = lake::TableKind::kTable;
  change.mode = lake::WriteMode::kOverwrite;
  change.location = lake.table_location(current).string();
  change.expected_snapshot = existing ? existing->current_snapshot : 0;
  change.added_files = written.files;
  commit.tables.push_back(std::move(change));
  return written.rows;
}

}  // namespace strata::ingest
