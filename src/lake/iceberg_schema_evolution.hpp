// How a table's Iceberg schema follows the data written to it.
//
// Writing (plan_write): each column of the query is matched by name to the table's current schema,
// nested fields too, and keeps its field id; a new column or nested field gets the next unused id
// (schema evolution by addition). When a column's type changes, a widening Iceberg allows (int to
// long, float to double, decimal(P, S) to decimal(P', S) with P' > P) widens the table's column,
// and a narrower type is written as the table's type (cast). Any other change is a kConflict error
// naming the table and the column when appending; an overwrite replaces every row, so there the
// column simply gets a new id (as if dropped and added again). Columns the table has and the query
// lacks read as NULL after an append and are dropped by an overwrite.
//
// Committing (evolve_schema): the written fields are merged into the schema that is current at
// commit time, which differs from the one the files were planned against only when another writer
// committed in between; field ids that no longer fit are a kConflict (the write is then retried).
#pragma once

#include <string>
#include <vector>

#include "engine/column_type.hpp"
#include "lake/iceberg_schema.hpp"
#include "lake/metastore.hpp"

namespace strata::lake::iceberg {

struct WritePlan {
  Schema file_schema;                    // the columns as written: ids and Iceberg types
  std::vector<std::string> select_list;  // one SQL expression per column, cast where needed
};

// `current` is the table's current schema (null for a new table) and `last_column_id` the highest
// id the table ever assigned. `table` names the table in errors.
WritePlan plan_write(const std::vector<engine::ResultColumn>& columns, const Schema* current,
                     int last_column_id, WriteMode mode, const std::string& table);

struct EvolvedSchema {
  std::vector<Field> fields;
  int last_column_id = 0;
};

EvolvedSchema evolve_schema(const Schema* base, int base_last_column_id, const Schema& written,
                            WriteMode mode, const std::string& table);

// Whether Iceberg allows a column of type `from` to become `to` (format version 2 promotions).
bool is_promotion(const Type& from, const Type& to);

}  // namespace strata::lake::iceberg

namespace strata::lake::iceberg {

// Explicit schema changes (`strata table alter`), by field id so files written before keep their
// data: drop a column, rename it, move it (first, or after another column), or widen its type
// (int to long, float to double, decimal precision; `to` is "long"/"bigint", "double",
// "decimal(P, S)"). Returns the new top-level fields; kInput naming the table and the column when
// the column does not exist, a new name is taken, or a type change is not a promotion.
enum class AlterKind { kDrop, kRename, kMoveFirst, kMoveAfter, kWiden };
struct SchemaAlteration {
  AlterKind kind = AlterKind::kDrop;
  std::string column;
  std::string argument;  // rename: the new name; move-after: the other column; widen: the type
};
std::vector<Field> alter_fields(const Schema& schema, const SchemaAlteration& alteration,
                                const std::string& table);

}  // namespace strata::lake::iceberg
