// The metadata store: strata's catalog of tables and snapshots, the incremental state of sources,
// and the history of runs and steps. One interface with an embedded SQLite implementation (WAL
// mode, versioned migrations); a PostgreSQL implementation for shared deployments plugs in behind
// the same interface. A commit is atomic across every table and state key it touches, and is a
// compare-and-swap on each table's current snapshot and Iceberg metadata location: a writer that
// lost a race gets kConflict. For tables, the catalog is the source of truth for which Iceberg
// metadata file is current; it also keeps each snapshot's data files so that strata's own reads
// need not open manifests.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace strata::lake {

namespace iceberg {
struct Schema;
}

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
  std::string location;          // data directory for tables
  std::string view_sql;          // the definition for views
  int64_t current_snapshot = 0;  // 0: no snapshot yet
  int64_t created_at_ms = 0;
  std::string metadata_location;  // the current Iceberg table metadata file ("" for views)
};

// Iceberg statistics of one column (a field id) in one data file.
struct ColumnMetrics {
  int field_id = 0;
  std::optional<int64_t> size_bytes;
  std::optional<int64_t> values;  // including nulls
  std::optional<int64_t> nulls;
  std::optional<std::string> lower;  // Iceberg's binary single-value serialization
  std::optional<std::string> upper;
};

struct DataFile {
  std::string path;  // absolute
  uint64_t rows = 0;
  uint64_t bytes = 0;
  // For the Iceberg manifests, not kept in the catalog: the schema the file was written with (its
  // columns' field ids and types) and its column statistics.
  std::shared_ptr<const iceberg::Schema> schema{};
  std::vector<ColumnMetrics> metrics{};
  // The partition spec the file was written with and its partition tuple, one value per field of
  // that spec (lake/iceberg_partition.hpp); empty for the unpartitioned spec 0.
  int partition_spec_id = 0;
  std::vector<nlohmann::json> partition{};
};

struct SnapshotInfo {
  int64_t id = 0;
  int64_t parent_id = 0;
  int64_t sequence_number = 0;  // orders a table's snapshots
  std::string operation;        // "append", "overwrite", "create_view"
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
  std::string location{};  // the table's location (default: the lake's place for it)
  std::string view_sql{};  // for views
  std::optional<int64_t> expected_snapshot{};  // compare-and-swap; nullopt: whatever is current
  std::vector<DataFile> added_files{};
  // Copy-on-write changes (delete, merge, compaction; mode kAppend): the data files it removes,
  // which must still be in the table when it commits (else kConflict), and its Iceberg snapshot
  // operation ("overwrite", "delete", "replace"; "" derives it from the mode).
  std::vector<std::string> removed_files{};
  std::string operation{};
  // The snapshot the change's rows were computed from; a retry on top of a concurrent commit that
  // removed data since then fails with kConflict. The lake sets it for overwrites.
  std::optional<int64_t> read_snapshot{};
  // Metadata-only changes (rollback, snapshot expiry) add no snapshot: the table's current
  // snapshot becomes `snapshot_id`, the `expired_snapshots` leave the catalog and the catalog
  // forgets `removed_files` (deleted from storage).
  bool metadata_only = false;
  std::vector<int64_t> expired_snapshots{};
  // Set by the lake for tables (Lake::commit): the new snapshot's id and sequence number (0: the
  // store assigns them), its Iceberg metadata file, and the metadata location the commit was
  // built on ("" for a new table), compared and swapped like expected_snapshot.
  int64_t snapshot_id = 0;
  int64_t sequence_number = 0;
  std::string metadata_location{};
  std::optional<std::string> expected_metadata_location{};
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

// kInterrupted: the process running it stopped (killed or shut down) before it finished.
enum class RunStatus { kRunning, kSuccess, kFailed, kSkipped, kInterrupted };
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

// A run of a pipeline: the run (above) plus the pipeline, the data interval it covers (UTC
// seconds, [start, end)) and what started it: "schedule", "manual" or "backfill".
struct PipelineRunRecord {
  RunRecord run;
  std::string pipeline;
  int64_t interval_start = 0;
  int64_t interval_end = 0;
  std::string trigger;
};

struct PipelineRunFilter {
  std::string pipeline;
  std::string trigger;                    // empty: any
  int64_t interval_end_from = INT64_MIN;  // inclusive bounds on the interval's end
  int64_t interval_end_to = INT64_MAX;
  size_t limit = 100;
};

// A line a step wrote (a command's stdout or stderr) or the orchestrator wrote about it.
struct LogLine {
  int64_t run_id = 0;
  int64_t step_id = 0;  // 0: about the run as a whole
  int64_t at_ms = 0;    // 0 when appending: now
  std::string stream;   // "stdout", "stderr", "info" or "error"
  std::string text;
};

class MetadataStore {
 public:
  virtual ~MetadataStore() = default;

  virtual int schema_version() = 0;

  // Catalog.
  virtual std::optional<TableInfo> find_table(const TableName& name) = 0;
  virtual std::vector<TableInfo> list_tables() = 0;
  // Live data files of a table at a snapshot (default: its current one); kInput when the table
  // has no such snapshot.
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

  // Catalog operations for the Iceberg REST catalog (lake/rest_catalog.hpp). A namespace exists
  // when it was created or holds a table; properties belong to created ones.
  virtual std::vector<std::string> namespaces() = 0;  // sorted
  // Nothing when the namespace does not exist.
  virtual std::optional<std::map<std::string, std::string>> namespace_properties(
      const std::string& space) = 0;
  // kConflict when it exists already.
  virtual void create_namespace(const std::string& space,
                                const std::map<std::string, std::string>& properties) = 0;
  virtual void update_namespace_properties(const std::string& space,
                                           const std::map<std::string, std::string>& updates,
                                           const std::vector<std::string>& removals) = 0;
  // kConflict when a table or view is still in it; false when it did not exist.
  virtual bool drop_namespace(const std::string& space) = 0;
  // Adds a table whose Iceberg metadata another writer made (its current snapshot, 0 for none):
  // kConflict when the name is taken.
  virtual void register_table(const TableName& name, const std::string& location,
                              const std::string& metadata_location, int64_t current_snapshot) = 0;
  // kInput when `from` does not exist, kConflict when `to` is taken. The files stay where they are.
  virtual void rename_table(const TableName& from, const TableName& to) = 0;
  // Removes the table (or view) and its snapshots from the catalog; false when it did not exist.
  virtual bool drop_table(const TableName& name) = 0;

  // Run history.
  virtual int64_t begin_run(const std::string& command) = 0;
  virtual void finish_run(int64_t run_id, RunStatus status, const std::string& error) = 0;
  virtual int64_t begin_step(int64_t run_id, const std::string& name, const std::string& kind) = 0;
  virtual void finish_step(int64_t step_id, RunStatus status, uint64_t rows,
                           const std::string& error) = 0;
  virtual std::vector<RunRecord> recent_runs(size_t limit) = 0;
  virtual std::vector<StepRecord> run_steps(int64_t run_id) = 0;

  // Pipeline runs. A scheduled run claims its interval: nothing is returned (and nothing
  // recorded) when the pipeline already has a scheduled run of an interval with the same end, so
  // no tick runs twice across restarts and processes.
  virtual std::optional<int64_t> begin_pipeline_run(const std::string& pipeline,
                                                    int64_t interval_start, int64_t interval_end,
                                                    const std::string& trigger) = 0;
  // Newest interval first.
  virtual std::vector<PipelineRunRecord> pipeline_runs(const PipelineRunFilter& filter) = 0;
  virtual std::optional<PipelineRunRecord> pipeline_run(int64_t run_id) = 0;

  // Log lines, appended in batches; read back in the order they were written.
  virtual void append_logs(const std::vector<LogLine>& lines) = 0;
  void append_log(int64_t run_id, int64_t step_id, std::string stream, std::string text) {
    append_logs({{run_id, step_id, 0, std::move(stream), std::move(text)}});
  }
  virtual std::vector<LogLine> run_logs(int64_t run_id) = 0;
  virtual std::vector<LogLine> step_logs(int64_t step_id) = 0;
};

// Opens (creating and migrating as needed) the embedded SQLite store at `file`.
std::unique_ptr<MetadataStore> open_sqlite_metastore(const std::filesystem::path& file);

}  // namespace strata::lake
