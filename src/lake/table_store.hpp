// The lake: every table is an Apache Iceberg (format version 2) table under
// `<lake>/<namespace>/<table>/`: immutable Parquet data files (zstd, with Iceberg field ids) in
// `data/`, and in `metadata/` the table metadata JSON, manifest lists and manifests. Writers first
// write files nobody references (data, then the new metadata version), then commit: the catalog's
// compare-and-swap of the table's current metadata location makes the version visible, atomically
// across every table and source state of the commit. A crash before the commit leaves only
// unreferenced files (removed by orphan cleanup), so committed data stays readable and uncommitted
// data is never visible. strata reads a table as a DuckDB view `namespace.table` over the data
// files the catalog lists for the snapshot current when it attached it; any Iceberg reader reads
// the same table from its metadata file.
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

namespace strata::lake {

struct WriteResult {
  std::vector<DataFile> files;
  uint64_t rows = 0;
  uint64_t bytes = 0;
};

class Lake {
 public:
  Lake(std::filesystem::path root, MetadataStore& store);

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

  // Makes every table and view of the catalog queryable in `connection` as `namespace.name`.
  void attach_all(engine::Connection& connection);
  // Re-attaches one table at its current snapshot (after a commit in the same process).
  void attach(engine::Connection& connection, const TableName& table);
  // Makes `table` as it was at `snapshot_id` (any snapshot it ever had) queryable as the view
  // `view_name`; kInput when the table has no such snapshot.
  void attach_at(engine::Connection& connection, const TableName& table, int64_t snapshot_id,
                 const std::string& view_name);

  // The table's current Iceberg metadata (none for views and tables not yet committed).
  std::optional<iceberg::TableMetadata> table_metadata(const TableName& table);

  // Deletes data files no snapshot references (leftovers of interrupted writes) that are older
  // than `min_age`, so that files a concurrent writer is about to commit are left alone.
  size_t remove_orphan_files(std::chrono::seconds min_age = std::chrono::hours(1));

 private:
  std::filesystem::path root_;
  MetadataStore& store_;
  // Metadata files never change once written, so parsed ones are kept by location (the versions
  // this process committed included): a writer appending again parses nothing.
  std::mutex metadata_mutex_;
  std::map<std::string, std::shared_ptr<const iceberg::TableMetadata>> metadata_cache_;

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
