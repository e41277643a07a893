// Loading a table of a database source (`postgres`, or `mysql` for MySQL and MariaDB) into its
// bronze table `<source>.<table>`. Rows stream from the server through DuckDB's extension for it
// (PostgreSQL: binary COPY; MySQL: an unbuffered result) straight into the Parquet files of the
// load, never held whole in memory. A full load appends a consistent snapshot of the table
// (or query) each run; an incremental load appends the rows whose cursor column is above the
// committed high-water mark minus the lookback window, and commits the new high-water mark in the
// same atomic commit as the rows, so an interrupted load run again neither loses nor duplicates a
// row beyond that window (with a primary key, rows the window re-reads unchanged are skipped).
// Every row carries `_strata_loaded_at`, `_strata_batch_id` and `_strata_source`. A connection
// failure is retried with backoff; after the last attempt nothing has been committed.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/config.hpp"
#include "engine/database.hpp"
#include "ingest/file_source.hpp"
#include "lake/table_store.hpp"

namespace strata::ingest {

struct DatabaseLoadResult {
  lake::TableName table;
  LoadMode mode = LoadMode::kFull;
  std::string origin;  // `_strata_source`, e.g. "postgres:shop.public.orders", "mysql:shop.orders"
  std::string cursor_from;  // incremental: the lower bound read from (empty: from the start)
  std::string cursor_to;    // incremental: the high-water mark committed (or kept)
  uint64_t rows_loaded = 0;
  uint64_t bytes = 0;  // Parquet bytes written
  int attempts = 1;
  double seconds = 0;
  int64_t snapshot = 0;                  // 0 when nothing was committed
  std::optional<uint64_t> current_rows;  // rows of the current-state table, when it was updated
};

// Whether a source is a database source (loaded by load_database_table).
bool is_database_source(const SourceConfig& source);

// The state scope of a table's incremental cursor: "<kind>:<source>.<table>".
std::string database_state_scope(const SourceConfig& source, const TableConfig& table);

// Runs first in the transaction the rows are read in (on the source attached as `alias`); the
// state it returns is committed with the rows. A CDC initial load reads its replication position
// there, so the position and the rows describe one moment of the source.
using InSnapshot =
    std::function<std::vector<lake::StateChange>(engine::Connection&, const std::string& alias)>;

// A table in mode: cdc is loaded by load_postgres_cdc (ingest/postgres_cdc.hpp). `extra_state` is
// committed with the load's rows (a CDC initial load commits its replication position), as is
// what `in_snapshot` returns.
DatabaseLoadResult load_database_table(const SourceConfig& source, const TableConfig& table,
                                       lake::Lake& lake, engine::Connection& connection,
                                       const std::function<void(const LoadProgress&)>& on_progress,
                                       const std::vector<lake::StateChange>& extra_state = {},
                                       const InSnapshot& in_snapshot = {});

}  // namespace strata::ingest
