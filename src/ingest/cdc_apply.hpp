// Applying one batch of change data capture rows (PostgreSQL logical replication or the MySQL
// binary log) to a table's bronze and current-state tables in one atomic commit, with the new
// replication position as source state. The changes arrive as text values of the source's
// columns plus lineage values (`_strata_op` first, then the position columns); they are staged
// in the engine, cast to the bronze column types (columns added to the source since are added to
// bronze), appended to bronze in change order, and merged into the current-state table: upserts
// by key, deletes removing the key or, with `deletes: soft`, keeping it flagged
// `_strata_deleted`, and a `truncate` row emptying (or flagging) every row before it.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/config.hpp"
#include "engine/database.hpp"
#include "lake/table_store.hpp"

namespace strata::ingest {

struct CdcColumn {
  std::string name;
  std::string type;  // DuckDB type of a lineage column; source columns are staged as VARCHAR
};

struct CdcRow {
  std::vector<engine::Value> lineage;              // by CdcChanges::lineage
  std::vector<std::optional<std::string>> values;  // by CdcChanges::columns (empty: all NULL)
};

struct CdcChanges {
  std::vector<CdcColumn> lineage;     // `_strata_op` first, then the position columns
  std::vector<std::string> columns;   // the source's columns, in order
  std::vector<CdcRow> rows;           // in change order
  std::vector<std::string> order_by;  // lineage columns ordering the changes (current state)
};

struct CdcTarget {
  lake::TableName bronze;
  const DatabaseTableConfig* table = nullptr;  // primary key, current_state, deletes
  std::string origin;                          // `_strata_source`
  std::vector<lake::StateChange> state;        // the new position, committed with the rows
  Location where;
  // The SQL turning a staged text column into the bronze column's type (default: CAST).
  std::function<std::string(const std::string& column, const std::string& type)> typed;
};

// Commits the batch; `snapshot` gets bronze's new snapshot id. Returns the rows of the
// current-state table when it was updated.
std::optional<uint64_t> apply_cdc_changes(engine::Connection& connection, lake::Lake& lake,
                                          const CdcTarget& target, CdcChanges& changes,
                                          int64_t& snapshot);

}  // namespace strata::ingest
