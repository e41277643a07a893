// The embedded SQLite implementation of MetadataStore. Schema changes are numbered migrations,
// applied in order inside one transaction each and recorded in `schema_migrations`, so a store
// written by an older strata is upgraded in place and a newer one is refused.
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <mutex>

#include "core/error.hpp"
#include "core/paths.hpp"
#include "lake/metastore.hpp"
#include "lake/sqlite.hpp"
#include "lake/sqlite_catalog.hpp"
#include "lake/sqlite_run_history.hpp"

namespace strata::lake {

namespace {

// Append only: never edit a migration that has shipped.
const char* const kMigrations[] = {
    // 1: catalog, snapshots, files, source state, run history.
    R"sql(
    CREATE TABLE tables (
      id INTEGER PRIMARY KEY,
      namespace TEXT NOT NULL,
      name TEXT NOT NULL,
      kind TEXT NOT NULL,
      location TEXT NOT NULL,
      view_sql TEXT NOT NULL DEFAULT '',
      current_snapshot INTEGER NOT NULL DEFAULT 0,
      created_at_ms INTEGER NOT NULL,
      UNIQUE (namespace, name));
    CREATE TABLE snapshots (
      id INTEGER PRIMARY KEY,
      table_id INTEGER NOT NULL REFERENCES tables(id) ON DELETE CASCADE,
      parent_id INTEGER NOT NULL,
      operation TEXT NOT NULL,
      committed_at_ms INTEGER NOT NULL,
      added_rows INTEGER NOT NULL,
      total_rows INTEGER NOT NULL,
      file_count INTEGER NOT NULL);
    CREATE INDEX snapshots_by_table ON snapshots(table_id, id);
    CREATE TABLE data_files (
      id INTEGER PRIMARY KEY,
      table_id INTEGER NOT NULL REFERENCES tables(id) ON DELETE CASCADE,
      path TEXT NOT NULL,
      row_count INTEGER NOT NULL,
      byte_count INTEGER NOT NULL,
      added_snapshot INTEGER NOT NULL,
      removed_snapshot INTEGER);
    CREATE INDEX data_files_by_table ON data_files(table_id, added_snapshot);
    CREATE TABLE source_state (
      scope TEXT NOT NULL,
      key TEXT NOT NULL,
      value TEXT NOT NULL,
      updated_at_ms INTEGER NOT NULL,
      PRIMARY KEY (scope, key));
    CREATE TABLE runs (
      id INTEGER PRIMARY KEY,
      command TEXT NOT NULL,
      status TEXT NOT NULL,
      started_at_ms INTEGER NOT NULL,
      finished_at_ms INTEGER,
      error TEXT NOT NULL DEFAULT '');
    CREATE TABLE steps (
      id INTEGER PRIMARY KEY,
      run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
      name TEXT NOT NULL,
      kind TEXT NOT NULL,
      status TEXT NOT NULL,
      started_at_ms INTEGER NOT NULL,
      finished_at_ms INTEGER,
      row_count INTEGER NOT NULL DEFAULT 0,
      error TEXT NOT NULL DEFAULT '');
    CREATE INDEX steps_by_run ON steps(run_id);
    )sql",
    // 2: Apache Iceberg tables. The catalog points at each table's current metadata file, and
    // snapshots are ordered by sequence number (Iceberg snapshot ids are random). Snapshots of
    // earlier versions were numbered in commit order, so their ids order them.
    R"sql(
    ALTER TABLE tables ADD COLUMN metadata_location TEXT NOT NULL DEFAULT '';
    ALTER TABLE snapshots ADD COLUMN sequence_number INTEGER NOT NULL DEFAULT 0;
    UPDATE snapshots SET sequence_number = id;
    CREATE INDEX snapshots_by_sequence ON snapshots(table_id, sequence_number);
    )sql",
    // 3: pipeline runs (the data interval each covers and what started it) and log lines.
    R"sql(
    CREATE TABLE pipeline_runs (
      run_id INTEGER PRIMARY KEY REFERENCES runs(id) ON DELETE CASCADE,
      pipeline TEXT NOT NULL,
      interval_start INTEGER NOT NULL,
      interval_end INTEGER NOT NULL,
      triggered_by TEXT NOT NULL);
    CREATE INDEX pipeline_runs_by_interval ON pipeline_runs(pipeline, interval_end);
    CREATE UNIQUE INDEX pipeline_runs_scheduled ON pipeline_runs(pipeline, interval_end)
      WHERE triggered_by = 'schedule';
    CREATE TABLE logs (
      id INTEGER PRIMARY KEY,
      run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
      step_id INTEGER NOT NULL DEFAULT 0,
      at_ms INTEGER NOT NULL,
      stream TEXT NOT NULL,
      line TEXT NOT NULL);
    CREATE INDEX logs_by_run ON logs(run_id, id);
    CREATE INDEX logs_by_step ON logs(step_id, id);
    )sql",
    // 4: namespaces created through the Iceberg REST catalog, with their properties (JSON).
    R"sql(
    CREATE TABLE namespaces (
      name TEXT PRIMARY KEY,
      properties TEXT NOT NULL DEFAULT '{}');
    )sql",
};

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

class SqliteMetastore final : public MetadataStore {
 public:
  explicit SqliteMetastore(const std::filesystem::path& file) : db_(file.string()) { migrate(); }

  int schema_version() override {
    std::lock_guard lock(mutex_);
    return current_version();
  }

  std::optional<TableInfo> find_table(const TableName& name) override {
    std::lock_guard lock(mutex_);
    sqlite::Statement s(db_, std::string(kSelectTable) + " WHERE namespace = ?1 AND name = ?2");
    s.bind(1, name.space).bind(2, name.name);
    if (!s.step()) return std::nullopt;
    return read_table(s);
  }

  std::vector<TableInfo> list_tables() override {
    std::lock_guard lock(mutex_);
    sqlite::Statement s(db_, std::string(kSelectTable) + " ORDER BY id");
    std::vector<TableInfo> out;
    while (s.step()) out.push_back(read_table(s));
    return out;
  }

  std::vector<DataFile> table_files(const TableInfo& table,
                                    std::optional<int64_t> snapshot) override {
    std::lock_guard lock(mutex_);
    const int64_t at = snapshot.value_or(table.current_snapshot);
    std::vector<DataFile> files;
    if (at == 0) return files;
    int64_t sequence = 0;
    {
      sqlite::Statement s(db_,
                          "SELECT sequence_number FROM snapshots WHERE table_id = ?1 AND id = ?2");
      s.bind(1, table.id).bind(2, at);
      if (!s.step()) {
        throw Error(ErrorKind::kInput, "the table has no snapshot " + std::to_string(at),
                    Location::of(table.name.str()));
      }
      sequence = s.int64(0);
    }
    // Live at `at`: added at or before it and not removed by it or before it.
    sqlite::Statement s(db_,
                        "SELECT f.path, f.row_count, f.byte_count FROM data_files f "
                        "JOIN snapshots a ON a.id = f.added_snapshot "
                        "LEFT JOIN snapshots r ON r.id = f.removed_snapshot "
                        "WHERE f.table_id = ?1 AND a.sequence_number <= ?2 AND "
                        "(r.id IS NULL OR r.sequence_number > ?2) ORDER BY f.id");
    s.bind(1, table.id).bind(2, sequence);
    while (s.step()) {
      files.push_back(
          {s.text(0), static_cast<uint64_t>(s.int64(1)), static_cast<uint64_t>(s.int64(2))});
    }
    return files;
  }

  std::vector<SnapshotInfo> snapshots(const TableInfo& table) override {
    std::lock_guard lock(mutex_);
    sqlite::Statement s(db_,
                        "SELECT id, parent_id, sequence_number, operation, committed_at_ms, "
                        "added_rows, total_rows, file_count FROM snapshots WHERE table_id = ?1 "
                        "ORDER BY sequence_number");
    s.bind(1, table.id);
    std::vector<SnapshotInfo> out;
    while (s.step()) {
      out.push_back({s.int64(0), s.int64(1), s.int64(2), s.text(3), s.int64(4),
                     static_cast<uint64_t>(s.int64(5)), static_cast<uint64_t>(s.int64(6)),
                     static_cast<uint64_t>(s.int64(7))});
    }
    return out;
  }

  std::vector<int64_t> commit(const Commit& commit) override {
    std::lock_guard lock(mutex_);
    sqlite::Transaction transaction(db_);
    std::vector<int64_t> snapshot_ids;
    for (const TableChange& change : commit.tables) snapshot_ids.push_back(apply(change));
    for (const StateChange& change : commit.state) {
      sqlite::Statement s(db_,
                          "INSERT INTO source_state(scope, key, value, updated_at_ms) VALUES "
                          "(?1, ?2, ?3, ?4) ON CONFLICT(scope, key) DO UPDATE SET "
                          "value = excluded.value, updated_at_ms = excluded.updated_at_ms");
      s.bind(1, change.scope).bind(2, change.key).bind(3, change.value).bind(4, now_ms());
      s.run();
    }
    transaction.commit();
    return snapshot_ids;
  }

  std::optional<std::string> state(const std::string& scope, const std::string& key) override {
    std::lock_guard lock(mutex_);
    sqlite::Statement s(db_, "SELECT value FROM source_state WHERE scope = ?1 AND key = ?2");
    s.bind(1, scope).bind(2, key);
    if (!s.step()) return std::nullopt;
    return s.text(0);
  }

  std::vector<std::pair<std::string, std::string>> state_entries(
      const std::string& scope) override {
    std::lock_guard lock(mutex_);
    sqlite::Statement s(db_, "SELECT key, value FROM source_state WHERE scope = ?1 ORDER BY key");
    s.bind(1, scope);
    std::vector<std::pair<std::string, std::string>> out;
    while (s.step()) out.emplace_back(s.text(0), s.text(1));
    return out;
  }

  std::vector<std::string> referenced_files() override {
    std::lock_guard lock(mutex_);
    sqlite::Statement s(db_, "SELECT path FROM data_files");
    std::vector<std::string> out;
    while (s.step()) out.push_back(s.text(0));
    return out;
  }

  std::vector<std::string> namespaces() override {
    std::lock_guard lock(mutex_);
    return sqlite_catalog::namespaces(db_);
  }
  std::optional<std::map<std::string, std::string>> namespace_properties(
      const std::string& space) override {
    std::lock_guard lock(mutex_);
    return sqlite_catalog::namespace_properties(db_, space);
  }
  void create_namespace(const std::string& space,
                        const std::map<std::string, std::string>& properties) override {
    std::lock_guard lock(mutex_);
    sqlite_catalog::create_namespace(db_, space, properties);
  }
  void update_namespace_properties(const std::string& space,
                                   const std::map<std::string, std::string>& updates,
                                   const std::vector<std::string>& removals) override {
    std::lock_guard lock(mutex_);
    sqlite_catalog::update_namespace_properties(db_, space, updates, removals);
  }
  bool drop_namespace(const std::string& space) override {
    std::lock_guard lock(mutex_);
    return sqlite_catalog::drop_namespace(db_, space);
  }
  void register_table(const TableName& name, const std::string& location,
                      const std::string& metadata_location, int64_t current_snapshot) override {
    std::lock_guard lock(mutex_);
    sqlite_catalog::register_table(db_, name, location, metadata_location, current_snapshot,
                                   now_ms());
  }
  void rename_table(const TableName& from, const TableName& to) override {
    std::lock_guard lock(mutex_);
    sqlite_catalog::rename_table(db_, from, to);
  }
  bool drop_table(const TableName& name) override {
    std::lock_guard lock(mutex_);
    return sqlite_catalog::drop_table(db_, name);
  }

  int64_t begin_run(const std::string& command) override {
    std::lock_guard lock(mutex_);
    sqlite::Statement s(db_,
                        "INSERT INTO runs(command, status, started_at_ms) VALUES (?1, ?2, ?3)");
    s.bind(1, command).bind(2, run_status_name(RunStatus::kRunning)).bind(3, now_ms());
    s.run();
    return db_.last_insert_id();
  }

  void finish_run(int64_t run_id, RunStatus status, const std::string& error) override {
    std::lock_guard lock(mutex_);
    sqlite::Statement s(
        db_, "UPDATE runs SET status = ?2, finished_at_ms = ?3, error = ?4 WHERE id = ?1");
    s.bind(1, run_id).bind(2, run_status_name(status)).bind(3, now_ms()).bind(4, error);
    s.run();
  }

  int64_t begin_step(int64_t run_id, const std::string& name, const std::string& kind) override {
    std::lock_guard lock(mutex_);
    sqlite::Statement s(db_,
                        "INSERT INTO steps(run_id, name, kind, status, started_at_ms) VALUES "
                        "(?1, ?2, ?3, ?4, ?5)");
    s.bind(1, run_id).bind(2, name).bind(3, kind).bind(4, run_status_name(RunStatus::kRunning));
    s.bind(5, now_ms());
    s.run();
    return db_.last_insert_id();
  }

  void finish_step(int64_t step_id, RunStatus status, uint64_t rows,
                   const std::string& error) override {
    std::lock_guard lock(mutex_);
    sqlite::Statement s(db_,
                        "UPDATE steps SET status = ?2, finished_at_ms = ?3, row_count = ?4, "
                        "error = ?5 WHERE id = ?1");
    s.bind(1, step_id).bind(2, run_status_name(status)).bind(3, now_ms());
    s.bind(4, static_cast<int64_t>(rows)).bind(5, error);
    s.run();
  }

  std::vector<RunRecord> recent_runs(size_t limit) override {
    std::lock_guard lock(mutex_);
    sqlite::Statement s(db_,
                        "SELECT id, command, status, started_at_ms, coalesce(finished_at_ms, 0), "
                        "error FROM runs ORDER BY id DESC LIMIT ?1");
    s.bind(1, static_cast<int64_t>(limit));
    std::vector<RunRecord> out;
    while (s.step()) {
      out.push_back({s.int64(0), s.text(1), s.text(2), s.int64(3), s.int64(4), s.text(5)});
    }
    return out;
  }

  std::vector<StepRecord> run_steps(int64_t run_id) override {
    std::lock_guard lock(mutex_);
    sqlite::Statement s(
        db_,
        "SELECT id, run_id, name, kind, status, started_at_ms, "
        "coalesce(finished_at_ms, 0), row_count, error FROM steps WHERE run_id = ?1 "
        "ORDER BY id");
    s.bind(1, run_id);
    std::vector<StepRecord> out;
    while (s.step()) {
      out.push_back({s.int64(0), s.int64(1), s.text(2), s.text(3), s.text(4), s.int64(5),
                     s.int64(6), static_cast<uint64_t>(s.int64(7)), s.text(8)});
    }
    return out;
  }

  std::optional<int64_t> begin_pipeline_run(const std::string& pipeline, int64_t interval_start,
                                            int64_t interval_end,
                                            const std::string& trigger) override {
    std::lock_guard lock(mutex_);
    return run_history::begin_pipeline_run(db_, pipeline, interval_start, interval_end, trigger);
  }
  std::vector<PipelineRunRecord> pipeline_runs(const PipelineRunFilter& filter) override {
    std::lock_guard lock(mutex_);
    return run_history::pipeline_runs(db_, filter);
  }
  std::optional<PipelineRunRecord> pipeline_run(int64_t run_id) override {
    std::lock_guard lock(mutex_);
    return run_history::pipeline_run(db_, run_id);
  }
  void append_logs(const std::vector<LogLine>& lines) override {
    std::lock_guard lock(mutex_);
    run_history::append_logs(db_, lines);
  }
  std::vector<LogLine> run_logs(int64_t run_id) override {
    std::lock_guard lock(mutex_);
    return run_history::logs(db_, run_id, -1);
  }
  std::vector<LogLine> step_logs(int64_t step_id) override {
    std::lock_guard lock(mutex_);
    return run_history::logs(db_, 0, step_id);
  }

 private:
  static constexpr const char* kSelectTable =
      "SELECT id, namespace, name, kind, location, view_sql, current_snapshot, created_at_ms, "
      "metadata_location FROM tables";

  sqlite::Database db_;
  std::mutex mutex_;

  static TableInfo read_table(const sqlite::Statement& s) {
    TableInfo t;
    t.id = s.int64(0);
    t.name = {s.text(1), s.text(2)};
    t.kind = s.text(3) == "view" ? TableKind::kView : TableKind::kTable;
    t.location = s.text(4);
    t.view_sql = s.text(5);
    t.current_snapshot = s.int64(6);
    t.created_at_ms = s.int64(7);
    t.metadata_location = s.text(8);
    return t;
  }

  int current_version() {
    sqlite::Statement s(db_, "SELECT coalesce(max(version), 0) FROM schema_migrations");
    s.step();
    return static_cast<int>(s.int64(0));
  }

  void migrate() {
    db_.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
        "applied_at_ms INTEGER NOT NULL)");
    const int known = static_cast<int>(std::size(kMigrations));
    sqlite::Transaction transaction(db_);
    const int version = current_version();
    if (version > known) {
      throw Error(ErrorKind::kStorage,
                  "the metadata store is at schema version " + std::to_string(version) +
                      ", newer than this strata understands (" + std::to_string(known) +
                      "); upgrade strata",
                  Location{db_.path()});
    }
    for (int v = version + 1; v <= known; ++v) {
      db_.execute(kMigrations[v - 1]);
      sqlite::Statement s(db_,
                          "INSERT INTO schema_migrations(version, applied_at_ms) VALUES (?1, ?2)");
      s.bind(1, static_cast<int64_t>(v)).bind(2, now_ms());
      s.run();
    }
    transaction.commit();
  }

  uint64_t file_rows(int64_t table_id, const std::string& path) {
    sqlite::Statement s(db_,
                        "SELECT coalesce(sum(row_count), 0) FROM data_files WHERE table_id = ?1 "
                        "AND path = ?2 AND removed_snapshot IS NULL");
    s.bind(1, table_id).bind(2, path);
    s.step();
    return static_cast<uint64_t>(s.int64(0));
  }

  // Rollback and expiry: the metadata location and current snapshot move, nothing is added.
  int64_t apply_metadata_only(const TableChange& change, const TableInfo& table) {
    for (int64_t id : change.expired_snapshots) {
      sqlite::Statement s(db_, "DELETE FROM snapshots WHERE table_id = ?1 AND id = ?2");
      s.bind(1, table.id).bind(2, id);
      s.run();
    }
    for (const std::string& path : change.removed_files) {
      sqlite::Statement s(db_, "DELETE FROM data_files WHERE table_id = ?1 AND path = ?2");
      s.bind(1, table.id).bind(2, path);
      s.run();
    }
    sqlite::Statement update(
        db_, "UPDATE tables SET current_snapshot = ?2, metadata_location = ?3 WHERE id = ?1");
    update.bind(1, table.id).bind(2, change.snapshot_id).bind(3, change.metadata_location);
    update.run();
    return change.snapshot_id;
  }

  // Applies one table change inside the open transaction; returns the new snapshot id.
  int64_t apply(const TableChange& change) {
    std::optional<TableInfo> existing;
    {
      sqlite::Statement s(db_, std::string(kSelectTable) + " WHERE namespace = ?1 AND name = ?2");
      s.bind(1, change.table.space).bind(2, change.table.name);
      if (s.step()) existing = read_table(s);
    }
    const int64_t current = existing ? existing->current_snapshot : 0;
    if (change.expected_snapshot && *change.expected_snapshot != current) {
      throw Error(ErrorKind::kConflict,
                  "commit conflict: the table changed (snapshot " + std::to_string(current) +
                      ", expected " + std::to_string(*change.expected_snapshot) +
                      "); another writer committed first",
                  Location::of(change.table.str()));
    }
    const std::string current_metadata = existing ? existing->metadata_location : "";
    if (change.expected_metadata_location &&
        *change.expected_metadata_location != current_metadata) {
      throw Error(ErrorKind::kConflict,
                  "commit conflict: the table's metadata changed (now " +
                      (current_metadata.empty() ? std::string("none") : current_metadata) +
                      "); another writer committed first",
                  Location::of(change.table.str()));
    }
    if (change.metadata_only) {
      if (!existing)
        throw Error(ErrorKind::kInput, "no such table", Location::of(change.table.str()));
      return apply_metadata_only(change, *existing);
    }
    if (existing && existing->kind != change.kind) {
      db_.execute("DELETE FROM tables WHERE id = " + std::to_string(existing->id));
      existing.reset();
    }
    int64_t table_id;
    if (existing) {
      table_id = existing->id;
      if (change.kind == TableKind::kView) {
        sqlite::Statement s(db_, "UPDATE tables SET view_sql = ?2 WHERE id = ?1");
        s.bind(1, table_id).bind(2, change.view_sql);
        s.run();
      }
    } else {
      sqlite::Statement s(db_,
                          "INSERT INTO tables(namespace, name, kind, location, view_sql, "
                          "created_at_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
      s.bind(1, change.table.space).bind(2, change.table.name);
      s.bind(3, std::string(change.kind == TableKind::kView ? "view" : "table"));
      s.bind(4, change.location).bind(5, change.view_sql).bind(6, now_ms());
      s.run();
      table_id = db_.last_insert_id();
    }

    uint64_t added_rows = 0;
    for (const auto& f : change.added_files) added_rows += f.rows;
    uint64_t removed_rows = 0;
    for (const std::string& path : change.removed_files) removed_rows += file_rows(table_id, path);
    const bool overwrite = change.mode == WriteMode::kOverwrite;
    uint64_t kept_rows = 0;
    uint64_t kept_files = 0;
    if (!overwrite && existing) {
      sqlite::Statement s(db_,
                          "SELECT coalesce(sum(row_count), 0), count(*) FROM data_files WHERE "
                          "table_id = ?1 AND removed_snapshot IS NULL");
      s.bind(1, table_id);
      s.step();
      kept_rows = static_cast<uint64_t>(s.int64(0));
      kept_files = static_cast<uint64_t>(s.int64(1));
    }
    const std::string operation = change.kind == TableKind::kView ? "create_view"
                                  : !change.operation.empty()     ? change.operation
                                  : overwrite                     ? "overwrite"
                                                                  : "append";
    int64_t sequence = change.sequence_number;
    if (sequence == 0) {
      sqlite::Statement s(
          db_, "SELECT coalesce(max(sequence_number), 0) + 1 FROM snapshots WHERE table_id = ?1");
      s.bind(1, table_id);
      s.step();
      sequence = s.int64(0);
    }
    {
      sqlite::Statement s(db_,
                          "INSERT INTO snapshots(id, table_id, parent_id, operation, "
                          "committed_at_ms, added_rows, total_rows, file_count, sequence_number) "
                          "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
      if (change.snapshot_id != 0) {
        s.bind(1, change.snapshot_id);
      } else {
        s.bind(1, nullptr);  // the next free id
      }
      s.bind(2, table_id).bind(3, current).bind(4, operation).bind(5, now_ms());
      s.bind(6, static_cast<int64_t>(added_rows));
      s.bind(7, static_cast<int64_t>(kept_rows - std::min(kept_rows, removed_rows) + added_rows));
      s.bind(8, static_cast<int64_t>(kept_files -
                                     std::min<uint64_t>(kept_files, change.removed_files.size()) +
                                     change.added_files.size()));
      s.bind(9, sequence);
      s.run();
    }
    const int64_t snapshot = db_.last_insert_id();
    if (overwrite) {
      sqlite::Statement s(db_,
                          "UPDATE data_files SET removed_snapshot = ?2 WHERE table_id = ?1 AND "
                          "removed_snapshot IS NULL");
      s.bind(1, table_id).bind(2, snapshot);
      s.run();
    }
    for (const std::string& path : change.removed_files) {
      sqlite::Statement s(db_,
                          "UPDATE data_files SET removed_snapshot = ?3 WHERE table_id = ?1 AND "
                          "path = ?2 AND removed_snapshot IS NULL");
      s.bind(1, table_id).bind(2, path).bind(3, snapshot);
      s.run();
    }
    sqlite::Statement insert(db_,
                             "INSERT INTO data_files(table_id, path, row_count, byte_count, "
                             "added_snapshot) VALUES (?1, ?2, ?3, ?4, ?5)");
    for (const DataFile& file : change.added_files) {
      insert.bind(1, table_id).bind(2, file.path).bind(3, static_cast<int64_t>(file.rows));
      insert.bind(4, static_cast<int64_t>(file.bytes)).bind(5, snapshot);
      insert.run();
      insert.reset();
    }
    sqlite::Statement update(
        db_, "UPDATE tables SET current_snapshot = ?2, metadata_location = ?3 WHERE id = ?1");
    update.bind(1, table_id).bind(2, snapshot).bind(3, change.metadata_location);
    update.run();
    return snapshot;
  }
};

}  // namespace

std::unique_ptr<MetadataStore> open_sqlite_metastore(const std::filesystem::path& file) {
  paths::ensure_directory(file.parent_path());
  return std::make_unique<SqliteMetastore>(file);
}

}  // namespace strata::lake
