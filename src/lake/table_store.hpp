// The lake: every table is an Apache Iceberg (format version 2) table under
// `<lake>/<namespace>/<table>/`: immutable Parquet data files (zstd, with Iceberg field ids) in
// `data/`, and in `metadata/` the table metadata JSON, manifest lists and manifests. Writers first
// write files nobody references (data, then the new metadata version), then commit: the catalog's
// compare-and-swap of the table's current metadata location makes the version visible, atomically
// across every table and source state of the commit. A crash before the commit leaves only
// unreferenced files (removed by orphan cleanup), so committed data stays readable and uncommitted
// data is never visible. strata reads a table as a DuckDB view `namespace.table` over the data
// files live in the snapshot current when it attached it (from the table's Iceberg manifests);
// any Iceberg reader reads the same table from its metadata file. An old snapshot is read as
// `namespace."table@<snapshot id>"` or `namespace."table@<ISO timestamp>"` (attach_time_travel).
// Row-level changes (delete_where, merge) are copy-on-write: only the data files holding affected
// rows are rewritten, in one `overwrite` snapshot; compaction is a `replace` snapshot.
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "engine/database.hpp"
#include "lake/iceberg_metadata.hpp"
#include "lake/metastore.hpp"
#include "lake/s3_settings.hpp"

namespace strata::lake {

struct WriteResult {
  std::vector<DataFile> files;
  uint64_t rows = 0;
  uint64_t bytes = 0;
};

// What a copy-on-write change (delete_where, merge, compact) did.
struct RewriteResult {
  int64_t snapshot_id = 0;  // 0: nothing to change, nothing committed
  uint64_t rows_deleted = 0;
  uint64_t rows_updated = 0;   // merge: target rows replaced by a source row
  uint64_t rows_inserted = 0;  // merge: source rows with a new key
  size_t files_removed = 0;
  size_t files_added = 0;
};

// The copy-on-write half of a delete, not committed yet (Lake::prepare_delete).
struct PreparedDelete {
  std::vector<std::string> removed;  // the data files holding rows to delete
  WriteResult written;               // their other rows, as new files
  uint64_t rows_deleted = 0;
  int64_t read_snapshot = 0;  // the snapshot the files were read from
};

struct MergeOptions {
  // CDC: source rows for which this SQL condition is true delete the target row with their key
  // instead of replacing it (and are not inserted). Empty: every source row is upserted.
  std::string delete_condition;
};

struct CompactOptions {
  // Files smaller than this are rewritten together into files of about this size.
  uint64_t target_file_bytes = 128ull << 20;
};

struct ExpireOptions {
  std::optional<int64_t> older_than_ms;  // expire snapshots committed before this time
  std::optional<size_t> retain_last;     // always keep this many of the newest ancestors
};

struct ExpireResult {
  std::vector<int64_t> expired_snapshots;
  size_t data_files_deleted = 0;
  size_t metadata_files_deleted = 0;  // manifest lists, manifests, old metadata files
};

class Lake {
 public:
  // `root` is a local directory or an S3 warehouse location `s3://bucket/prefix`, reached with
  // the settings `s3` (completed from the AWS_* environment variables).
  Lake(std::filesystem::path root, MetadataStore& store, const S3Config& s3 = {});

  MetadataStore& store() { return store_; }
  const std::filesystem::path& root() const { return root_; }
  std::filesystem::path table_location(const TableName& name) const;

  // Writes the rows of `select_sql` as new, not yet visible, data files of `table`, with the
  // Iceberg field ids of the table's schema (evolved as lake/iceberg_schema_evolution.hpp says for
  // `mode`) and per-file column statistics. Commit them with commit().
  WriteResult write_files(engine::Connection& connection, const TableName& table,
                          const std::string& select_sql, WriteMode mode = WriteMode::kAppend);

  // Commits atomically: for each table change, a new Iceberg version (manifests, manifest list,
  // metadata file) is written, then the catalog swaps every table's metadata location and the
  // source state in one transaction. When another writer committed first, the versions are built
  // again on top of its commit (up to a few times), unless a change asks for an expected
  // snapshot, which then fails with kConflict. Returns the new snapshot id of each change.
  std::vector<int64_t> commit(const Commit& commit);

  // Write + commit in one step for the common single-table cases. Returns the new snapshot id.
  int64_t append(engine::Connection& connection, const TableName& table,
                 const std::string& select_sql, uint64_t* rows_written = nullptr);
  int64_t overwrite(engine::Connection& connection, const TableName& table,
                    const std::string& select_sql, uint64_t* rows_written = nullptr);
  int64_t create_or_replace_view(engine::Connection& connection, const TableName& view,
                                 const std::string& select_sql);

  // Lets `connection` read and write the lake's data files: registers the SQL function of
  // bucket partitions (lake/iceberg_bucket.hpp) and, for an S3 lake, loads httpfs and creates
  // the bucket's secret. The attach functions and every write call it; call it before reading
  // data files of the lake by other means.
  void connect_storage(engine::Connection& connection);

  // Makes every table and view of the catalog queryable in `connection` as `namespace.name`.
  void attach_all(engine::Connection& connection);
  // Re-attaches one table at its current snapshot (after a commit in the same process).
  void attach(engine::Connection& connection, const TableName& table);
  // Makes `table` as it was at `snapshot_id` (any snapshot it ever had) queryable as the view
  // `view_name`; kInput when the table has no such snapshot.
  void attach_at(engine::Connection& connection, const TableName& table, int64_t snapshot_id,
                 const std::string& view_name);

  // Copy-on-write row changes. `predicate` and `source_sql` are DuckDB SQL over the table's
  // columns; `key_columns` name the key (one or several columns; NULL keys never match). A merge
  // whose source holds a key twice is a kInput error. Both fail with kConflict (nothing
  // committed) when a concurrent commit changed the files they rewrite, and a merge also when any
  // other commit landed since it read the table (its new keys could collide).
  RewriteResult delete_where(engine::Connection& connection, const TableName& table,
                             const std::string& predicate);
  // The files delete_where would remove and write, for a caller that commits them together with
  // other changes (their TableChange: removed_files and added_files, operation "overwrite").
  PreparedDelete prepare_delete(engine::Connection& connection, const TableName& table,
                                const std::string& predicate);
  RewriteResult merge(engine::Connection& connection, const TableName& table,
                      const std::string& source_sql, const std::vector<std::string>& key_columns,
                      const MergeOptions& options = {});
  // Rewrites the table's small files into files of about the target size, rows unchanged.
  RewriteResult compact(engine::Connection& connection, const TableName& table,
                        const CompactOptions& options = {});

  // Partition evolution: data written from now on is split by `fields` ("day(ts), region",
  // lake/iceberg_partition.hpp; "" for unpartitioned), as a new default partition spec in a
  // metadata-only version. Files already written keep their spec. Returns the spec id; kInput
  // naming the table for a table without data yet or a field that does not apply.
  int set_partition_spec(const TableName& table, const std::string& fields);

  // Makes an earlier snapshot current again (a new metadata version; the snapshot log records
  // it). kInput naming the table and snapshot when the table has no such snapshot.
  void rollback(const TableName& table, int64_t snapshot_id);
  // Removes old snapshots from the table's metadata, then deletes the data files, manifests,
  // manifest lists and metadata files no remaining snapshot needs. The current snapshot stays.
  ExpireResult expire_snapshots(const TableName& table, const ExpireOptions& options);

  // The snapshot that was current at `timestamp_ms`; kInput naming the table otherwise.
  int64_t snapshot_at_time(const TableName& table, int64_t timestamp_ms);
  // Attaches every `namespace."table@<snapshot id or timestamp>"` that `sql` names, so that the
  // query can read those snapshots; returns the views it created.
  std::vector<std::string> attach_time_travel(engine::Connection& connection,
                                              const std::string& sql);

  // The data files live in the table at `snapshot` (default: its current one).
  std::vector<DataFile> live_files(const TableName& table, std::optional<int64_t> snapshot = {});

  // The table's current Iceberg metadata (none for views and tables not yet committed).
  std::optional<iceberg::TableMetadata> table_metadata(const TableName& table);

  // Deletes the files under the tables' locations (data files, manifests, manifest lists,
  // metadata files) that no snapshot or metadata version references (leftovers of interrupted
  // or lost commits) and that are older than `min_age`, so that files a concurrent writer is
  // about to commit are left alone. A table whose metadata cannot be read is skipped.
  size_t remove_orphan_files(std::chrono::seconds min_age = std::chrono::hours(1));

 private:
  std::filesystem::path root_;
  MetadataStore& store_;
  std::optional<s3::Settings> s3_;  // for an S3 lake
  // Metadata files never change once written, so parsed ones are kept by location (the versions
  // this process committed included): a writer appending again parses nothing.
  std::mutex metadata_mutex_;
  std::map<std::string, std::shared_ptr<const iceberg::TableMetadata>> metadata_cache_;

  struct TableState {
    TableInfo info;
    std::shared_ptr<const iceberg::TableMetadata> metadata;
  };
  // The table's catalog entry and current metadata; kInput when it is not an Iceberg table.
  TableState load_table(const TableName& name);
  std::vector<DataFile> snapshot_files(const TableInfo& table,
                                       const iceberg::TableMetadata& metadata,
                                       std::optional<int64_t> snapshot);
  std::string snapshot_sql(const TableName& name, std::optional<int64_t> snapshot);
  WriteResult write_files_sized(engine::Connection& connection, const TableName& table,
                                const std::string& select_sql, WriteMode mode, uint64_t file_bytes);
  // Commits a metadata-only version `next` of the table (rollback, expiry): kConflict when
  // another writer committed since `state` was read.
  void commit_metadata(const TableState& state, iceberg::TableMetadata next,
                       int64_t current_snapshot, const std::vector<int64_t>& expired,
                       const std::vector<std::string>& forgotten_files);
  // Commits a copy-on-write change: `written` replaces `removed`, read at `read_snapshot`.
  int64_t commit_rewrite(const TableName& table, WriteResult& written,
                         const std::vector<std::string>& removed, int64_t read_snapshot,
                         const std::string& operation, bool serializable);
  void attach_table(engine::Connection& connection, const TableInfo& table);
  int64_t write_and_commit(engine::Connection& connection, const TableName& table,
                           const std::string& select_sql, WriteMode mode, uint64_t* rows_written);
  std::shared_ptr<const iceberg::TableMetadata> load_metadata(const std::string& location);
  void remember_metadata(const std::string& location,
                         std::shared_ptr<const iceberg::TableMetadata> metadata);
  void prepare_version(TableChange& change,
                       std::shared_ptr<const iceberg::TableMetadata>& prepared);
};

// The SQL that creates schema `space` if needed.
std::string create_schema_sql(const std::string& space);

}  // namespace strata::lake
