#include "serve/pgwire/value_codec.hpp"

#include <bit>
#include <charconv>
#include <cstring>
#include <limits>

#include "core/error.hpp"
#include "engine/duckdb_api.hpp"
#include "serve/pgwire/numeric_binary.hpp"
#include "serve/pgwire/text_encoding.hpp"

namespace strata::serve::pgwire {

namespace {

template <typename T>
T value_at(duckdb_vector vector, uint64_t row) {
  return static_cast<const T*>(engine::duckdb().duckdb_vector_get_data(vector))[row];
}

std::string_view string_at(duckdb_vector vector, uint64_t row) {
  auto* value =
      &static_cast<duckdb_string_t*>(engine::duckdb().duckdb_vector_get_data(vector))[row];
  if (engine::duckdb().duckdb_string_is_inlined(*value)) {
    return {value->value.inlined.inlined, value->value.inlined.length};
  }
  return {value->value.pointer.ptr, value->value.pointer.length};
}

template <typename T>
void append_integer(std::string& out, T value) {
  char buffer[24];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  out.append(buffer, result.ptr);
}

__int128 hugeint_at(duckdb_vector vector, uint64_t row) {
  const auto value = value_at<duckdb_hugeint>(vector, row);
  return (static_cast<__int128>(value.upper) << 64) | value.lower;
}

unsigned __int128 uhugeint_at(duckdb_vector vector, uint64_t row) {
  const auto value = value_at<duckdb_uhugeint>(vector, row);
  return (static_cast<unsigned __int128>(value.upper) << 64) | value.lower;
}

__int128 unscaled_decimal_at(const ValueType& type, duckdb_vector vector, uint64_t row) {
  switch (type.storage) {
    case DUCKDB_TYPE_SMALLINT:
      return value_at<int16_t>(vector, row);
    case DUCKDB_TYPE_INTEGER:
      return value_at<int32_t>(vector, row);
    case DUCKDB_TYPE_BIGINT:
      return value_at<int64_t>(vector, row);
    default:
      return hugeint_at(vector, row);
  }
}

uint32_t enum_index_at(const ValueType& type, duckdb_vector vector, uint64_t row) {
  switch (type.storage) {
    case DUCKDB_TYPE_UTINYINT:
      return value_at<uint8_t>(vector, row);
    case DUCKDB_TYPE_USMALLINT:
      return value_at<uint16_t>(vector, row);
    default:
      return value_at<uint32_t>(vector, row);
  }
}

// Timestamps of every precision in microseconds; infinities stay infinities.
int64_t timestamp_micros_at(const ValueType& type, duckdb_vector vector, uint64_t row) {
  const int64_t value = value_at<int64_t>(vector, row);
  constexpr int64_t kInfinity = std::numeric_limits<int64_t>::max();
  if (value == kInfinity || value == -kInfinity) return value;
  switch (type.id) {
    case DUCKDB_TYPE_TIMESTAMP_S:
      return value * kMicrosPerSecond;
    case DUCKDB_TYPE_TIMESTAMP_MS:
      return value * 1000;
    case DUCKDB_TYPE_TIMESTAMP_NS:
      return value >= 0 ? value / 1000 : -((-value + 999) / 1000);
    default:
      return value;
  }
}

struct TimeWithZone {
  int64_t micros;
  int32_t offset_seconds;  // east of UTC
};

TimeWithZone time_tz_at(duckdb_vector vector, uint64_t row) {
  const auto parts = engine::duckdb().duckdb_from_time_tz(value_at<duckdb_time_tz>(vector, row));
  const int64_t micros =
      ((parts.time.hour * 60 + parts.time.min) * 60 + parts.time.sec) * kMicrosPerSecond +
      parts.time.micros;
  return {micros, parts.offset};
}

// The element vector and range of a LIST or ARRAY value.
struct Elements {
  duckdb_vector vector;
  uint64_t offset;
  uint64_t length;
};

Elements elements_at(const ValueType& type, duckdb_vector vector, uint64_t row) {
  const auto& api = engine::duckdb();
  if (type.id == DUCKDB_TYPE_ARRAY) {
    return {api.duckdb_array_vector_get_child(vector), row * type.array_size, type.array_size};
  }
  const auto entry = value_at<duckdb_list_entry>(vector, row);
  return {api.duckdb_list_vector_get_child(vector), entry.offset, entry.length};
}

void append_text_array(const ValueType& type, duckdb_vector vector, uint64_t row,
                       std::string& out) {
  const Elements elements = elements_at(type, vector, row);
  const ValueType& element = type.children.front();
  out.push_back('{');
  std::string text;
  for (uint64_t i = 0; i < elements.length; ++i) {
    if (i > 0) out.push_back(',');
    const uint64_t at = elements.offset + i;
    if (!is_valid(elements.vector, at)) {
      out.append("NULL");
      continue;
    }
    text.clear();
    append_text_value(element, elements.vector, at, text);
    append_array_element(out, text);
  }
  out.push_back('}');
}

void append_binary_array(const ValueType& type, duckdb_vector vector, uint64_t row,
                         std::string& out) {
  const Elements elements = elements_at(type, vector, row);
  const ValueType& element = type.children.front();
  bool has_null = false;
  for (uint64_t i = 0; i < elements.length; ++i) {
    has_null |= !is_valid(elements.vector, elements.offset + i);
  }
  put_uint32(out, elements.length == 0 ? 0 : 1);  // dimensions
  put_uint32(out, has_null ? 1 : 0);
  put_uint32(out, element.pg_oid);
  if (elements.length == 0) return;
  put_uint32(out, static_cast<uint32_t>(elements.length));
  put_uint32(out, 1);  // lower bound
  for (uint64_t i = 0; i < elements.length; ++i) {
    const uint64_t at = elements.offset + i;
    if (!is_valid(elements.vector, at)) {
      put_uint32(out, 0xFFFFFFFFu);
      continue;
    }
    const size_t length_at = out.size();
    put_uint32(out, 0);
    append_binary_value(element, elements.vector, at, out);
    std::string length;
    put_uint32(length, static_cast<uint32_t>(out.size() - length_at - 4));
    out.replace(length_at, 4, length);
  }
}

bool is_number(const ValueType& type) {
  switch (type.id) {
    case DUCKDB_TYPE_TINYINT:
    case DUCKDB_TYPE_SMALLINT:
    case DUCKDB_TYPE_INTEGER:
    case DUCKDB_TYPE_BIGINT:
    case DUCKDB_TYPE_UTINYINT:
    case DUCKDB_TYPE_USMALLINT:
    case DUCKDB_TYPE_UINTEGER:
    case DUCKDB_TYPE_UBIGINT:
    case DUCKDB_TYPE_HUGEINT:
    case DUCKDB_TYPE_UHUGEINT:
    case DUCKDB_TYPE_DECIMAL:
      return true;
    default:
      return false;
  }
}

void append_json_or_null(const ValueType& type, duckdb_vector vector, uint64_t row,
                         std::string& out) {
  if (is_valid(vector, row)) {
    append_json_value(type, vector, row, out);
  } else {
    out.append("null");
  }
}

[[noreturn]] void unsupported(const ValueType& type) {
  throw Error(ErrorKind::kInput, "values of DuckDB type " + type.duckdb_name +
                                     " cannot be sent over the PostgreSQL protocol; cast the "
                                     "column to VARCHAR");
}

}  // namespace

bool is_valid(duckdb_vector vector, uint64_t row) {
  const auto& api = engine::duckdb();
  uint64_t* validity = api.duckdb_vector_get_validity(vector);
  return !validity || api.duckdb_validity_row_is_valid(validity, row);
}

void append_text_value(const ValueType& type, duckdb_vector vector, uint64_t row,
                       std::string& out) {
  if (type.sent_as_json) return append_json_value(type, vector, row, out);
  switch (type.id) {
    case DUCKDB_TYPE_BOOLEAN:
      out.push_back(value_at<bool>(vector, row) ? 't' : 'f');
      return;
    case DUCKDB_TYPE_TINYINT:
      return append_integer(out, static_cast<int>(value_at<int8_t>(vector, row)));
    case DUCKDB_TYPE_SMALLINT:
      return append_integer(out, value_at<int16_t>(vector, row));
    case DUCKDB_TYPE_INTEGER:
      return append_integer(out, value_at<int32_t>(vector, row));
    case DUCKDB_TYPE_BIGINT:
      return append_integer(out, value_at<int64_t>(vector, row));
    case DUCKDB_TYPE_UTINYINT:
      return append_integer(out, static_cast<unsigned>(value_at<uint8_t>(vector, row)));
    case DUCKDB_TYPE_USMALLINT:
      return append_integer(out, value_at<uint16_t>(vector, row));
    case DUCKDB_TYPE_UINTEGER:
      return append_integer(out, value_at<uint32_t>(vector, row));
    case DUCKDB_TYPE_UBIGINT:
      return append_integer(out, value_at<uint64_t>(vector, row));
    case DUCKDB_TYPE_HUGEINT:
      return append_decimal(out, hugeint_at(vector, row), 0);
    case DUCKDB_TYPE_UHUGEINT:
      return append_unsigned(out, uhugeint_at(vector, row));
    case DUCKDB_TYPE_DECIMAL:
      return append_decimal(out, unscaled_decimal_at(type, vector, row), type.decimal_scale);
    case DUCKDB_TYPE_FLOAT:
      return append_float(out, value_at<float>(vector, row));
    case DUCKDB_TYPE_DOUBLE:
      return append_double(out, value_at<double>(vector, row));
    case DUCKDB_TYPE_VARCHAR:
      out.append(string_at(vector, row));
      return;
    case DUCKDB_TYPE_BLOB:
      return append_bytea_hex(out, string_at(vector, row));
    case DUCKDB_TYPE_ENUM: {
      const uint32_t index = enum_index_at(type, vector, row);
      if (index < type.enum_values.size()) out.append(type.enum_values[index]);
      return;
    }
    case DUCKDB_TYPE_DATE:
      return append_date(out, value_at<int32_t>(vector, row));
    case DUCKDB_TYPE_TIME:
      return append_time(out, value_at<int64_t>(vector, row));
    case DUCKDB_TYPE_TIME_NS:
      return append_time(out, value_at<int64_t>(vector, row) / 1000);
    case DUCKDB_TYPE_TIME_TZ: {
      const TimeWithZone time = time_tz_at(vector, row);
      append_time(out, time.micros);
      return append_utc_offset(out, time.offset_seconds);
    }
    case DUCKDB_TYPE_TIMESTAMP:
    case DUCKDB_TYPE_TIMESTAMP_S:
    case DUCKDB_TYPE_TIMESTAMP_MS:
    case DUCKDB_TYPE_TIMESTAMP_NS:
      return append_timestamp(out, timestamp_micros_at(type, vector, row), false);
    case DUCKDB_TYPE_TIMESTAMP_TZ:
      return append_timestamp(out, value_at<int64_t>(vector, row), true);
    case DUCKDB_TYPE_INTERVAL: {
      const auto interval = value_at<duckdb_interval>(vector, row);
      return append_interval(out, interval.months, interval.days, interval.micros);
    }
    case DUCKDB_TYPE_UUID: {
      const auto value = value_at<duckdb_hugeint>(vector, row);
      return append_uuid(out, value.upper, value.lower);
    }
    case DUCKDB_TYPE_LIST:
    case DUCKDB_TYPE_ARRAY:
      return append_text_array(type, vector, row, out);
    default:
      unsupported(type);
  }
}

void append_json_value(const ValueType& type, duckdb_vector vector, uint64_t row,
                       std::string& out) {
  switch (type.id) {
    case DUCKDB_TYPE_BOOLEAN:
      out.append(value_at<bool>(vector, row) ? "true" : "false");
      return;
    case DUCKDB_TYPE_FLOAT:
    case DUCKDB_TYPE_DOUBLE: {
      std::string text;
      ValueType scalar = type;
      scalar.sent_as_json = false;
      append_text_value(scalar, vector, row, text);
      const bool finite = text != "NaN" && text != "Infinity" && text != "-Infinity";
      if (finite) {
        out.append(text);
      } else {
        append_json_string(out, text);
      }
      return;
    }
    case DUCKDB_TYPE_VARCHAR:
      if (type.is_json) {
        out.append(string_at(vector, row));
      } else {
        append_json_string(out, string_at(vector, row));
      }
      return;
    case DUCKDB_TYPE_LIST:
    case DUCKDB_TYPE_ARRAY: {
      const Elements elements = elements_at(type, vector, row);
      out.push_back('[');
      for (uint64_t i = 0; i < elements.length; ++i) {
        if (i > 0) out.push_back(',');
        append_json_or_null(type.children.front(), elements.vector, elements.offset + i, out);
      }
      out.push_back(']');
      return;
    }
    case DUCKDB_TYPE_STRUCT: {
      out.push_back('{');
      for (size_t i = 0; i < type.children.size(); ++i) {
        if (i > 0) out.push_back(',');
        append_json_string(out, type.field_names[i]);
        out.push_back(':');
        append_json_or_null(type.children[i],
                            engine::duckdb().duckdb_struct_vector_get_child(vector, i), row, out);
      }
      out.push_back('}');
      return;
    }
    case DUCKDB_TYPE_MAP: {
      // A map is a list of {key, value} structs.
      const auto entry = value_at<duckdb_list_entry>(vector, row);
      const auto& api = engine::duckdb();
      duckdb_vector entries = api.duckdb_list_vector_get_child(vector);
      duckdb_vector keys = api.duckdb_struct_vector_get_child(entries, 0);
      duckdb_vector values = api.duckdb_struct_vector_get_child(entries, 1);
      out.push_back('{');
      std::string key;
      for (uint64_t i = 0; i < entry.length; ++i) {
        if (i > 0) out.push_back(',');
        key.clear();
        append_text_value(type.children[0], keys, entry.offset + i, key);
        append_json_string(out, key);
        out.push_back(':');
        append_json_or_null(type.children[1], values, entry.offset + i, out);
      }
      out.push_back('}');
      return;
    }
    default:
      break;
  }
  std::string text;
  append_text_value(type, vector, row, text);
  if (is_number(type)) {
    out.append(text);
  } else {
    append_json_string(out, text);
  }
}

void append_binary_value(const ValueType& type, duckdb_vector vector, uint64_t row,
                         std::string& out) {
  if (type.sent_as_json) return append_json_value(type, vector, row, out);
  switch (type.id) {
    case DUCKDB_TYPE_BOOLEAN:
      out.push_back(value_at<bool>(vector, row) ? 1 : 0);
      return;
    case DUCKDB_TYPE_TINYINT:
      return put_uint16(out, static_cast<uint16_t>(value_at<int8_t>(vector, row)));
    case DUCKDB_TYPE_UTINYINT:
      return put_uint16(out, value_at<uint8_t>(vector, row));
    case DUCKDB_TYPE_SMALLINT:
      return put_uint16(out, static_cast<uint16_t>(value_at<int16_t>(vector, row)));
    case DUCKDB_TYPE_USMALLINT:
      return put_uint32(out, value_at<uint16_t>(vector, row));
    case DUCKDB_TYPE_INTEGER:
      return put_uint32(out, static_cast<uint32_t>(value_at<int32_t>(vector, row)));
    case DUCKDB_TYPE_UINTEGER:
      return put_uint64(out, value_at<uint32_t>(vector, row));
    case DUCKDB_TYPE_BIGINT:
      return put_uint64(out, static_cast<uint64_t>(value_at<int64_t>(vector, row)));
    case DUCKDB_TYPE_UBIGINT:
    case DUCKDB_TYPE_HUGEINT:
    case DUCKDB_TYPE_UHUGEINT:
    case DUCKDB_TYPE_DECIMAL: {
      std::string text;
      append_text_value(type, vector, row, text);
      return append_numeric_binary(out, text);
    }
    case DUCKDB_TYPE_FLOAT:
      return put_uint32(out, std::bit_cast<uint32_t>(value_at<float>(vector, row)));
    case DUCKDB_TYPE_DOUBLE:
      return put_uint64(out, std::bit_cast<uint64_t>(value_at<double>(vector, row)));
    case DUCKDB_TYPE_VARCHAR:
    case DUCKDB_TYPE_BLOB:
      out.append(string_at(vector, row));
      return;
    case DUCKDB_TYPE_ENUM:
      return append_text_value(type, vector, row, out);
    case DUCKDB_TYPE_DATE: {
      const int32_t days = value_at<int32_t>(vector, row);
      constexpr int32_t kInfinity = std::numeric_limits<int32_t>::max();
      const int32_t pg_days = days == kInfinity    ? kInfinity
                              : days == -kInfinity ? std::numeric_limits<int32_t>::min()
                                                   : days - kPgEpochDays;
      return put_uint32(out, static_cast<uint32_t>(pg_days));
    }
    case DUCKDB_TYPE_TIME:
      return put_uint64(out, static_cast<uint64_t>(value_at<int64_t>(vector, row)));
    case DUCKDB_TYPE_TIME_NS:
      return put_uint64(out, static_cast<uint64_t>(value_at<int64_t>(vector, row) / 1000));
    case DUCKDB_TYPE_TIME_TZ: {
      const TimeWithZone time = time_tz_at(vector, row);
      put_uint64(out, static_cast<uint64_t>(time.micros));
      return put_uint32(out, static_cast<uint32_t>(-time.offset_seconds));  // west of UTC
    }
    case DUCKDB_TYPE_TIMESTAMP:
    case DUCKDB_TYPE_TIMESTAMP_S:
    case DUCKDB_TYPE_TIMESTAMP_MS:
    case DUCKDB_TYPE_TIMESTAMP_NS:
    case DUCKDB_TYPE_TIMESTAMP_TZ: {
      const int64_t micros = timestamp_micros_at(type, vector, row);
      constexpr int64_t kInfinity = std::numeric_limits<int64_t>::max();
      const int64_t pg_micros = micros == kInfinity    ? kInfinity
                                : micros == -kInfinity ? std::numeric_limits<int64_t>::min()
                                                       : micros - kPgEpochMicros;
      return put_uint64(out, static_cast<uint64_t>(pg_micros));
    }
    case DUCKDB_TYPE_INTERVAL: {
      const auto interval = value_at<duckdb_interval>(vector, row);
      put_uint64(out, static_cast<uint64_t>(interval.micros));
      put_uint32(out, static_cast<uint32_t>(interval.days));
      return put_uint32(out, static_cast<uint32_t>(interval.months));
    }
    case DUCKDB_TYPE_UUID: {
      const auto value = value_at<duckdb_hugeint>(vector, row);
      put_uint64(out, static_cast<uint64_t>(value.upper) ^ (uint64_t{1} << 63));
      return put_uint64(out, value.lower);
    }
    case DUCKDB_TYPE_LIST:
    case DUCKDB_TYPE_ARRAY:
      return append_binary_array(type, vector, row, out);
    default:
      unsupported(type);
  }
}

void write_data_row(MessageWriter& out, duckdb_data_chunk chunk, uint64_t row,
                    const std::vector<ResultColumn>& columns) {
  const auto& api = engine::duckdb();
  out.begin('D');
  out.int16(static_cast<int16_t>(columns.size()));
  std::string& buffer = out.buffer();
  for (size_t c = 0; c < columns.size(); ++c) {
    duckdb_vector vector = api.duckdb_data_chunk_get_vector(chunk, c);
    if (!is_valid(vector, row)) {
      out.int32(-1);
      continue;
    }
    const size_t length_at = buffer.size();
    out.int32(0);
    if (columns[c].format == 1) {
      append_binary_value(columns[c].type, vector, row, buffer);
    } else {
      append_text_value(columns[c].type, vector, row, buffer);
    }
    const auto length = static_cast<uint32_t>(buffer.size() - length_at - 4);
    for (int i = 0; i < 4; ++i) {
      buffer[length_at + i] = static_cast<char>(length >> (24 - 8 * i));
    }
  }
  out.end();
}

}  // namespace strata::serve::pgwire
