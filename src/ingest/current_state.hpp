// Current-state tables: for a source table that declares a primary key and `current_state: true`,
// the silver table `<source>_current.<table>` holds the latest row of every key, with the same
// columns as the bronze table. Each load deduplicates its own rows (the latest by the cursor, else
// any one of a key), then merges them: a full load replaces the whole table (its snapshot is the
// current state, so keys gone from the source disappear); an incremental load keeps the rows of
// keys it did not read and replaces the others. The new version is a copy-on-write overwrite
// computed by DuckDB from the load's data files and the current table, added to the same atomic
// commit as the bronze rows and the source state.
#pragma once

#include <string>
#include <vector>

#include "engine/database.hpp"
#include "lake/table_store.hpp"

namespace strata::ingest {

lake::TableName current_state_table(const lake::TableName& bronze);

struct CurrentStateMerge {
  lake::TableName bronze;
  std::vector<std::string> primary_key;
  std::vector<std::string> latest_by;  // columns ordering a key's rows, latest first by each
  bool replace_all = false;            // a full load: the batch is the whole current state
  // CDC: a key whose latest batch row matches this SQL condition (a delete) leaves the table.
  std::string deleted_when;
  // Deleted keys stay, flagged `_strata_deleted` (true) with `_strata_deleted_at` (the load time
  // of the delete); their values are the last known ones. Every row has the flag.
  bool soft_deletes = false;
  // CDC: a batch row with `_strata_op = 'truncate'` deletes (or flags) every row before it.
  bool truncates = false;
  // A key whose row in the table is later by the first `latest_by` column than the batch's keeps
  // it: a reload of a past data interval never brings back an older version of a row.
  bool keep_later = false;
};

// Writes the new version of the current-state table from the batch's data files and adds it to
// `commit` (expecting the current-state table unchanged since it was read). `batch_files` may be
// empty (a full load of an empty table empties the current state). Returns the rows it holds.
uint64_t add_current_state(engine::Connection& connection, lake::Lake& lake,
                           const CurrentStateMerge& merge,
                           const std::vector<lake::DataFile>& batch_files, lake::Commit& commit);

}  // namespace strata::ingest
