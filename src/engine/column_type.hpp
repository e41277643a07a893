// The types of a query's result columns, nested ones included (STRUCT, LIST, ARRAY, MAP, DECIMAL
// with its precision), read from DuckDB's logical types by binding the query without running it;
// and the value of any result cell, nested or not, as JSON. The lake maps these types to Apache
// Iceberg types and reads the per-file statistics that DuckDB's COPY returns as nested maps.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "engine/database.hpp"

namespace strata::engine {

struct ColumnType {
  duckdb_type id = DUCKDB_TYPE_INVALID;
  uint8_t width = 0;  // DECIMAL precision
  uint8_t scale = 0;  // DECIMAL scale
  // STRUCT: its fields; LIST and ARRAY: "element"; MAP: "key" and "value".
  std::vector<std::string> child_names;
  std::vector<ColumnType> children;
  bool operator==(const ColumnType&) const = default;
};

struct ResultColumn {
  std::string name;
  ColumnType type;
};

ColumnType column_type_of(duckdb_logical_type type);

// The columns `sql` (one SELECT) returns, found by binding it: nothing is read or computed.
std::vector<ResultColumn> describe_query(Connection& connection, const std::string& sql);

// A cell as JSON: NULL as null, numbers and booleans as such, text as strings, LIST as an array,
// STRUCT as an object, MAP as an object when its keys are text (else an array of [key, value]).
// Types other than these throw kEngine.
nlohmann::json cell_json(const Chunk& chunk, size_t column, uint64_t row);

}  // namespace strata::engine
