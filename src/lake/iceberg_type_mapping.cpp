#include "lake/iceberg_type_mapping.hpp"

#include "core/error.hpp"

namespace strata::lake::iceberg {

namespace {

Type nested(TypeId id, const engine::ColumnType& type, const std::string& column) {
  Type out;
  out.id = id;
  for (size_t i = 0; i < type.children.size(); ++i) {
    Field field;
    field.name = type.child_names[i];
    // Map keys are always required in Iceberg; everything else may hold nulls.
    field.required = id == TypeId::kMap && i == 0;
    field.type = iceberg_type_of(type.children[i], column + "." + field.name);
    out.fields.push_back(std::move(field));
  }
  return out;
}

}  // namespace

Type iceberg_type_of(const engine::ColumnType& type, const std::string& column) {
  switch (type.id) {
    case DUCKDB_TYPE_BOOLEAN:
      return primitive(TypeId::kBoolean);
    case DUCKDB_TYPE_TINYINT:
    case DUCKDB_TYPE_SMALLINT:
    case DUCKDB_TYPE_INTEGER:
    case DUCKDB_TYPE_UTINYINT:
    case DUCKDB_TYPE_USMALLINT:
      return primitive(TypeId::kInt);
    case DUCKDB_TYPE_BIGINT:
    case DUCKDB_TYPE_UINTEGER:
    case DUCKDB_TYPE_INTEGER_LITERAL:
      return primitive(TypeId::kLong);
    case DUCKDB_TYPE_UBIGINT:
      return decimal(20, 0);
    case DUCKDB_TYPE_HUGEINT:
    case DUCKDB_TYPE_UHUGEINT:
      return decimal(38, 0);
    case DUCKDB_TYPE_FLOAT:
      return primitive(TypeId::kFloat);
    case DUCKDB_TYPE_DOUBLE:
      return primitive(TypeId::kDouble);
    case DUCKDB_TYPE_DECIMAL:
      return decimal(type.width, type.scale);
    case DUCKDB_TYPE_DATE:
      return primitive(TypeId::kDate);
    case DUCKDB_TYPE_TIME:
    case DUCKDB_TYPE_TIME_NS:
      return primitive(TypeId::kTime);
    case DUCKDB_TYPE_TIMESTAMP:
    case DUCKDB_TYPE_TIMESTAMP_S:
    case DUCKDB_TYPE_TIMESTAMP_MS:
    case DUCKDB_TYPE_TIMESTAMP_NS:
      return primitive(TypeId::kTimestamp);
    case DUCKDB_TYPE_TIMESTAMP_TZ:
      return primitive(TypeId::kTimestampTz);
    case DUCKDB_TYPE_VARCHAR:
    case DUCKDB_TYPE_ENUM:
    case DUCKDB_TYPE_TIME_TZ:
    case DUCKDB_TYPE_INTERVAL:
    case DUCKDB_TYPE_BIT:
    case DUCKDB_TYPE_BIGNUM:
    case DUCKDB_TYPE_SQLNULL:
    case DUCKDB_TYPE_STRING_LITERAL:
      return primitive(TypeId::kString);
    case DUCKDB_TYPE_UUID:
      return primitive(TypeId::kUuid);
    case DUCKDB_TYPE_BLOB:
      return primitive(TypeId::kBinary);
    case DUCKDB_TYPE_LIST:
    case DUCKDB_TYPE_ARRAY:
      return nested(TypeId::kList, type, column);
    case DUCKDB_TYPE_MAP:
      return nested(TypeId::kMap, type, column);
    case DUCKDB_TYPE_STRUCT:
      return nested(TypeId::kStruct, type, column);
    default:
      throw Error(ErrorKind::kInput,
                  "column '" + column +
                      "' has a DuckDB type (such as UNION) that no Iceberg type can hold; cast it "
                      "(e.g. to VARCHAR or a STRUCT) in the query");
  }
}

bool writes_as(const engine::ColumnType& duckdb, const Type& type) {
  switch (type.id) {
    case TypeId::kBoolean:
      return duckdb.id == DUCKDB_TYPE_BOOLEAN;
    case TypeId::kInt:
      return duckdb.id == DUCKDB_TYPE_INTEGER;
    case TypeId::kLong:
      return duckdb.id == DUCKDB_TYPE_BIGINT;
    case TypeId::kFloat:
      return duckdb.id == DUCKDB_TYPE_FLOAT;
    case TypeId::kDouble:
      return duckdb.id == DUCKDB_TYPE_DOUBLE;
    case TypeId::kDecimal:
      return duckdb.id == DUCKDB_TYPE_DECIMAL && duckdb.width == type.precision &&
             duckdb.scale == type.scale;
    case TypeId::kDate:
      return duckdb.id == DUCKDB_TYPE_DATE;
    case TypeId::kTime:
      return duckdb.id == DUCKDB_TYPE_TIME;
    case TypeId::kTimestamp:
      return duckdb.id == DUCKDB_TYPE_TIMESTAMP;
    case TypeId::kTimestampTz:
      return duckdb.id == DUCKDB_TYPE_TIMESTAMP_TZ;
    case TypeId::kString:
      return duckdb.id == DUCKDB_TYPE_VARCHAR;
    case TypeId::kUuid:
      return duckdb.id == DUCKDB_TYPE_UUID;
    case TypeId::kBinary:
      return duckdb.id == DUCKDB_TYPE_BLOB;
    case TypeId::kStruct:
    case TypeId::kList:
    case TypeId::kMap: {
      const duckdb_type expected = type.id == TypeId::kStruct ? DUCKDB_TYPE_STRUCT
                                   : type.id == TypeId::kList ? DUCKDB_TYPE_LIST
                                                              : DUCKDB_TYPE_MAP;
      if (duckdb.id != expected || duckdb.children.size() != type.fields.size()) return false;
      for (size_t i = 0; i < type.fields.size(); ++i) {
        if (duckdb.child_names[i] != type.fields[i].name ||
            !writes_as(duckdb.children[i], type.fields[i].type)) {
          return false;
        }
      }
      return true;
    }
  }
  return false;
}

}  // namespace strata::lake::iceberg
