#include "transform/row_replace.hpp"

#include <filesystem>
#include <set>

#include "core/error.hpp"
#include "core/text.hpp"
#include "lake/iceberg_partition.hpp"

namespace strata::transform {
namespace {

using engine::quote_identifier;
using engine::quote_literal;
namespace iceberg = lake::iceberg;

// The column DuckDB adds to the scan for the file each row comes from.
constexpr const char* kFileColumn = "strata_file_";

std::string literal_list(const std::vector<std::string>& texts) {
  std::vector<std::string> quoted;
  for (const std::string& text : texts) quoted.push_back(quote_literal(text));
  return join(quoted, ", ");
}

// Every live file at once, so the scan has the table's whole schema (a column added after a file
// was written reads as NULL there).
std::string scan_sql(const std::vector<lake::DataFile>& files) {
  std::vector<std::string> paths;
  for (const lake::DataFile& file : files) paths.push_back(file.path);
  return "read_parquet([" + literal_list(paths) +
         "], union_by_name = true, hive_partitioning = false, filename = '" + kFileColumn + "')";
}

void remove_unreferenced(const std::vector<lake::DataFile>& files) {
  std::error_code ignored;
  for (const lake::DataFile& file : files) std::filesystem::remove(file.path, ignored);
}

bool table_exists(lake::Lake& lake, const lake::TableName& table) {
  const auto info = lake.store().find_table(table);
  return info && info->kind == lake::TableKind::kTable && !info->metadata_location.empty();
}

}  // namespace

uint64_t replace_rows(lake::Lake& lake, engine::Connection& connection,
                      const lake::TableName& table, const std::string& predicate,
                      const std::string& new_rows_sql) {
  uint64_t rows = 0;
  if (!table_exists(lake, table)) {
    lake.overwrite(connection, table, new_rows_sql, &rows);
    return rows;
  }
  const std::optional<iceberg::TableMetadata> metadata = lake.table_metadata(table);
  const int64_t read_snapshot = metadata ? metadata->current_snapshot_id().value_or(0) : 0;
  const std::vector<lake::DataFile> live =
      read_snapshot ? lake.live_files(table, read_snapshot) : std::vector<lake::DataFile>{};

  std::vector<std::string> affected;
  uint64_t affected_rows = 0, replaced_rows = 0;
  if (!live.empty()) {
    engine::Result found =
        connection.query(std::string("SELECT ") + kFileColumn + ", count(*) FROM " +
                         scan_sql(live) + " AS t WHERE (" + predicate + ") GROUP BY 1");
    while (auto chunk = found.next_chunk()) {
      for (uint64_t row = 0; row < chunk->size(); ++row) {
        affected.emplace_back(chunk->get_string(0, row));
        replaced_rows += static_cast<uint64_t>(chunk->get_int64(1, row));
      }
    }
  }
  const std::set<std::string> affected_set(affected.begin(), affected.end());
  for (const lake::DataFile& file : live) {
    if (affected_set.contains(file.path)) affected_rows += file.rows;
  }
  std::string written_sql = "SELECT * FROM (" + new_rows_sql + "\n) AS strata_new_";
  if (!affected.empty()) {
    const std::string kept = std::string("SELECT * EXCLUDE (") + kFileColumn + ") FROM " +
                             scan_sql(live) + " AS t WHERE " + kFileColumn + " IN (" +
                             literal_list(affected) + ") AND NOT coalesce((" + predicate +
                             "), false)";
    written_sql = kept + "\nUNION ALL BY NAME\n" + written_sql;
  }
  lake::WriteResult written =
      lake.write_files(connection, table, written_sql, lake::WriteMode::kAppend);
  const uint64_t kept_rows = affected_rows - replaced_rows;
  if (written.rows < kept_rows) {
    remove_unreferenced(written.files);
    throw Error(ErrorKind::kInternal,
                "the rewritten files lack rows of the table; nothing committed",
                Location::of(table.str()));
  }
  rows = written.rows - kept_rows;
  std::vector<lake::DataFile> added, empty;
  for (lake::DataFile& file : written.files) (file.rows > 0 ? added : empty).push_back(file);
  remove_unreferenced(empty);
  if (affected.empty() && added.empty()) return rows;  // nothing to change

  lake::Commit commit;
  lake::TableChange change{.table = table,
                           .mode = lake::WriteMode::kAppend,
                           .location = lake.table_location(table).string(),
                           .added_files = added};
  change.removed_files = affected;
  change.operation = affected.empty() ? "append" : added.empty() ? "delete" : "overwrite";
  change.read_snapshot = read_snapshot;
  commit.tables.push_back(std::move(change));
  try {
    lake.commit(commit);
  } catch (...) {
    remove_unreferenced(added);  // never referenced: nobody can see them
    throw;
  }
  return rows;
}

void apply_partition_by(lake::Lake& lake, const lake::TableName& table,
                        const std::vector<std::string>& partition_by) {
  if (partition_by.empty()) return;
  const std::optional<iceberg::TableMetadata> metadata = lake.table_metadata(table);
  if (!metadata) return;
  const std::string text = join(partition_by, ", ");
  const std::vector<iceberg::PartitionField> wanted = iceberg::parse_partition_fields(
      text, metadata->current_schema(), metadata->last_partition_id(), table.str());
  const std::vector<iceberg::PartitionField> current = metadata->default_partition_spec().fields;
  bool same = wanted.size() == current.size();
  for (size_t i = 0; same && i < wanted.size(); ++i) {
    same =
        wanted[i].source_id == current[i].source_id && wanted[i].transform == current[i].transform;
  }
  if (!same) lake.set_partition_spec(table, text);
}

uint64_t overwrite_partitioned(lake::Lake& lake, engine::Connection& connection,
                               const lake::TableName& table, const std::string& select_sql,
                               const std::vector<std::string>& partition_by) {
  if (!partition_by.empty()) {
    if (!table_exists(lake, table)) {
      lake.overwrite(connection, table, "SELECT * FROM (" + select_sql + "\n) LIMIT 0");
    }
    apply_partition_by(lake, table, partition_by);
  }
  uint64_t rows = 0;
  lake.overwrite(connection, table, select_sql, &rows);
  return rows;
}

std::string touched_partitions_predicate(lake::Lake& lake, const lake::TableName& table,
                                         const std::string& staged) {
  const std::optional<iceberg::TableMetadata> metadata = lake.table_metadata(table);
  if (!metadata) return "";
  const iceberg::PartitionSpec spec = metadata->default_partition_spec();
  const iceberg::Schema schema = metadata->current_schema();
  std::vector<std::string> matches;
  for (const iceberg::PartitionField& field : spec.fields) {
    const iceberg::Field* source = schema.find_id(field.source_id);
    if (!source) {
      throw Error(ErrorKind::kInput,
                  "partition field '" + field.name + "' has no source column in the table",
                  Location::of(table.str()));
    }
    const std::string column = quote_identifier(source->name);
    matches.push_back(iceberg::partition_value_sql(field, schema, "t." + column) +
                      " IS NOT DISTINCT FROM " +
                      iceberg::partition_value_sql(field, schema, "n." + column));
  }
  if (matches.empty()) return "";
  return "EXISTS (SELECT 1 FROM " + staged + " AS n WHERE " + join(matches, " AND ") + ")";
}

}  // namespace strata::transform
