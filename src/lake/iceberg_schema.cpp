#include "lake/iceberg_schema.hpp"

#include <algorithm>
#include <cctype>

#include "core/error.hpp"
#include "engine/database.hpp"

namespace strata::lake::iceberg {

namespace {

using nlohmann::json;

struct PrimitiveName {
  TypeId id;
  const char* iceberg;
  const char* duckdb;
};

constexpr PrimitiveName kPrimitives[] = {
    {TypeId::kBoolean, "boolean", "BOOLEAN"},
    {TypeId::kInt, "int", "INTEGER"},
    {TypeId::kLong, "long", "BIGINT"},
    {TypeId::kFloat, "float", "FLOAT"},
    {TypeId::kDouble, "double", "DOUBLE"},
    {TypeId::kDate, "date", "DATE"},
    {TypeId::kTime, "time", "TIME"},
    {TypeId::kTimestamp, "timestamp", "TIMESTAMP"},
    {TypeId::kTimestampTz, "timestamptz", "TIMESTAMPTZ"},
    {TypeId::kString, "string", "VARCHAR"},
    {TypeId::kUuid, "uuid", "UUID"},
    {TypeId::kBinary, "binary", "BLOB"},
};

const PrimitiveName* primitive_name(TypeId id) {
  for (const auto& p : kPrimitives) {
    if (p.id == id) return &p;
  }
  return nullptr;
}

[[noreturn]] void malformed(const std::string& what) {
  throw Error(ErrorKind::kStorage, "malformed Iceberg schema: " + what);
}

std::string decimal_text(const Type& type) {
  return "decimal(" + std::to_string(type.precision) + ", " + std::to_string(type.scale) + ")";
}

// "decimal(10, 2)" or "decimal(10,2)": precision and scale, or false.
bool parse_decimal(std::string_view text, int& precision, int& scale) {
  std::string compact;
  for (char c : text) {
    if (!std::isspace(static_cast<unsigned char>(c))) compact += c;
  }
  return std::sscanf(compact.c_str(), "decimal(%d,%d)", &precision, &scale) == 2 &&
         compact.back() == ')' && precision > 0 && precision <= 38 && scale >= 0 &&
         scale <= precision;
}

const json& member(const json& object, const char* key) {
  auto found = object.find(key);
  if (found == object.end()) malformed(std::string("missing \"") + key + "\" in " + object.dump());
  return *found;
}

Field field_from_json(int id, std::string name, bool required, const json& type_json) {
  return Field{id, std::move(name), required, type_from_json(type_json)};
}

}  // namespace

const Field* Schema::find(std::string_view name) const {
  for (const Field& field : fields) {
    if (field.name == name) return &field;
  }
  return nullptr;
}

const Field* Schema::find_id(int id) const {
  for (const Field& field : fields) {
    if (field.id == id) return &field;
  }
  return nullptr;
}

static int highest_id(const std::vector<Field>& fields) {
  int highest = 0;
  for (const Field& field : fields) {
    highest = std::max({highest, field.id, highest_id(field.type.fields)});
  }
  return highest;
}

int Schema::highest_field_id() const {
  return highest_id(fields);
}

Type primitive(TypeId id) {
  Type type;
  type.id = id;
  return type;
}

Type decimal(int precision, int scale) {
  Type type;
  type.id = TypeId::kDecimal;
  type.precision = precision;
  type.scale = scale;
  return type;
}

bool same_shape(const Type& a, const Type& b) {
  if (a.id != b.id || a.precision != b.precision || a.scale != b.scale ||
      a.fields.size() != b.fields.size()) {
    return false;
  }
  for (size_t i = 0; i < a.fields.size(); ++i) {
    if (a.fields[i].name != b.fields[i].name || !same_shape(a.fields[i].type, b.fields[i].type)) {
      return false;
    }
  }
  return true;
}

std::string type_name(const Type& type) {
  switch (type.id) {
    case TypeId::kDecimal:
      return decimal_text(type);
    case TypeId::kStruct: {
      std::string out = "struct<";
      for (size_t i = 0; i < type.fields.size(); ++i) {
        out += (i ? ", " : "") + type.fields[i].name + ": " + type_name(type.fields[i].type);
      }
      return out + ">";
    }
    case TypeId::kList:
      return "list<" + type_name(type.fields.at(0).type) + ">";
    case TypeId::kMap:
      return "map<" + type_name(type.fields.at(0).type) + ", " + type_name(type.fields.at(1).type) +
             ">";
    default:
      return primitive_name(type.id)->iceberg;
  }
}

json fields_to_json(const std::vector<Field>& fields) {
  json out = json::array();
  for (const Field& field : fields) {
    out.push_back({{"id", field.id},
                   {"name", field.name},
                   {"required", field.required},
                   {"type", type_to_json(field.type)}});
  }
  return out;
}

json type_to_json(const Type& type) {
  switch (type.id) {
    case TypeId::kStruct:
      return {{"type", "struct"}, {"fields", fields_to_json(type.fields)}};
    case TypeId::kList: {
      const Field& element = type.fields.at(0);
      return {{"type", "list"},
              {"element-id", element.id},
              {"element", type_to_json(element.type)},
              {"element-required", element.required}};
    }
    case TypeId::kMap: {
      const Field& key = type.fields.at(0);
      const Field& value = type.fields.at(1);
      return {{"type", "map"},
              {"key-id", key.id},
              {"key", type_to_json(key.type)},
              {"value-id", value.id},
              {"value", type_to_json(value.type)},
              {"value-required", value.required}};
    }
    case TypeId::kDecimal:
      return decimal_text(type);
    default:
      return primitive_name(type.id)->iceberg;
  }
}

Type type_from_json(const json& j) {
  if (j.is_string()) {
    const std::string text = j.get<std::string>();
    for (const auto& p : kPrimitives) {
      if (text == p.iceberg) return primitive(p.id);
    }
    int precision = 0;
    int scale = 0;
    if (text.rfind("decimal", 0) == 0 && parse_decimal(text, precision, scale)) {
      return decimal(precision, scale);
    }
    throw Error(ErrorKind::kStorage, "the Iceberg type '" + text + "' is not supported yet");
  }
  if (!j.is_object()) malformed("a type is neither a string nor an object: " + j.dump());
  const std::string kind = member(j, "type").get<std::string>();
  Type type;
  if (kind == "struct") {
    type.id = TypeId::kStruct;
    for (const json& f : member(j, "fields")) {
      type.fields.push_back(field_from_json(member(f, "id").get<int>(),
                                            member(f, "name").get<std::string>(),
                                            member(f, "required").get<bool>(), member(f, "type")));
    }
  } else if (kind == "list") {
    type.id = TypeId::kList;
    type.fields.push_back(field_from_json(member(j, "element-id").get<int>(), "element",
                                          member(j, "element-required").get<bool>(),
                                          member(j, "element")));
  } else if (kind == "map") {
    type.id = TypeId::kMap;
    type.fields.push_back(
        field_from_json(member(j, "key-id").get<int>(), "key", true, member(j, "key")));
    type.fields.push_back(field_from_json(member(j, "value-id").get<int>(), "value",
                                          member(j, "value-required").get<bool>(),
                                          member(j, "value")));
  } else {
    malformed("unknown nested type '" + kind + "'");
  }
  return type;
}

json schema_to_json(const Schema& schema) {
  return {{"type", "struct"},
          {"schema-id", schema.schema_id},
          {"fields", fields_to_json(schema.fields)}};
}

Schema schema_from_json(const json& j) {
  try {
    Schema schema;
    schema.schema_id = j.value("schema-id", 0);
    Type root = type_from_json({{"type", "struct"}, {"fields", member(j, "fields")}});
    schema.fields = std::move(root.fields);
    return schema;
  } catch (const json::exception& e) {
    malformed(e.what());
  }
}

std::string duckdb_type_sql(const Type& type) {
  switch (type.id) {
    case TypeId::kDecimal:
      return "DECIMAL(" + std::to_string(type.precision) + "," + std::to_string(type.scale) + ")";
    case TypeId::kStruct: {
      std::string out = "STRUCT(";
      for (size_t i = 0; i < type.fields.size(); ++i) {
        out += (i ? ", " : "") + engine::quote_identifier(type.fields[i].name) + " " +
               duckdb_type_sql(type.fields[i].type);
      }
      return out + ")";
    }
    case TypeId::kList:
      return duckdb_type_sql(type.fields.at(0).type) + "[]";
    case TypeId::kMap:
      return "MAP(" + duckdb_type_sql(type.fields.at(0).type) + ", " +
             duckdb_type_sql(type.fields.at(1).type) + ")";
    default:
      return primitive_name(type.id)->duckdb;
  }
}

std::string field_ids_sql(const std::vector<Field>& fields) {
  std::string out = "{";
  for (size_t i = 0; i < fields.size(); ++i) {
    const Field& field = fields[i];
    out += (i ? ", " : "") + engine::quote_literal(field.name) + ": ";
    if (field.type.is_nested()) {
      // A nested field's own id goes in __duckdb_field_id, its children's beside it.
      std::string children = field_ids_sql(field.type.fields);
      out += "{__duckdb_field_id: " + std::to_string(field.id) + ", " + children.substr(1);
    } else {
      out += std::to_string(field.id);
    }
  }
  return out + "}";
}

}  // namespace strata::lake::iceberg
