// Loading a table of a database source (`postgres`, or `mysql` for MySQL and MariaDB) into its
// bronze table `<source>.<table>`. Rows stream from the server through DuckDB's extension for it
// (PostgreSQL: binary COPY; MySQL: an unbuffered result) straight into the Parquet files of the
// load, never held whole in memory. A full load appends a consistent snapshot of the table
// (or query) each run; an incremental load appends the rows whose cursor column is above the
// committed high-water mark minus the lookback window, and commits the new high-water mark in the
// same atomic commit as the rows, so an interrupted load run again neither loses nor duplicates a
// row beyond that window (with a primary key, rows the window re-reads unchanged are skipped).
// Every row carries `_strata_loaded_at`, `_strata_batch_id` and `_strata_source`. A connection
// failure is retried with backoff; after the last attempt nothing has been committed. Inside a
// pipeline run, an `interval_bounded` table loads the rows whose cursor lies in the run's data
// interval instead, and replaces the bronze rows of that interval in the same commit, so loading
// an interval again (a backfill, a rerun) neither loses nor duplicates a row.
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
  bool interval_bounded = false;         // loaded the rows of a data interval (LoadInterval)
  uint64_t rows_replaced = 0;            // ... and removed the rows loaded for it before
};

// A pipeline run's data interval [start, end), which bounds the loads of `interval_bounded`
// tables. A TIMESTAMPTZ cursor is compared with the instants, a DATE or TIMESTAMP cursor (no time
// zone) with the same instants as wall-clock times in the pipeline's time zone.
struct LoadInterval {
  std::string start_utc, end_utc;      // "2026-01-01 00:00:00+00"
  std::string start_local, end_local;  // "2026-01-01 01:00:00" (e.g. Europe/Paris)
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
// what `in_snapshot` returns. `interval`: the data interval of the pipeline run loading it
// (nothing outside a run, or for a run whose interval is empty); it bounds only tables with
// `interval_bounded: true`.
DatabaseLoadResult load_database_table(const SourceConfig& source, const TableConfig& table,
                                       lake::Lake& lake, engine::Connection& connection,
                                       const std::function<void(const LoadProgress&)>& on_progress,
                                       const std::vector<lake::StateChange>& extra_state = {},
                                       const InSnapshot& in_snapshot = {},
                                       const std::optional<LoadInterval>& interval = std::nullopt);

}  // namespace strata::ingest
