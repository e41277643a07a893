#include "lake/table_store.hpp"

#include <chrono>
#include <set>
#include <system_error>

#include "core/error.hpp"
#include "core/log.hpp"
#include "core/paths.hpp"

namespace strata::lake {

namespace fs = std::filesystem;
using engine::quote_identifier;
using engine::quote_literal;

namespace {

std::string relation(const TableName& name) {
  return quote_identifier(name.space) + "." + quote_identifier(name.name);
}

// A query over a snapshot's data files.
std::string files_sql(const TableInfo& table, const std::vector<DataFile>& files,
                      int64_t snapshot) {
  if (files.empty()) {
    throw Error(ErrorKind::kStorage,
                "table has no data files at snapshot " + std::to_string(snapshot),
                Location::of(table.name.str()));
  }
  std::string list;
  for (const auto& file : files) {
    if (!list.empty()) list += ", ";
    list += quote_literal(file.path);
  }
  return "SELECT * FROM read_parquet([" + list + "], union_by_name = true)";
}

}  // namespace

std::string create_schema_sql(const std::string& space) {
  return "CREATE SCHEMA IF NOT EXISTS " + quote_identifier(space);
}

Lake::Lake(fs::path root, MetadataStore& store) : root_(std::move(root)), store_(store) {}

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
  connection.execute("CREATE OR REPLACE VIEW " + relation(view) + " AS " + select_sql);
  Commit commit;
  commit.tables.push_back({.table = view,
                           .kind = TableKind::kView,
                           .mode = WriteMode::kOverwrite,
                           .view_sql = select_sql});
  return this->commit(commit).front();
}

void Lake::attach_table(engine::Connection& connection, const TableInfo& table) {
  connection.execute(create_schema_sql(table.name.space));
  if (table.kind == TableKind::kView) {
    connection.execute("CREATE OR REPLACE VIEW " + relation(table.name) + " AS " + table.view_sql);
    return;
  }
  connection.execute("CREATE OR REPLACE VIEW " + relation(table.name) + " AS " +
                     files_sql(table, store_.table_files(table), table.current_snapshot));
}

void Lake::attach_at(engine::Connection& connection, const TableName& name, int64_t snapshot_id,
                     const std::string& view_name) {
  std::optional<TableInfo> table = store_.find_table(name);
  if (!table || table->kind != TableKind::kTable) {
    throw Error(ErrorKind::kInput, "no such table", Location::of(name.str()));
  }
  connection.execute("CREATE OR REPLACE VIEW " + quote_identifier(view_name) + " AS " +
                     files_sql(*table, store_.table_files(*table, snapshot_id), snapshot_id));
}

void Lake::attach(engine::Connection& connection, const TableName& name) {
  std::optional<TableInfo> table = store_.find_table(name);
  if (!table) throw Error(ErrorKind::kInput, "no such table", Location::of(name.str()));
  attach_table(connection, *table);
}

void Lake::attach_all(engine::Connection& connection) {
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

size_t Lake::remove_orphan_files(std::chrono::seconds min_age) {
  const auto cutoff = fs::file_time_type::clock::now() - min_age;
  std::set<std::string> referenced;
  for (auto& path : store_.referenced_files()) referenced.insert(std::move(path));
  size_t removed = 0;
  std::error_code ec;
  if (!fs::exists(root_, ec)) return 0;
  for (auto it = fs::recursive_directory_iterator(root_, ec);
       it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) break;
    if (it->is_regular_file() && it->path().extension() == ".parquet" &&
        !referenced.contains(it->path().string()) && it->last_write_time(ec) <= cutoff) {
      if (fs::remove(it->path(), ec)) ++removed;
    }
  }
  return removed;
}

}  // namespace strata::lake
