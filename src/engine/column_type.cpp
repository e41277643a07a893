#include "engine/column_type.hpp"

#include "core/error.hpp"

namespace strata::engine {

namespace {

using LogicalType = Owned<duckdb_logical_type, &DuckDbApi::duckdb_destroy_logical_type>;

[[noreturn]] void unsupported(duckdb_type type) {
  throw Error(ErrorKind::kEngine,
              "cannot read a value of DuckDB type id " + std::to_string(type) + " as JSON");
}

std::string struct_child_name(duckdb_logical_type type, idx_t index) {
  char* name = duckdb().duckdb_struct_type_child_name(type, index);
  std::string out = name ? name : "";
  if (name) duckdb().duckdb_free(name);
  return out;
}

bool row_is_valid(duckdb_vector vector, uint64_t row) {
  uint64_t* validity = duckdb().duckdb_vector_get_validity(vector);
  return !validity || duckdb().duckdb_validity_row_is_valid(validity, row);
}

template <typename T>
T value_at(duckdb_vector vector, uint64_t row) {
  return static_cast<const T*>(duckdb().duckdb_vector_get_data(vector))[row];
}

nlohmann::json json_at(duckdb_vector vector, duckdb_logical_type type, uint64_t row) {
  const auto& api = duckdb();
  if (!row_is_valid(vector, row)) return nullptr;
  const duckdb_type id = api.duckdb_get_type_id(type);
  switch (id) {
    case DUCKDB_TYPE_BOOLEAN:
      return value_at<bool>(vector, row);
    case DUCKDB_TYPE_TINYINT:
      return value_at<int8_t>(vector, row);
    case DUCKDB_TYPE_SMALLINT:
      return value_at<int16_t>(vector, row);
    case DUCKDB_TYPE_INTEGER:
      return value_at<int32_t>(vector, row);
    case DUCKDB_TYPE_BIGINT:
      return value_at<int64_t>(vector, row);
    case DUCKDB_TYPE_UTINYINT:
      return value_at<uint8_t>(vector, row);
    case DUCKDB_TYPE_USMALLINT:
      return value_at<uint16_t>(vector, row);
    case DUCKDB_TYPE_UINTEGER:
      return value_at<uint32_t>(vector, row);
    case DUCKDB_TYPE_UBIGINT:
      return value_at<uint64_t>(vector, row);
    case DUCKDB_TYPE_FLOAT:
      return value_at<float>(vector, row);
    case DUCKDB_TYPE_DOUBLE:
      return value_at<double>(vector, row);
    case DUCKDB_TYPE_VARCHAR:
    case DUCKDB_TYPE_BLOB: {
      auto value = value_at<duckdb_string_t>(vector, row);
      if (api.duckdb_string_is_inlined(value)) {
        return std::string(value.value.inlined.inlined, value.value.inlined.length);
      }
      return std::string(value.value.pointer.ptr, value.value.pointer.length);
    }
    case DUCKDB_TYPE_LIST:
    case DUCKDB_TYPE_MAP: {
      const auto entry = value_at<duckdb_list_entry>(vector, row);
      duckdb_vector child = api.duckdb_list_vector_get_child(vector);
      if (id == DUCKDB_TYPE_LIST) {
        LogicalType element(api.duckdb_list_type_child_type(type));
        nlohmann::json out = nlohmann::json::array();
        for (uint64_t i = 0; i < entry.length; ++i) {
          out.push_back(json_at(child, element.get(), entry.offset + i));
        }
        return out;
      }
      LogicalType key_type(api.duckdb_map_type_key_type(type));
      LogicalType value_type(api.duckdb_map_type_value_type(type));
      duckdb_vector keys = api.duckdb_struct_vector_get_child(child, 0);
      duckdb_vector values = api.duckdb_struct_vector_get_child(child, 1);
      const bool text_keys = api.duckdb_get_type_id(key_type.get()) == DUCKDB_TYPE_VARCHAR;
      nlohmann::json out = text_keys ? nlohmann::json::object() : nlohmann::json::array();
      for (uint64_t i = 0; i < entry.length; ++i) {
        nlohmann::json key = json_at(keys, key_type.get(), entry.offset + i);
        nlohmann::json value = json_at(values, value_type.get(), entry.offset + i);
        if (text_keys) {
          out[key.get<std::string>()] = std::move(value);
        } else {
          out.push_back(nlohmann::json::array({std::move(key), std::move(value)}));
        }
      }
      return out;
    }
    case DUCKDB_TYPE_STRUCT: {
      nlohmann::json out = nlohmann::json::object();
      const idx_t count = api.duckdb_struct_type_child_count(type);
      for (idx_t i = 0; i < count; ++i) {
        LogicalType child_type(api.duckdb_struct_type_child_type(type, i));
        out[struct_child_name(type, i)] =
            json_at(api.duckdb_struct_vector_get_child(vector, i), child_type.get(), row);
      }
      return out;
    }
    default:
      unsupported(id);
  }
}

}  // namespace

ColumnType column_type_of(duckdb_logical_type type) {
  const auto& api = duckdb();
  ColumnType out;
  out.id = api.duckdb_get_type_id(type);
  auto add_child = [&out](std::string name, duckdb_logical_type child) {
    LogicalType owned(child);
    out.child_names.push_back(std::move(name));
    out.children.push_back(column_type_of(owned.get()));
  };
  switch (out.id) {
    case DUCKDB_TYPE_DECIMAL:
      out.width = api.duckdb_decimal_width(type);
      out.scale = api.duckdb_decimal_scale(type);
      break;
    case DUCKDB_TYPE_LIST:
      add_child("element", api.duckdb_list_type_child_type(type));
      break;
    case DUCKDB_TYPE_ARRAY:
      add_child("element", api.duckdb_array_type_child_type(type));
      break;
    case DUCKDB_TYPE_MAP:
      add_child("key", api.duckdb_map_type_key_type(type));
      add_child("value", api.duckdb_map_type_value_type(type));
      break;
    case DUCKDB_TYPE_STRUCT: {
      const idx_t count = api.duckdb_struct_type_child_count(type);
      for (idx_t i = 0; i < count; ++i) {
        add_child(struct_child_name(type, i), api.duckdb_struct_type_child_type(type, i));
      }
      break;
    }
    default:
      break;
  }
  return out;
}

std::vector<ResultColumn> describe_query(Connection& connection, const std::string& sql) {
  const auto& api = duckdb();
  PreparedStatement statement = connection.prepare(sql);
  const idx_t count = api.duckdb_prepared_statement_column_count(statement.handle());
  std::vector<ResultColumn> columns;
  columns.reserve(count);
  for (idx_t i = 0; i < count; ++i) {
    const char* name = api.duckdb_prepared_statement_column_name(statement.handle(), i);
    std::string owned_name = name ? name : "";
    if (name) api.duckdb_free(const_cast<char*>(name));
    LogicalType type(api.duckdb_prepared_statement_column_logical_type(statement.handle(), i));
    columns.push_back({std::move(owned_name), column_type_of(type.get())});
  }
  return columns;
}

nlohmann::json cell_json(const Chunk& chunk, size_t column, uint64_t row) {
  duckdb_vector vector = chunk.vector(column);
  LogicalType type(duckdb().duckdb_vector_get_column_type(vector));
  return json_at(vector, type.get(), row);
}

}  // namespace strata::engine
