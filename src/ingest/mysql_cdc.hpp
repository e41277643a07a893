// MySQL/MariaDB change data capture (`mode: cdc` on a mysql source) from the row-based binary log.
// The first load makes a full load of the table and commits a binlog position (and MariaDB's GTID
// position) with its rows: on MariaDB the position of the consistent snapshot the rows are read in,
// so no change is both in them and after it; on MySQL the position read just before. Each later
// load connects as a replica (ingest/mysql_client.hpp), reads the binary log from the committed
// position to its end (ingest/mysql_cdc_stream.hpp), appends every insert, update, delete and
// truncate of the table to bronze with `_strata_op`, `_strata_binlog_file`, `_strata_binlog_pos`
// (the end of the transaction), `_strata_gtid` and `_strata_seq`, applies them to the current-state
// table, and commits the position after them in the same atomic commit (ingest/cdc_apply.hpp). The
// position always points at a transaction boundary, so a load interrupted at any point and run
// again applies every change exactly once. The server needs `log_bin` and `binlog_format=ROW` (with
// `binlog_row_image=FULL`); the user REPLICATION SLAVE and BINLOG MONITOR (MySQL: REPLICATION
// CLIENT) besides SELECT.
#pragma once

#include <functional>

#include "core/config.hpp"
#include "engine/database.hpp"
#include "ingest/database_source.hpp"
#include "lake/table_store.hpp"

namespace strata::ingest {

DatabaseLoadResult load_mysql_cdc(const SourceConfig& source, const TableConfig& table,
                                  lake::Lake& lake, engine::Connection& connection,
                                  const std::function<void(const LoadProgress&)>& on_progress);

}  // namespace strata::ingest
