// Replacing a slice of a lake table in one atomic commit, for the incremental strategies that
// overwrite what the new rows cover (insert_overwrite: the partitions they touch; microbatch: the
// batch's time window). Composed from the lake's public calls: one scan of the table's live files
// finds those holding rows of the slice, their other rows and the new rows are written as new
// files, and one commit removes exactly the files it rewrote (a concurrent commit that removed
// data since the read is a conflict, nothing committed). Files without rows of the slice are
// untouched. Also here: giving a table the partition spec a model's `partition_by` asks for.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/database.hpp"
#include "lake/table_store.hpp"

namespace strata::transform {

// Replaces the rows of `table` for which `predicate` holds (DuckDB SQL over the table's columns,
// qualified with `t.`) by the rows of `new_rows_sql`, in one commit. A missing table is created
// from the new rows. Returns the rows of `new_rows_sql`.
uint64_t replace_rows(lake::Lake& lake, engine::Connection& connection,
                      const lake::TableName& table, const std::string& predicate,
                      const std::string& new_rows_sql);

// Makes `partition_by` ("day(ts)", "region", ... one field each; empty: leave the table alone)
// the table's default partition spec when it is not already. The table must have data.
void apply_partition_by(lake::Lake& lake, const lake::TableName& table,
                        const std::vector<std::string>& partition_by);

// Writes `select_sql` as the whole new version of `table` (lake::Lake::overwrite), partitioned by
// `partition_by` when given: a table that does not exist yet is first created empty so that its
// first data files are already split by partition.
uint64_t overwrite_partitioned(lake::Lake& lake, engine::Connection& connection,
                               const lake::TableName& table, const std::string& select_sql,
                               const std::vector<std::string>& partition_by);

// insert_overwrite: the predicate selecting the target rows (`t.`) in the partitions that the
// rows of `staged` touch, by the table's current partition spec; empty when the table is
// unpartitioned (then the whole table is replaced).
std::string touched_partitions_predicate(lake::Lake& lake, const lake::TableName& table,
                                         const std::string& staged);

}  // namespace strata::transform
