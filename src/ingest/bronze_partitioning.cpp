#include "ingest/bronze_partitioning.hpp"

namespace strata::ingest {

void partition_by_load_day(lake::Lake& lake, const lake::TableName& bronze) {
  const std::optional<lake::iceberg::TableMetadata> metadata = lake.table_metadata(bronze);
  if (!metadata || !metadata->has_schema() || metadata->partition_specs().size() != 1 ||
      !metadata->default_partition_spec().fields.empty()) {
    return;
  }
  bool has_load_time = false;
  for (const auto& field : metadata->current_schema().fields) {
    has_load_time = has_load_time || field.name == "_strata_loaded_at";
  }
  if (has_load_time) lake.set_partition_spec(bronze, "day(_strata_loaded_at)");
}

}  // namespace strata::ingest
