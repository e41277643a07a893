// File pruning for one query: before a SELECT runs on a connection where Lake::attach_all made
// every table a view over all its live data files, attach_for_query re-attaches each table the
// query reads, in that connection, over only the files that may hold rows the query's predicates
// accept (lake/query_scans.hpp finds the predicates, lake/file_pruning.hpp decides per file from
// partition values and column statistics). A table also read without usable predicates, or
// through a lake view, keeps every file; a query that cannot be analysed changes nothing.
#pragma once

#include <string>
#include <vector>

#include "engine/database.hpp"
#include "lake/table_store.hpp"

namespace strata::lake {

// What attach_for_query did for one table the query reads with predicates.
struct PruningReport {
  TableName table;
  size_t files = 0;                  // live in the snapshot
  size_t read = 0;                   // attached for the query
  size_t skipped_by_partition = 0;   // by their partition tuple
  size_t skipped_by_statistics = 0;  // by column bounds and null counts
};

// Each report is also logged at debug level ("file pruning"). Never fails the query: a table
// that cannot be read is left as attached (its query reports the problem).
std::vector<PruningReport> attach_for_query(Lake& lake, engine::Connection& connection,
                                            const std::string& sql);

}  // namespace strata::lake
