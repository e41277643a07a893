// Which data files of a table a query can skip: a file is skipped only when its partition tuple
// or its column statistics (lower and upper bounds, null and value counts, from the manifests)
// prove that no row in it satisfies one of the predicates every row read must satisfy
// (lake/query_scans.hpp). Anything unknown (no statistics, a transform or type not handled here, a
// value that does not decode) keeps the file. Bounds and constants are compared in Iceberg's
// value order: unsigned bytes for strings and binary (truncated string bounds still bound),
// unscaled values for decimals, UTC microseconds for timestamps with zone; bounds of files
// written before an int was widened to long decode by their length. Partition values are
// compared after applying the field's transform (identity, year, month, day, hour, truncate[W],
// bucket[N]) to the constant; the temporal and truncate transforms are monotonic, so ranges carry
// over. Float and double columns prune by null counts only (NaN is outside Iceberg's bounds).
#pragma once

#include <string>
#include <vector>

#include "lake/iceberg_partition.hpp"
#include "lake/iceberg_schema.hpp"
#include "lake/metastore.hpp"
#include "lake/query_scans.hpp"

namespace strata::lake {

struct FilePredicate {
  int field_id = 0;
  iceberg::Type type;  // the column's current type
  PredicateOp op = PredicateOp::kEq;
  // The constants, each in Iceberg's binary single-value serialization of `type`, exact.
  std::vector<std::string> values;
};

enum class SkipReason { kNone, kPartition, kStatistics };

// Why no row of `file` can satisfy all `predicates` (kNone: it may). `spec` is the file's
// partition spec, `schema` the table's current schema.
SkipReason skip_reason(const DataFile& file, const iceberg::PartitionSpec& spec,
                       const iceberg::Schema& schema, const std::vector<FilePredicate>& predicates);

// Whether constants of columns of `type` can be compared with bounds here.
bool prunable_type(const iceberg::Type& type);

}  // namespace strata::lake
