// Iceberg column metrics of a Parquet data file, from the statistics DuckDB's COPY returns for each
// file it writes (RETURN_STATS: per column path such as "s"."p", its size in bytes, null count and
// min/max as text). Columns are matched to field ids through the schema the file was written with.
// Leaf columns outside lists and maps get value counts (the file's record count), null counts and
// bounds; columns inside lists and maps get only their size, as their per-row counts are unknown.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <vector>

#include "lake/iceberg_schema.hpp"
#include "lake/metastore.hpp"

namespace strata::lake {

std::vector<ColumnMetrics> parquet_metrics(const nlohmann::json& column_statistics,
                                           const iceberg::Schema& schema, uint64_t record_count);

}  // namespace strata::lake
