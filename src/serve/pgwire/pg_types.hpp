// How DuckDB's types appear to PostgreSQL clients. describe_type() reads a DuckDB logical type
// once into a ValueType tree that carries both what the codecs need to read vectors (physical
// storage, decimal scale, enum dictionary, list/struct children) and what the client is told: the
// PostgreSQL type OID, its length and type modifier. Integers, floats, numeric, text, bytea, dates
// and times, interval, uuid and json map to their PostgreSQL namesakes, lists of those to the
// matching array types, and structs, maps and nested lists to json text.
#pragma once

#include <duckdb.h>

#include <cstdint>
#include <string>
#include <vector>

namespace strata::serve::pgwire {

// PostgreSQL type OIDs (pg_type.oid), as every client library hard-codes them.
namespace oid {
inline constexpr uint32_t kUnspecified = 0;
inline constexpr uint32_t kBool = 16;
inline constexpr uint32_t kBytea = 17;
inline constexpr uint32_t kChar = 18;
inline constexpr uint32_t kName = 19;
inline constexpr uint32_t kInt8 = 20;
inline constexpr uint32_t kInt2 = 21;
inline constexpr uint32_t kInt4 = 23;
inline constexpr uint32_t kText = 25;
inline constexpr uint32_t kOid = 26;
inline constexpr uint32_t kJson = 114;
inline constexpr uint32_t kFloat4 = 700;
inline constexpr uint32_t kFloat8 = 701;
inline constexpr uint32_t kUnknown = 705;
inline constexpr uint32_t kBpchar = 1042;
inline constexpr uint32_t kVarchar = 1043;
inline constexpr uint32_t kDate = 1082;
inline constexpr uint32_t kTime = 1083;
inline constexpr uint32_t kTimestamp = 1114;
inline constexpr uint32_t kTimestamptz = 1184;
inline constexpr uint32_t kInterval = 1186;
inline constexpr uint32_t kTimetz = 1266;
inline constexpr uint32_t kNumeric = 1700;
inline constexpr uint32_t kUuid = 2950;
inline constexpr uint32_t kJsonb = 3802;
}  // namespace oid

// The array type of an element type (int4 -> int4[] 1007), or 0 when PostgreSQL has none here.
uint32_t array_type_of(uint32_t element_oid);
// The element type of an array type (1007 -> int4), or 0 when `array_oid` is not an array type.
uint32_t element_type_of(uint32_t array_oid);
// pg_type.typlen: the fixed size in bytes, or -1 for variable-length types.
int16_t type_length(uint32_t type_oid);
// The DuckDB type a value of a PostgreSQL type is bound as (INVALID when there is none).
duckdb_type duckdb_type_for(uint32_t type_oid);
// The DuckDB type a parameter declared with this OID is cast to ("INTEGER", "TIMESTAMPTZ[]"), or
// empty when there is none (numeric: its values carry their own precision).
std::string duckdb_cast_type(uint32_t type_oid);
// The PostgreSQL type name, for messages ("int4", "timestamptz", "int4[]").
std::string type_name(uint32_t type_oid);
// Every type with a name above, arrays included: what the emulated pg_type lists.
std::vector<uint32_t> named_types();

// A DuckDB column or parameter type, with the PostgreSQL type it is sent as.
struct ValueType {
  duckdb_type id = DUCKDB_TYPE_INVALID;
  std::string duckdb_name;  // for messages ("STRUCT", "DECIMAL(10,2)")
  bool is_json = false;     // VARCHAR with DuckDB's JSON alias
  uint8_t decimal_width = 0;
  uint8_t decimal_scale = 0;
  duckdb_type storage = DUCKDB_TYPE_INVALID;  // physical type of DECIMAL and ENUM values
  std::vector<std::string> enum_values;
  uint64_t array_size = 0;               // fixed-size ARRAY
  std::vector<ValueType> children;       // LIST/ARRAY: element; STRUCT: fields; MAP: key, value
  std::vector<std::string> field_names;  // STRUCT

  uint32_t pg_oid = oid::kText;
  int32_t pg_modifier = -1;
  bool sent_as_json = false;  // structs, maps and nested lists: json text
  bool supported = true;      // false for types the codecs cannot encode (UNION, BIT, BIGNUM)
};

// Reads a logical type (which the caller still owns and destroys).
ValueType describe_type(duckdb_logical_type type);
// The type of column `index` of a result.
ValueType describe_result_column(duckdb_result* result, size_t index);

}  // namespace strata::serve::pgwire
