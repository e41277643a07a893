#include "serve/pgwire/pg_types.hpp"

#include <array>
#include <utility>

#include "engine/database.hpp"
#include "engine/duckdb_api.hpp"

namespace strata::serve::pgwire {

namespace {

// Element type -> array type, for the types strata sends.
constexpr std::array<std::pair<uint32_t, uint32_t>, 21> kArrayTypes = {{
    {oid::kBool, 1000},        {oid::kBytea, 1001},     {oid::kChar, 1002},    {oid::kName, 1003},
    {oid::kInt2, 1005},        {oid::kInt4, 1007},      {oid::kText, 1009},    {oid::kBpchar, 1014},
    {oid::kVarchar, 1015},     {oid::kInt8, 1016},      {oid::kFloat4, 1021},  {oid::kFloat8, 1022},
    {oid::kOid, 1028},         {oid::kTimestamp, 1115}, {oid::kDate, 1182},    {oid::kTime, 1183},
    {oid::kTimestamptz, 1185}, {oid::kInterval, 1187},  {oid::kNumeric, 1231}, {oid::kTimetz, 1270},
    {oid::kUuid, 2951},
}};

struct TypeNames {
  uint32_t oid;
  const char* name;
};
constexpr std::array<TypeNames, 25> kTypeNames = {{
    {oid::kBool, "bool"},
    {oid::kBytea, "bytea"},
    {oid::kChar, "char"},
    {oid::kName, "name"},
    {oid::kInt8, "int8"},
    {oid::kInt2, "int2"},
    {oid::kInt4, "int4"},
    {oid::kText, "text"},
    {oid::kOid, "oid"},
    {oid::kJson, "json"},
    {oid::kFloat4, "float4"},
    {oid::kFloat8, "float8"},
    {oid::kUnknown, "unknown"},
    {oid::kBpchar, "bpchar"},
    {oid::kVarchar, "varchar"},
    {oid::kDate, "date"},
    {oid::kTime, "time"},
    {oid::kTimestamp, "timestamp"},
    {oid::kTimestamptz, "timestamptz"},
    {oid::kInterval, "interval"},
    {oid::kTimetz, "timetz"},
    {oid::kNumeric, "numeric"},
    {oid::kUuid, "uuid"},
    {oid::kJsonb, "jsonb"},
    {199, "json[]"},
}};

// PostgreSQL scalar types a client may declare or send, with the DuckDB type their values are
// bound as and the type a declared parameter is cast to (none for numeric and unknown).
struct ScalarType {
  uint32_t oid;
  duckdb_type duckdb_id;
  const char* cast_name;
};
constexpr ScalarType kScalarTypes[] = {
    {oid::kBool, DUCKDB_TYPE_BOOLEAN, "BOOLEAN"},
    {oid::kInt2, DUCKDB_TYPE_SMALLINT, "SMALLINT"},
    {oid::kInt4, DUCKDB_TYPE_INTEGER, "INTEGER"},
    {oid::kInt8, DUCKDB_TYPE_BIGINT, "BIGINT"},
    {oid::kOid, DUCKDB_TYPE_BIGINT, "BIGINT"},
    {oid::kFloat4, DUCKDB_TYPE_FLOAT, "FLOAT"},
    {oid::kFloat8, DUCKDB_TYPE_DOUBLE, "DOUBLE"},
    {oid::kNumeric, DUCKDB_TYPE_DECIMAL, ""},
    {oid::kText, DUCKDB_TYPE_VARCHAR, "VARCHAR"},
    {oid::kVarchar, DUCKDB_TYPE_VARCHAR, "VARCHAR"},
    {oid::kBpchar, DUCKDB_TYPE_VARCHAR, "VARCHAR"},
    {oid::kName, DUCKDB_TYPE_VARCHAR, "VARCHAR"},
    {oid::kChar, DUCKDB_TYPE_VARCHAR, "VARCHAR"},
    {oid::kUnknown, DUCKDB_TYPE_VARCHAR, ""},
    {oid::kJson, DUCKDB_TYPE_VARCHAR, "JSON"},
    {oid::kJsonb, DUCKDB_TYPE_VARCHAR, "JSON"},
    {oid::kBytea, DUCKDB_TYPE_BLOB, "BLOB"},
    {oid::kDate, DUCKDB_TYPE_DATE, "DATE"},
    {oid::kTime, DUCKDB_TYPE_TIME, "TIME"},
    {oid::kTimestamp, DUCKDB_TYPE_TIMESTAMP, "TIMESTAMP"},
    {oid::kTimestamptz, DUCKDB_TYPE_TIMESTAMP_TZ, "TIMESTAMPTZ"},
    {oid::kInterval, DUCKDB_TYPE_INTERVAL, "INTERVAL"},
    {oid::kUuid, DUCKDB_TYPE_UUID, "UUID"},
};

std::string take_string(char* text) {
  if (!text) return {};
  std::string copy(text);
  engine::duckdb().duckdb_free(text);
  return copy;
}

// Owns a logical type returned by DuckDB for the length of a scope.
class ScopedType {
 public:
  explicit ScopedType(duckdb_logical_type type) : type_(type) {}
  ~ScopedType() {
    if (type_) engine::duckdb().duckdb_destroy_logical_type(&type_);
  }
  ScopedType(const ScopedType&) = delete;
  ScopedType& operator=(const ScopedType&) = delete;
  duckdb_logical_type get() const { return type_; }

 private:
  duckdb_logical_type type_;
};

ValueType describe_child(duckdb_logical_type type) {
  ScopedType owned(type);
  return describe_type(owned.get());
}

// The OID for a scalar DuckDB type; 0 for nested or unsupported ones.
uint32_t scalar_oid(const ValueType& type) {
  switch (type.id) {
    case DUCKDB_TYPE_BOOLEAN:
      return oid::kBool;
    case DUCKDB_TYPE_TINYINT:
    case DUCKDB_TYPE_SMALLINT:
    case DUCKDB_TYPE_UTINYINT:
      return oid::kInt2;
    case DUCKDB_TYPE_INTEGER:
    case DUCKDB_TYPE_USMALLINT:
      return oid::kInt4;
    case DUCKDB_TYPE_BIGINT:
    case DUCKDB_TYPE_UINTEGER:
      return oid::kInt8;
    case DUCKDB_TYPE_UBIGINT:
    case DUCKDB_TYPE_HUGEINT:
    case DUCKDB_TYPE_UHUGEINT:
    case DUCKDB_TYPE_DECIMAL:
      return oid::kNumeric;
    case DUCKDB_TYPE_FLOAT:
      return oid::kFloat4;
    case DUCKDB_TYPE_DOUBLE:
      return oid::kFloat8;
    case DUCKDB_TYPE_VARCHAR:
      return type.is_json ? oid::kJson : oid::kVarchar;
    case DUCKDB_TYPE_ENUM:
      return oid::kVarchar;
    case DUCKDB_TYPE_BLOB:
      return oid::kBytea;
    case DUCKDB_TYPE_DATE:
      return oid::kDate;
    case DUCKDB_TYPE_TIME:
    case DUCKDB_TYPE_TIME_NS:
      return oid::kTime;
    case DUCKDB_TYPE_TIME_TZ:
      return oid::kTimetz;
    case DUCKDB_TYPE_TIMESTAMP:
    case DUCKDB_TYPE_TIMESTAMP_S:
    case DUCKDB_TYPE_TIMESTAMP_MS:
    case DUCKDB_TYPE_TIMESTAMP_NS:
      return oid::kTimestamp;
    case DUCKDB_TYPE_TIMESTAMP_TZ:
      return oid::kTimestamptz;
    case DUCKDB_TYPE_INTERVAL:
      return oid::kInterval;
    case DUCKDB_TYPE_UUID:
      return oid::kUuid;
    case DUCKDB_TYPE_SQLNULL:
    case DUCKDB_TYPE_STRING_LITERAL:
      return oid::kText;
    case DUCKDB_TYPE_INTEGER_LITERAL:
      return oid::kInt4;
    default:
      return oid::kUnspecified;
  }
}

}  // namespace

uint32_t array_type_of(uint32_t element_oid) {
  if (element_oid == oid::kJson) return 199;
  for (const auto& [element, array] : kArrayTypes) {
    if (element == element_oid) return array;
  }
  return 0;
}

uint32_t element_type_of(uint32_t array_oid) {
  if (array_oid == 199) return oid::kJson;
  for (const auto& [element, array] : kArrayTypes) {
    if (array == array_oid) return element;
  }
  return 0;
}

int16_t type_length(uint32_t type_oid) {
  switch (type_oid) {
    case oid::kBool:
    case oid::kChar:
      return 1;
    case oid::kInt2:
      return 2;
    case oid::kInt4:
    case oid::kOid:
    case oid::kFloat4:
    case oid::kDate:
      return 4;
    case oid::kInt8:
    case oid::kFloat8:
    case oid::kTime:
    case oid::kTimestamp:
    case oid::kTimestamptz:
      return 8;
    case oid::kTimetz:
      return 12;
    case oid::kInterval:
    case oid::kUuid:
      return 16;
    case oid::kName:
      return 64;
    default:
      return -1;
  }
}

duckdb_type duckdb_type_for(uint32_t type_oid) {
  for (const ScalarType& scalar : kScalarTypes) {
    if (scalar.oid == type_oid) return scalar.duckdb_id;
  }
  return element_type_of(type_oid) != 0 ? DUCKDB_TYPE_LIST : DUCKDB_TYPE_INVALID;
}

std::string duckdb_cast_type(uint32_t type_oid) {
  for (const ScalarType& scalar : kScalarTypes) {
    if (scalar.oid == type_oid) return scalar.cast_name;
  }
  const uint32_t element = element_type_of(type_oid);
  const std::string element_type = element != 0 ? duckdb_cast_type(element) : "";
  return element_type.empty() ? "" : element_type + "[]";
}

std::string type_name(uint32_t type_oid) {
  for (const auto& entry : kTypeNames) {
    if (entry.oid == type_oid) return entry.name;
  }
  if (const uint32_t element = element_type_of(type_oid)) return type_name(element) + "[]";
  return "oid " + std::to_string(type_oid);
}

std::vector<uint32_t> named_types() {
  std::vector<uint32_t> out;
  for (const auto& entry : kTypeNames) out.push_back(entry.oid);
  for (const auto& [element, array] : kArrayTypes) out.push_back(array);
  return out;
}

ValueType describe_result_column(duckdb_result* result, size_t index) {
  ScopedType owned(engine::duckdb().duckdb_column_logical_type(result, index));
  return describe_type(owned.get());
}

ValueType describe_type(duckdb_logical_type logical) {
  const auto& api = engine::duckdb();
  ValueType type;
  type.id = api.duckdb_get_type_id(logical);
  type.duckdb_name = engine::duckdb_type_name(type.id);
  switch (type.id) {
    case DUCKDB_TYPE_VARCHAR:
      type.is_json = take_string(api.duckdb_logical_type_get_alias(logical)) == "JSON";
      if (type.is_json) type.duckdb_name = "JSON";
      break;
    case DUCKDB_TYPE_DECIMAL:
      type.decimal_width = api.duckdb_decimal_width(logical);
      type.decimal_scale = api.duckdb_decimal_scale(logical);
      type.storage = api.duckdb_decimal_internal_type(logical);
      type.duckdb_name = "DECIMAL(" + std::to_string(type.decimal_width) + "," +
                         std::to_string(type.decimal_scale) + ")";
      break;
    case DUCKDB_TYPE_ENUM: {
      type.storage = api.duckdb_enum_internal_type(logical);
      const uint32_t size = api.duckdb_enum_dictionary_size(logical);
      type.enum_values.reserve(size);
      for (uint32_t i = 0; i < size; ++i) {
        type.enum_values.push_back(take_string(api.duckdb_enum_dictionary_value(logical, i)));
      }
      break;
    }
    case DUCKDB_TYPE_LIST:
      type.children.push_back(describe_child(api.duckdb_list_type_child_type(logical)));
      break;
    case DUCKDB_TYPE_ARRAY:
      type.array_size = api.duckdb_array_type_array_size(logical);
      type.children.push_back(describe_child(api.duckdb_array_type_child_type(logical)));
      break;
    case DUCKDB_TYPE_STRUCT: {
      const idx_t count = api.duckdb_struct_type_child_count(logical);
      for (idx_t i = 0; i < count; ++i) {
        type.field_names.push_back(take_string(api.duckdb_struct_type_child_name(logical, i)));
        type.children.push_back(describe_child(api.duckdb_struct_type_child_type(logical, i)));
      }
      break;
    }
    case DUCKDB_TYPE_MAP:
      type.children.push_back(describe_child(api.duckdb_map_type_key_type(logical)));
      type.children.push_back(describe_child(api.duckdb_map_type_value_type(logical)));
      break;
    default:
      break;
  }

  // What the client is told.
  bool children_supported = true;
  for (const ValueType& child : type.children) children_supported &= child.supported;
  type.supported = children_supported && type.id != DUCKDB_TYPE_UNION &&
                   type.id != DUCKDB_TYPE_BIT && type.id != DUCKDB_TYPE_BIGNUM &&
                   type.id != DUCKDB_TYPE_ANY && type.id != DUCKDB_TYPE_INVALID;
  if (type.id == DUCKDB_TYPE_LIST || type.id == DUCKDB_TYPE_ARRAY) {
    const ValueType& element = type.children.front();
    const uint32_t array = element.sent_as_json ? 0 : array_type_of(element.pg_oid);
    type.pg_oid = array != 0 ? array : oid::kJson;
    type.sent_as_json = array == 0;
    type.duckdb_name = element.duckdb_name + "[]";
  } else if (type.id == DUCKDB_TYPE_STRUCT || type.id == DUCKDB_TYPE_MAP) {
    type.pg_oid = oid::kJson;
    type.sent_as_json = true;
  } else {
    const uint32_t scalar = scalar_oid(type);
    type.pg_oid = scalar != 0 ? scalar : oid::kText;
  }
  if (type.id == DUCKDB_TYPE_DECIMAL) {
    type.pg_modifier = ((static_cast<int32_t>(type.decimal_width) << 16) | type.decimal_scale) + 4;
  }
  return type;
}

}  // namespace strata::serve::pgwire
