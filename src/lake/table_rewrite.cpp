// Lake's copy-on-write row changes: delete by predicate, MERGE (upsert) on a key, and compaction.
// Each finds the data files holding affected rows with one scan that reports each row's file,
// writes those files' surviving (and new) rows as new files, and commits one snapshot that removes
// exactly the files it rewrote; every other file of the table is untouched.
#include <filesystem>
#include <set>

#include "core/error.hpp"
#include "core/ids.hpp"
#include "core/text.hpp"
#include "lake/file_io.hpp"
#include "lake/table_store.hpp"

namespace strata::lake {

namespace {

namespace fs = std::filesystem;
using engine::quote_identifier;
using engine::quote_literal;

// The column DuckDB adds to a scan for the file each row comes from.
constexpr const char* kFileColumn = "strata_file_";

std::string scan_sql(const std::vector<std::string>& paths) {
  std::string list;
  for (const std::string& path : paths) {
    if (!list.empty()) list += ", ";
    list += quote_literal(path);
  }
  return "read_parquet([" + list +
         "], union_by_name = true, hive_partitioning = false, filename = '" + kFileColumn + "')";
}

// The rows of the files `only` among `all`: scanning every live file gives the table's whole
// schema (a column added after these files were written reads as NULL), and DuckDB skips the
// other files by the file name filter.
std::string rows_of_sql(const std::vector<std::string>& all, const std::vector<std::string>& only) {
  std::string list;
  for (const std::string& path : only) {
    if (!list.empty()) list += ", ";
    list += quote_literal(path);
  }
  return std::string("(SELECT * FROM ") + scan_sql(all) + " WHERE " + kFileColumn + " IN (" + list +
         "))";
}

std::vector<std::string> paths_of(const std::vector<DataFile>& files) {
  std::vector<std::string> paths;
  for (const DataFile& file : files) paths.push_back(file.path);
  return paths;
}

uint64_t rows_in(const std::vector<DataFile>& files, const std::set<std::string>& paths) {
  uint64_t rows = 0;
  for (const DataFile& file : files) {
    if (paths.contains(file.path)) rows += file.rows;
  }
  return rows;
}

void remove_files(const std::vector<DataFile>& files) {
  for (const DataFile& file : files) remove_file(file.path);
}

// Drops the empty files a write may produce (DuckDB reports them under a temporary name).
void drop_empty_files(WriteResult& written) {
  std::vector<DataFile> kept;
  for (DataFile& file : written.files) {
    if (file.rows > 0) {
      kept.push_back(std::move(file));
      continue;
    }
    const fs::path reported(file.path);
    remove_file(file.path);
    std::string directory = reported.parent_path().filename().string();
    if (directory.starts_with("tmp_")) directory.erase(0, 4);
    remove_file((reported.parent_path().parent_path() / directory / reported.filename()).string());
  }
  written.files = std::move(kept);
}

// A temporary table dropped when the change ends, however it ends.
class TempTable {
 public:
  TempTable(engine::Connection& connection, const std::string& select_sql)
      : connection_(connection), name_("strata_merge_source_" + ids::uuid4().substr(0, 8)) {
    connection_.execute("CREATE TEMP TABLE " + name_ + " AS " + select_sql);
  }
  ~TempTable() {
    try {
      connection_.execute("DROP TABLE IF EXISTS " + name_);
    } catch (...) {
      // Best effort: the session ends with the command anyway.
    }
  }
  TempTable(const TempTable&) = delete;
  TempTable& operator=(const TempTable&) = delete;
  const std::string& name() const { return name_; }

 private:
  engine::Connection& connection_;
  std::string name_;
};

}  // namespace

int64_t Lake::commit_rewrite(const TableName& table, WriteResult& written,
                             const std::vector<std::string>& removed, int64_t read_snapshot,
                             const std::string& operation, bool serializable) {
  Commit commit;
  TableChange change{.table = table,
                     .mode = WriteMode::kAppend,
                     .location = table_location(table).string(),
                     .added_files = written.files};
  change.removed_files = removed;
  change.operation = operation;
  // A merge's new keys could collide with rows any concurrent commit added: no retry then.
  if (serializable) change.expected_snapshot = read_snapshot;
  commit.tables.push_back(std::move(change));
  try {
    return this->commit(commit).front();
  } catch (...) {
    remove_files(written.files);  // never referenced: nothing else can see them
    throw;
  }
}

PreparedDelete Lake::prepare_delete(engine::Connection& connection, const TableName& table,
                                    const std::string& predicate) {
  connect_storage(connection);
  const TableState state = load_table(table);
  PreparedDelete prepared;
  prepared.read_snapshot = state.metadata->current_snapshot_id().value_or(0);
  const std::vector<DataFile> files = snapshot_files(state.info, *state.metadata, std::nullopt);
  if (files.empty()) return prepared;

  std::set<std::string> affected;
  {
    engine::Result found =
        connection.query(std::string("SELECT ") + kFileColumn + ", count(*) FROM " +
                         scan_sql(paths_of(files)) + " WHERE (" + predicate + ") GROUP BY 1");
    while (auto chunk = found.next_chunk()) {
      for (uint64_t row = 0; row < chunk->size(); ++row) {
        affected.insert(std::string(chunk->get_string(0, row)));
        prepared.rows_deleted += static_cast<uint64_t>(chunk->get_int64(1, row));
      }
    }
  }
  if (affected.empty()) return prepared;

  prepared.removed.assign(affected.begin(), affected.end());
  prepared.written = write_files(connection, table,
                                 std::string("SELECT * EXCLUDE (") + kFileColumn + ") FROM " +
                                     rows_of_sql(paths_of(files), prepared.removed) +
                                     " AS t WHERE NOT coalesce((" + predicate + "), false)",
                                 WriteMode::kAppend);
  drop_empty_files(prepared.written);
  if (prepared.written.rows + prepared.rows_deleted != rows_in(files, affected)) {
    remove_files(prepared.written.files);
    throw Error(ErrorKind::kInternal,
                "delete: the rewritten files do not hold the expected rows; nothing committed",
                Location::of(table.str()));
  }
  return prepared;
}

RewriteResult Lake::delete_where(engine::Connection& connection, const TableName& table,
                                 const std::string& predicate) {
  PreparedDelete prepared = prepare_delete(connection, table, predicate);
  RewriteResult result;
  result.rows_deleted = prepared.rows_deleted;
  if (prepared.removed.empty()) return result;
  result.files_removed = prepared.removed.size();
  result.files_added = prepared.written.files.size();
  result.snapshot_id =
      commit_rewrite(table, prepared.written, prepared.removed, prepared.read_snapshot,
                     prepared.written.files.empty() ? "delete" : "overwrite", false);
  return result;
}

RewriteResult Lake::merge(engine::Connection& connection, const TableName& table,
                          const std::string& source_sql,
                          const std::vector<std::string>& key_columns,
                          const MergeOptions& options) {
  if (key_columns.empty()) {
    throw Error(ErrorKind::kInput, "merge needs at least one key column",
                Location::of(table.str()));
  }
  connect_storage(connection);
  // The source is read once: later steps see the same rows even if it is not deterministic.
  const std::string deleted = options.delete_condition.empty()
                                  ? std::string("false")
                                  : "coalesce((" + options.delete_condition + "), false)";
  TempTable source(connection, "SELECT *, " + deleted + " AS strata_delete_ FROM (" + source_sql +
                                   "\n) AS strata_source_");
  std::vector<std::string> keys;
  std::string match;
  for (const std::string& key : key_columns) {
    keys.push_back(quote_identifier(key));
    if (!match.empty()) match += " AND ";
    match += "t." + quote_identifier(key) + " = s." + quote_identifier(key);
  }
  {
    engine::Result duplicate = connection.query(
        "SELECT to_json(k)::VARCHAR, n FROM (SELECT struct_pack(" + join(keys, ", ") +
        ") AS k, count(*) AS n FROM " + source.name() + " GROUP BY 1 HAVING count(*) > 1) LIMIT 1");
    if (auto chunk = duplicate.next_chunk(); chunk && chunk->size() > 0) {
      throw Error(ErrorKind::kInput,
                  "the merge source has the key " + std::string(chunk->get_string(0, 0)) + " " +
                      std::to_string(chunk->get_int64(1, 0)) +
                      " times; deduplicate it first (a key must match one source row)",
                  Location::of(table.str()));
    }
  }
  const std::string upserts =
      "SELECT * EXCLUDE (strata_delete_) FROM " + source.name() + " WHERE NOT strata_delete_";

  RewriteResult result;
  std::optional<TableInfo> info = store_.find_table(table);
  if (!info || info->metadata_location.empty()) {  // a new table: every source row is new
    WriteResult written = write_files(connection, table, upserts, WriteMode::kAppend);
    drop_empty_files(written);
    result.rows_inserted = written.rows;
    result.files_added = written.files.size();
    if (!written.files.empty()) {
      result.snapshot_id = commit_rewrite(table, written, {}, 0, "append", true);
    }
    return result;
  }
  const TableState state = load_table(table);
  const int64_t read_snapshot = state.metadata->current_snapshot_id().value_or(0);
  const std::vector<DataFile> files = snapshot_files(state.info, *state.metadata, std::nullopt);

  std::set<std::string> affected;
  uint64_t matched_upserts = 0;
  if (!files.empty()) {
    engine::Result found = connection.query(
        std::string("WITH m AS (SELECT t.") + kFileColumn +
        " AS f, s.rowid AS r, s.strata_delete_ AS d FROM " + scan_sql(paths_of(files)) +
        " t JOIN " + source.name() + " s ON " + match +
        ") SELECT f, count(*) FILTER (WHERE NOT d), count(*) FILTER (WHERE d) FROM m GROUP BY f "
        "UNION ALL SELECT NULL, count(DISTINCT r) FILTER (WHERE NOT d), 0 FROM m");
    while (auto chunk = found.next_chunk()) {
      for (uint64_t row = 0; row < chunk->size(); ++row) {
        const auto upserted = static_cast<uint64_t>(chunk->get_int64(1, row));
        if (chunk->is_null(0, row)) {
          matched_upserts = upserted;
          continue;
        }
        affected.insert(std::string(chunk->get_string(0, row)));
        result.rows_updated += upserted;
        result.rows_deleted += static_cast<uint64_t>(chunk->get_int64(2, row));
      }
    }
  }
  const std::vector<std::string> removed(affected.begin(), affected.end());
  std::string rows_sql = upserts;
  if (!removed.empty()) {
    rows_sql = std::string("SELECT * EXCLUDE (") + kFileColumn + ") FROM " +
               rows_of_sql(paths_of(files), removed) + " t ANTI JOIN " + source.name() + " s ON " +
               match + "\nUNION ALL BY NAME\n" + upserts;
  }
  WriteResult written = write_files(connection, table, rows_sql, WriteMode::kAppend);
  drop_empty_files(written);
  const uint64_t kept = rows_in(files, affected) - result.rows_updated - result.rows_deleted;
  result.rows_inserted = written.rows - kept - matched_upserts;
  result.files_removed = removed.size();
  result.files_added = written.files.size();
  if (written.files.empty() && removed.empty()) return result;
  result.snapshot_id = commit_rewrite(table, written, removed, read_snapshot,
                                      removed.empty() ? "append" : "overwrite", true);
  return result;
}

RewriteResult Lake::compact(engine::Connection& connection, const TableName& table,
                            const CompactOptions& options) {
  connect_storage(connection);
  const TableState state = load_table(table);
  const int64_t read_snapshot = state.metadata->current_snapshot_id().value_or(0);
  const std::vector<DataFile> files = snapshot_files(state.info, *state.metadata, std::nullopt);
  std::vector<DataFile> small;
  for (const DataFile& file : files) {
    // Iceberg's rewrite considers files under 75% of the target size.
    if (file.bytes < options.target_file_bytes / 4 * 3) small.push_back(file);
  }
  RewriteResult result;
  if (small.size() < 2) return result;
  const std::vector<std::string> removed = paths_of(small);
  WriteResult written = write_files_sized(connection, table,
                                          std::string("SELECT * EXCLUDE (") + kFileColumn +
                                              ") FROM " + rows_of_sql(paths_of(files), removed),
                                          WriteMode::kAppend, options.target_file_bytes);
  drop_empty_files(written);
  const std::set<std::string> all(removed.begin(), removed.end());
  if (written.rows != rows_in(small, all)) {
    remove_files(written.files);
    throw Error(ErrorKind::kInternal,
                "compaction: the new files do not hold the same rows; nothing committed",
                Location::of(table.str()));
  }
  result.files_removed = removed.size();
  result.files_added = written.files.size();
  result.snapshot_id = commit_rewrite(table, written, removed, read_snapshot, "replace", false);
  return result;
}

}  // namespace strata::lake
