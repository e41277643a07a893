// The lake: tables as immutable Parquet data files (zstd) under `<lake>/<namespace>/<table>/data/`,
// made visible only by a metadata-store commit. Writers first write files nobody references, then
// commit; a crash before the commit leaves only unreferenced files (removed by orphan cleanup), so
// committed data stays readable and uncommitted data is never visible. Readers see each table at
// the snapshot that was current when they attached it, as a DuckDB view `namespace.table`.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "engine/database.hpp"
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

  // Writes the rows of `select_sql` as new, not yet visible, data files of `table`.
  WriteResult write_files(engine::Connection& connection, const TableName& table,
                          const std::string& select_sql);

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

  // Deletes data files no snapshot references (leftovers of interrupted writes) that are older
  // than `min_age`, so that files a concurrent writer is about to commit are left alone.
  size_t remove_orphan_files(std::chrono::seconds min_age = std::chrono::hours(1));

 private:
  std::filesystem::path root_;
  MetadataStore& store_;
  void attach_table(engine::Connection& connection, const TableInfo& table);
};

// The SQL that creates schema `space` if needed.
std::string create_schema_sql(const std::string& space);

}  // namespace strata::lake
