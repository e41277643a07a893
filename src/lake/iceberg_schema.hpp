// Apache Iceberg schemas (format version 2): primitive types, structs, lists and maps, fields with
// ids and required/optional; their JSON form (spec, Appendix C); and the DuckDB SQL for writing
// values of each type: the DuckDB type a value is cast to, and COPY's FIELD_IDS option, which puts
// the ids into the Parquet schema (nested fields too) so that readers resolve columns by id.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace strata::lake::iceberg {

enum class TypeId {
  kBoolean,
  kInt,
  kLong,
  kFloat,
  kDouble,
  kDecimal,
  kDate,
  kTime,
  kTimestamp,
  kTimestampTz,
  kString,
  kUuid,
  kBinary,
  kStruct,
  kList,
  kMap,
};

struct Field;

struct Type {
  TypeId id = TypeId::kString;
  int precision = 0;  // decimal
  int scale = 0;      // decimal
  // struct: its fields; list: one field named "element"; map: "key" then "value".
  std::vector<Field> fields;

  bool is_nested() const {
    return id == TypeId::kStruct || id == TypeId::kList || id == TypeId::kMap;
  }
  bool operator==(const Type&) const = default;
};

struct Field {
  int id = 0;
  std::string name;
  bool required = false;
  Type type;
  bool operator==(const Field&) const = default;
};

struct Schema {
  int schema_id = 0;
  std::vector<Field> fields;

  const Field* find(std::string_view name) const;
  const Field* find_id(int id) const;  // a top-level field by its field id
  int highest_field_id() const;        // 0 for an empty schema
  bool operator==(const Schema&) const = default;
};

Type primitive(TypeId id);
Type decimal(int precision, int scale);

// The same type apart from field ids and names of nested fields.
bool same_shape(const Type& a, const Type& b);

// Iceberg's name of a type: "long", "decimal(10, 2)", "list<string>", "struct<a: int>".
std::string type_name(const Type& type);

nlohmann::json type_to_json(const Type& type);
Type type_from_json(const nlohmann::json& json);
nlohmann::json fields_to_json(const std::vector<Field>& fields);
nlohmann::json schema_to_json(const Schema& schema);
// Throws kStorage on a malformed schema or a type strata does not support yet.
Schema schema_from_json(const nlohmann::json& json);

// The DuckDB type that stores values of `type`: BIGINT, DECIMAL(10,2), STRUCT("a" INTEGER), ...
std::string duckdb_type_sql(const Type& type);

// COPY's FIELD_IDS option for these fields: {'a': 1, 's': {__duckdb_field_id: 2, 'x': 3}, ...}.
std::string field_ids_sql(const std::vector<Field>& fields);

}  // namespace strata::lake::iceberg
