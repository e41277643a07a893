// DuckDB types as Apache Iceberg types. Most map one to one; the others are stored as the nearest
// Iceberg type and cast when written:
//   TINYINT, SMALLINT, UTINYINT, USMALLINT -> int;  UINTEGER -> long;
//   UBIGINT -> decimal(20, 0) (exact); HUGEINT, UHUGEINT -> decimal(38, 0) (values beyond 38
//   digits fail the write with the engine's error);
//   TIMESTAMP_S, TIMESTAMP_MS, TIMESTAMP_NS -> timestamp, TIME_NS -> time (microseconds: the
//   nanoseconds are cut, as format version 2 has no nanosecond types);
//   ARRAY -> list;  ENUM, TIME WITH TIME ZONE, INTERVAL, BIT, BIGNUM and NULL -> string (their
//   text).
// UNION has no Iceberg counterpart: a kInput error asks for a cast. Nested fields get id 0 here;
// ids are assigned by the schema evolution (lake/iceberg_schema_evolution.hpp).
#pragma once

#include <string>

#include "engine/column_type.hpp"
#include "lake/iceberg_schema.hpp"

namespace strata::lake::iceberg {

// Throws kInput naming `column` for a type with no Iceberg counterpart.
Type iceberg_type_of(const engine::ColumnType& type, const std::string& column);

// Whether DuckDB writes values of `duckdb` exactly as Iceberg `type` (same physical type, same
// nested field names in the same order), so that no cast is needed.
bool writes_as(const engine::ColumnType& duckdb, const Type& type);

}  // namespace strata::lake::iceberg
