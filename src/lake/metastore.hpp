// The metadata store: strata's catalog of tables and snapshots, the incremental state of sources,
// and the history of runs and steps. One interface with an embedded SQLite implementation (WAL
// mode, versioned migrations); a PostgreSQL implementation for shared deployments plugs in behind
// the same interface. A commit is atomic across every table and state key it touches, and is a
// compare-and-swap on each table's current snapshot: a writer that lost a race gets kConflict.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace strata::lake {

struct TableName {
  std::string space;  // the namespace (schema): a source name, "staging", "trusted", ...
  std::string name;
  std::string str() const { return space + "." + name; }
  bool operator==(const TableName&) const = default;
};

enum class TableKind { kTable, kView };

struct TableInfo {
  int64_t id = 0;
  TableName name;
  TableKind kind = TableKind::kTable;
  std::string location;       // data directory for tables
  std::string view_sql;       // the definition for views
  int64_t current_snapshot = 0;  // 0: no snapshot yet
  int64_t created_at_ms = 0;
};

struct DataFile {
  std::string path;  // absolute
  uint64_t rows = 0;
  uint64_t bytes = 0;
};

struct SnapshotInfo {
  int64_t id = 0;
  int64_t parent_id = 0;
  std::string operation;  // "append", "overwrite", "create_view"
  int64_t committed_at_ms = 0;
  uint64_t added_rows = 0;
  uint64_t total_rows = 0;
  uint64_t file_count = 0;
};

enum class WriteMode { kAppend, kOverwrite };

// One table's part of a commit.
struct TableChange {
  TableName table;
  TableKind kind = TableKind::kTable;
  WriteMode mode = WriteMode::kAppend;
  std::string location;                 // used when the table is created by this commit
  std::string view_sql;                 // for views
  std::optional<int64_t> expected_snapshot;  // compare-and-swap; nullopt = "whatever is current"
  std::vector<DataFile> added_files;
};

struct StateChange {
  std::string scope;  // e.g. "source:internal.movies"
  std::string key;    // e.g. a file path
  std::string value;  // e.g. "size:mtime"
};

struct Commit {
  std::vector<TableChange> tables;
  std::vector<StateChange> state;
};

enum class RunStatus { kRunning, kSuccess, kFailed, kSkipped };
std::string run_status_name(RunStatus status);

struct RunRecord {
  int64_t id = 0;
  std::string command;
  std::string status;
  int64_t started_at_ms = 0;
  int64_t finished_at_ms = 0;
  std::string error;
};

struct StepRecord {
  int64_t id = 0;
  int64_t run_id = 0;
  std::string name;
  std::string kind;
  std::string status;
  int64_t started_at_ms = 0;
  int64_t finished_at_ms = 0;
  uint64_t rows = 0;
  std::string error;
};

class MetadataStore {
 public:
  virtual ~MetadataStore() = default;

  virtual int schema_version() = 0;

  // Catalog.
  virtual std::optional<TableInfo> find_table(const TableName& name) = 0;
  virtual std::vector<TableInfo> list_tables() = 0;
  // Live data files of a table at a snapshot (default: its current one).
  virtual std::vector<DataFile> table_files(const TableInfo& table,
                                            std::optional<int64_t> snapshot = {}) = 0;
  virtual std::vector<SnapshotInfo> snapshots(const TableInfo& table) = 0;
  // Applies every change atomically; returns the new snapshot id of each table, in order.
  // Throws kConflict when an expected snapshot is no longer current.
  virtual std::vector<int64_t> commit(const Commit& commit) = 0;
  virtual std::optional<std::string> state(const std::string& scope, const std::string& key) = 0;
  virtual std::vector<std::pair<std::string, std::string>> state_entries(
      const std::string& scope) = 0;
  // Every data file any snapshot of any table references (for orphan cleanup).
  virtual std::vector<std::string> referenced_files() = 0;

  // Run history.
  virtual int64_t begin_run(const std::string& command) = 0;
  virtual void finish_run(int64_t run_id, RunStatus status, const std::string& error) = 0;
  virtual int64_t begin_step(int64_t run_id, const std::string& name, const std::string& kind) = 0;
  virtual void finish_step(int64_t step_id, RunStatus status, uint64_t rows,
                           const std::string& error) = 0;
  virtual std::vector<RunRecord> recent_runs(size_t limit) = 0;
  virtual std::vector<StepRecord> run_steps(int64_t run_id) = 0;
};

// Opens (creating and migrating as needed) the embedded SQLite store at `file`.
std::unique_ptr<MetadataStore> open_sqlite_metastore(const std::filesystem::path& file);

}  // namespace strata::lake
