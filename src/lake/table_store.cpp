#include "lake/table_store.hpp"

#include <chrono>
#include <set>
#include <system_error>

#include "core/error.hpp"
#include "core/log.hpp"
#include "core/paths.hpp"
#include "lake/files_view.hpp"
#include "lake/iceberg_bucket.hpp"
#include "lake/iceberg_scan.hpp"

namespace strata::lake {

namespace fs = std::filesystem;
using engine::quote_identifier;
using engine::quote_literal;

std::string table_relation(const TableName& name) {
  return quote_identifier(name.space) + "." + quote_identifier(name.name);
}

std::string files_sql(const std::vector<DataFile>& files, const iceberg::Schema& schema) {
  if (files.empty()) {
    std::string columns;
    for (const iceberg::Field& field : schema.fields) {
      if (!columns.empty()) columns += ", ";
      columns += "CAST(NULL AS " + iceberg::duckdb_type_sql(field.type) + ") AS " +
                 quote_identifier(field.name);
    }
    if (columns.empty()) columns = "NULL AS empty_table";
    return "SELECT " + columns + " WHERE false";
  }
  std::string list;
  for (const auto& file : files) {
    if (!list.empty()) list += ", ";
    list += quote_literal(file.path);
  }
  if (schema.fields.empty()) {  // files of an earlier strata, without field ids
    return "SELECT * FROM read_parquet([" + list +
           "], union_by_name = true, hive_partitioning = false)";
  }
  // Columns are resolved by Iceberg field id, not by name, so renamed, dropped, reordered and
  // widened columns read right from files written before the change.
  std::string columns;
  for (const iceberg::Field& field : schema.fields) {
    if (!columns.empty()) columns += ", ";
    columns += std::to_string(field.id) + ": {name: " + quote_literal(field.name) +
               ", type: " + quote_literal(iceberg::duckdb_type_sql(field.type)) +
               ", default_value: NULL}";
  }
  return "SELECT * FROM read_parquet([" + list + "], schema = MAP {" + columns + "})";
}

std::string create_schema_sql(const std::string& space) {
  return "CREATE SCHEMA IF NOT EXISTS " + quote_identifier(space);
}

Lake::Lake(fs::path root, MetadataStore& store, const S3Config& s3)
    : root_(std::move(root)), store_(store) {
  if (s3::is_s3_location(root_.string())) {
    s3_ = s3::resolve(s3);
    s3::register_bucket(s3::bucket_of(root_.string()), *s3_);
  }
}

void Lake::connect_storage(engine::Connection& connection) {
  iceberg::register_bucket_function(connection);
  if (!s3_) return;
  const std::string bucket = s3::bucket_of(root_.string());
  s3::install_secret(connection, *s3_, bucket, "strata_lake_" + bucket, Location(root_.string()));
}

fs::path Lake::table_location(const TableName& name) const {
  return root_ / name.space / name.name;
}

int64_t Lake::append(engine::Connection& connection, const TableName& table,
                     const std::string& select_sql, uint64_t* rows_written) {
  return write_and_commit(connection, table, select_sql, WriteMode::kAppend, rows_written);
}

int64_t Lake::overwrite(engine::Connection& connection, const TableName& table,
                        const std::string& select_sql, uint64_t* rows_written) {
  return write_and_commit(connection, table, select_sql, WriteMode::kOverwrite, rows_written);
}

int64_t Lake::write_and_commit(engine::Connection& connection, const TableName& table,
                               const std::string& select_sql, WriteMode mode,
                               uint64_t* rows_written) {
  WriteResult written = write_files(connection, table, select_sql, mode);
  if (rows_written) *rows_written = written.rows;
  Commit commit;
  commit.tables.push_back({.table = table,
                           .mode = mode,
                           .location = table_location(table).string(),
                           .added_files = written.files});
  return this->commit(commit).front();
}

int64_t Lake::create_or_replace_view(engine::Connection& connection, const TableName& view,
                                     const std::string& select_sql) {
  // Created in the session first, so an invalid definition fails before it is committed.
  connection.execute(create_schema_sql(view.space));
  connection.execute("CREATE OR REPLACE VIEW " + table_relation(view) + " AS " + select_sql);
  Commit commit;
  commit.tables.push_back({.table = view,
                           .kind = TableKind::kView,
                           .mode = WriteMode::kOverwrite,
                           .view_sql = select_sql});
  return this->commit(commit).front();
}

Lake::TableState Lake::load_table(const TableName& name) {
  std::optional<TableInfo> info = store_.find_table(name);
  if (!info || info->kind != TableKind::kTable) {
    throw Error(ErrorKind::kInput, "no such table", Location::of(name.str()));
  }
  if (info->metadata_location.empty()) {
    throw Error(ErrorKind::kInput,
                "the table has no Iceberg metadata yet (written by an earlier strata): overwrite "
                "it first",
                Location::of(name.str()));
  }
  return {*info, load_metadata(info->metadata_location)};
}

std::vector<DataFile> Lake::snapshot_files(const TableInfo& table,
                                           const iceberg::TableMetadata& metadata,
                                           std::optional<int64_t> snapshot) {
  const std::optional<int64_t> id = snapshot ? snapshot : metadata.current_snapshot_id();
  if (!id) return {};
  const std::optional<iceberg::Snapshot> found = metadata.snapshot(*id);
  if (!found) {
    throw Error(ErrorKind::kInput, "the table has no snapshot " + std::to_string(*id),
                Location::of(table.name.str()));
  }
  std::vector<DataFile> files;
  for (iceberg::ManifestEntry& entry : iceberg::live_entries(*found)) {
    files.push_back(std::move(entry.file));
  }
  return files;
}

std::vector<DataFile> Lake::live_files(const TableName& name, std::optional<int64_t> snapshot) {
  const TableState state = load_table(name);
  return snapshot_files(state.info, *state.metadata, snapshot);
}

std::string Lake::snapshot_sql(const TableName& name, std::optional<int64_t> snapshot) {
  std::optional<TableInfo> info = store_.find_table(name);
  if (info && info->kind == TableKind::kTable && info->metadata_location.empty()) {
    // Written by an earlier strata: the catalog lists its files.
    return files_sql(store_.table_files(*info, snapshot), iceberg::Schema{});
  }
  const TableState state = load_table(name);
  return files_sql(snapshot_files(state.info, *state.metadata, snapshot),
                   state.metadata->current_schema());
}

void Lake::attach_table(engine::Connection& connection, const TableInfo& table) {
  connection.execute(create_schema_sql(table.name.space));
  if (table.kind == TableKind::kView) {
    connection.execute("CREATE OR REPLACE VIEW " + table_relation(table.name) + " AS " +
                       table.view_sql);
    return;
  }
  std::string sql;
  try {
    sql = snapshot_sql(table.name, std::nullopt);
  } catch (const Error& e) {
    if (e.kind() != ErrorKind::kStorage) throw;
    // A damaged table fails the queries that read it, with the reason, not every query.
    log::warn("table cannot be read", {{"table", table.name.str()}, {"error", e.what()}});
    sql = "SELECT error(" + quote_literal(table.name.str() + ": " + e.what()) + ") AS unreadable";
  }
  connection.execute("CREATE OR REPLACE VIEW " + table_relation(table.name) + " AS " + sql);
}

void Lake::attach_at(engine::Connection& connection, const TableName& name, int64_t snapshot_id,
                     const std::string& view_name) {
  connect_storage(connection);
  connection.execute("CREATE OR REPLACE VIEW " + quote_identifier(view_name) + " AS " +
                     snapshot_sql(name, snapshot_id));
}

void Lake::attach(engine::Connection& connection, const TableName& name) {
  std::optional<TableInfo> table = store_.find_table(name);
  if (!table) throw Error(ErrorKind::kInput, "no such table", Location::of(name.str()));
  connect_storage(connection);
  attach_table(connection, *table);
}

void Lake::attach_all(engine::Connection& connection) {
  connect_storage(connection);
  // Views may depend on other views: attach tables first, then retry views until none progress.
  std::vector<TableInfo> pending;
  for (const TableInfo& table : store_.list_tables()) {
    if (table.kind == TableKind::kTable) {
      attach_table(connection, table);
    } else {
      pending.push_back(table);
    }
  }
  while (!pending.empty()) {
    std::vector<TableInfo> failed;
    std::string last_error;
    for (const TableInfo& view : pending) {
      try {
        attach_table(connection, view);
      } catch (const Error& e) {
        failed.push_back(view);
        last_error = e.message();
      }
    }
    if (failed.size() == pending.size()) {
      for (const TableInfo& view : failed) {
        log::warn("view cannot be attached", {{"view", view.name.str()}, {"error", last_error}});
      }
      break;
    }
    pending = std::move(failed);
  }
}

}  // namespace strata::lake
