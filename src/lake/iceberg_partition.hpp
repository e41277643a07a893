// Iceberg partition specs with hidden partitioning (spec: "Partitioning", "Partition Transforms"):
// a spec derives each partition field's value from a source column by a transform (identity,
// year, month, day, hour, truncate[W], bucket[N]), so readers prune data files by those values
// without the table having partition columns. Here: the spec's model and JSON form, its text
// form for the CLI ("day(ts), identity(region)"), the DuckDB SQL computing each partition value
// while writing, the Avro type of the manifest's partition record, and values in Iceberg's
// binary single-value serialization for the manifest list's partition field summaries. A
// partition value is JSON: null, a number (int, long, date as days), a string or a boolean.
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lake/iceberg_schema.hpp"

namespace strata::lake::iceberg {

// Partition field ids start at 1000 (spec: "Partition Specs").
constexpr int kFirstPartitionFieldId = 1000;

struct PartitionField {
  int source_id = 0;
  int field_id = 0;
  std::string name;
  std::string transform;  // "identity", "year", "month", "day", "hour", "truncate[W]", "bucket[N]"
  bool operator==(const PartitionField&) const = default;
};

struct PartitionSpec {
  int spec_id = 0;
  std::vector<PartitionField> fields;  // empty: unpartitioned
  bool operator==(const PartitionSpec&) const = default;
};

nlohmann::json partition_spec_to_json(const PartitionSpec& spec);
// Throws kStorage naming `where` for a malformed spec or a transform strata does not support.
PartitionSpec partition_spec_from_json(const nlohmann::json& json, const std::string& where);

// Parses "day(ts), identity(region), bucket(16, id)" (a bare column name means identity;
// bucket[16](id), truncate(4, s) and truncate[4](s) are accepted too) against `schema`; new
// fields get ids from `last_partition_id` + 1. kInput naming `table` for an unknown column, an
// unknown transform or one that does not apply to the column's type.
std::vector<PartitionField> parse_partition_fields(std::string_view text, const Schema& schema,
                                                   int last_partition_id, const std::string& table);

// "day(ts), identity(region)"
std::string partition_spec_text(const PartitionSpec& spec, const Schema& schema);

// The type of a partition field's values: the source type (identity, truncate), date (day),
// int (year, month, hour, bucket).
Type partition_result_type(const PartitionField& field, const Schema& schema);

// DuckDB SQL computing the field's value from the source column (quoted as in `column_sql`);
// bucket fields call the function lake/iceberg_bucket.hpp registers.
std::string partition_value_sql(const PartitionField& field, const Schema& schema,
                                const std::string& column_sql);

// A value as DuckDB's COPY ... RETURN_STATS reports it (text or null) -> a partition value.
nlohmann::json partition_value_from_text(const Type& type, const std::optional<std::string>& text);

// The Avro schema of a manifest's partition record (r102) for `spec`.
nlohmann::json partition_record_schema(const PartitionSpec& spec, const Schema& schema);

// Iceberg's binary single-value serialization of a non-null partition value.
std::string partition_value_bytes(const Type& type, const nlohmann::json& value);

// True when a < b for two non-null values of `type`.
bool partition_value_less(const nlohmann::json& a, const nlohmann::json& b);

}  // namespace strata::lake::iceberg
