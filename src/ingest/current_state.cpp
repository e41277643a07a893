#include "ingest/current_state.hpp"

#include "core/text.hpp"

namespace strata::ingest {

namespace {

using engine::quote_identifier;
using engine::quote_literal;

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
  // The batch's latest row of each key.
  std::vector<std::string> order;
  for (const std::string& column : merge.latest_by) {
    order.push_back(quote_identifier(column) + " DESC NULLS LAST");
  }
  const std::string latest = "SELECT * FROM " + batch +
                             " QUALIFY row_number() OVER (PARTITION BY " + join(keys, ", ") +
                             (order.empty() ? "" : " ORDER BY " + join(order, ", ")) + ") = 1";
  std::string latest_kept = latest;
  if (!merge.deleted_when.empty()) {
    latest_kept = "SELECT * FROM (" + latest + ") WHERE NOT (" + merge.deleted_when + ")";
  }
  std::string sql = latest_kept;
  if (existing && !merge.replace_all) {
    // The rows of keys the batch did not touch stay; the others are replaced.
    sql = "SELECT * FROM " + current_sql + " AS c WHERE NOT EXISTS (SELECT 1 FROM " + batch +
          " AS b WHERE " + join(same_key, " AND ") + ") UNION ALL BY NAME " + latest_kept;
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
