// How NDJSON files are read into a bronze table and its quarantine, in two parallel scans of the
// lines: the first infers the structure of the object lines and counts the lines that are not
// objects, the second types and writes the object lines. Lines are read by the CSV reader as one
// JSON column, so a line that is not valid JSON is rejected by the reader itself with its exact
// line number and byte offset, and never takes its neighbours with it. Only when some lines are
// valid JSON but not objects (rare) does a third, numbered scan find their lines.
#pragma once

#include <string>
#include <vector>

#include "core/config.hpp"
#include "engine/database.hpp"

namespace strata::ingest {

struct NdjsonPlan {
  std::string select_sql;      // the bronze rows (with `lineage` columns)
  std::string quarantine_sql;  // run after select_sql: every line that was not loaded
};

// `files`: the paths to read; `lineage`: the SQL of the lineage columns (it may use the column
// `_strata_file`); `quarantine_stamp`: the SQL of the quarantine's `_strata_loaded_at` and
// `_strata_batch_id` columns; `suffix` names this load's temporary tables.
NdjsonPlan plan_ndjson(engine::Connection& connection, const FileTableConfig& table,
                       const std::vector<std::string>& files, const std::string& lineage,
                       const std::string& quarantine_stamp, const std::string& suffix);

// The temporary tables plan_ndjson's queries leave in the session.
std::vector<std::string> ndjson_temporary_tables(const std::string& suffix);

}  // namespace strata::ingest
