// The table requirements and metadata updates of the Iceberg REST catalog protocol (its
// CommitTableRequest), applied to a table's metadata as the spec describes them: requirements
// (assert-create, assert-table-uuid, assert-ref-snapshot-id, assert-last-assigned-field-id,
// assert-current-schema-id, assert-last-assigned-partition-id, assert-default-spec-id,
// assert-default-sort-order-id) are checked against the table's current metadata, then the updates
// (assign-uuid, upgrade-format-version, add-schema, set-current-schema, add-spec, set-default-spec,
// add-sort-order, set-default-sort-order, add-snapshot, set-snapshot-ref, remove-snapshot-ref,
// remove-snapshots, set-location, set-properties, remove-properties, set-statistics,
// remove-statistics) change a copy of it. A requirement that does not hold is kConflict (the
// client's CommitFailedException: it rebuilds its change on the new metadata); a malformed or
// unknown update is kInput naming it. The `-1` ids of set-current-schema, set-default-spec and
// set-default-sort-order mean "the one added last in this commit", as in the spec.
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>

#include "lake/iceberg_metadata.hpp"

namespace strata::lake::iceberg {

// `current` is the table's metadata, nothing for a table that does not exist yet. `table` names
// the table in errors.
void check_requirements(const nlohmann::json& requirements, const TableMetadata* current,
                        const std::string& table);

// Applies `updates` (a JSON array) in order to `metadata`.
void apply_updates(TableMetadata& metadata, const nlohmann::json& updates, const std::string& table,
                   int64_t now_ms);

// The metadata of a new table from a CreateTableRequest's parts: `schema` (with field ids),
// `spec` and `sort_order` (null: unpartitioned, unsorted) and `properties`.
TableMetadata new_table_metadata(const std::string& location, const nlohmann::json& schema,
                                 const nlohmann::json& spec, const nlohmann::json& sort_order,
                                 const nlohmann::json& properties, const std::string& table,
                                 int64_t now_ms);

}  // namespace strata::lake::iceberg
