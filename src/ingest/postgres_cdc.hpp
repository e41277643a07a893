// PostgreSQL change data capture (`mode: cdc`) through logical replication with the `pgoutput`
// plugin. The first load creates the publication of the table (unless `publication:` names an
// existing one) and a logical replication slot (`slot:`, default strata_<source>_<table>), then
// makes a full load of the table, committing the slot's starting position with its rows and which
// transactions the load's snapshot saw (ingest/postgres_snapshot.hpp), so none of those is applied
// again from the slot. Each later load peeks at most `batch_changes` decoded messages from the
// slot (through DuckDB's postgres extension), appends every insert, update and delete to the
// bronze table with `_strata_op`, `_strata_lsn` (the transaction's commit LSN as a number) and
// `_strata_seq` (its order in the transaction), applies them to the current-state table (deletes
// remove the key), and commits the new position in the same atomic commit; only then is the slot
// advanced. A transaction whose commit LSN is below the committed position is skipped, so a load
// interrupted at any point (even between the commit and the slot's advance) and run again applies
// every change exactly once. Each load advances the slot to the server's flushed WAL position even
// when the table did not change, so the slot never holds WAL back for longer than between two
// loads.
#pragma once

#include <functional>

#include "core/config.hpp"
#include "engine/database.hpp"
#include "ingest/database_source.hpp"
#include "lake/table_store.hpp"

namespace strata::ingest {

DatabaseLoadResult load_postgres_cdc(const SourceConfig& source, const TableConfig& table,
                                     lake::Lake& lake, engine::Connection& connection,
                                     const std::function<void(const LoadProgress&)>& on_progress);

}  // namespace strata::ingest
