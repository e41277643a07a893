// How NDJSON files are read into a bronze table and its quarantine. Two parallel scans of the
// lines (split by the CSV reader, one VARCHAR column) do the work: the first infers the structure
// of the object lines and counts the lines that are not objects, the second types and writes the
// object lines. Lines the reader itself rejects (not UTF-8, too long) come with their exact line
// and byte offset. Only when some lines are not JSON objects (invalid JSON, arrays, scalars) does
// a third, numbered scan find their line numbers; a broken line never takes its neighbours with it.
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
