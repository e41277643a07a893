#include "serve/pgwire/parameter_codec.hpp"

#include <algorithm>
#include <bit>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <vector>

#include "serve/pgwire/message_buffer.hpp"
#include "serve/pgwire/numeric_binary.hpp"
#include "serve/pgwire/pg_types.hpp"
#include "serve/pgwire/sql_error.hpp"
#include "serve/pgwire/text_encoding.hpp"

namespace strata::serve::pgwire {

namespace {

const engine::DuckDbApi& api() {
  return engine::duckdb();
}

// The length of the UTF-8 sequence at the start of `text` (RFC 3629: no overlong forms, no
// surrogates, nothing past U+10FFFF), or 0 when it is not valid UTF-8.
size_t utf8_sequence_length(std::string_view text) {
  const auto byte = [&](size_t i) { return static_cast<unsigned char>(text[i]); };
  const unsigned char first = byte(0);
  if (first < 0x80) return 1;
  size_t length = 0;
  unsigned char low = 0x80;
  unsigned char high = 0xBF;  // the allowed range of the second byte
  if (first >= 0xC2 && first <= 0xDF) {
    length = 2;
  } else if (first >= 0xE0 && first <= 0xEF) {
    length = 3;
    if (first == 0xE0) low = 0xA0;   // overlong
    if (first == 0xED) high = 0x9F;  // surrogates
  } else if (first >= 0xF0 && first <= 0xF4) {
    length = 4;
    if (first == 0xF0) low = 0x90;   // overlong
    if (first == 0xF4) high = 0x8F;  // past U+10FFFF
  } else {
    return 0;
  }
  if (text.size() < length || byte(1) < low || byte(1) > high) return 0;
  for (size_t i = 2; i < length; ++i) {
    if ((byte(i) & 0xC0) != 0x80) return 0;
  }
  return length;
}

// DuckDB's VARCHAR must be valid UTF-8: its C API throws a C++ exception otherwise, so text from
// a client is checked first and refused the way PostgreSQL refuses it (SQLSTATE 22021).
OwnedValue varchar(std::string_view text) {
  for (size_t i = 0; i < text.size();) {
    const size_t length = utf8_sequence_length(text.substr(i));
    if (length == 0) {
      char hex[8];
      std::snprintf(hex, sizeof hex, "0x%02x", static_cast<unsigned char>(text[i]));
      throw SqlError(sqlstate::kCharacterNotInRepertoire,
                     std::string("invalid byte sequence for encoding \"UTF8\": ") + hex);
    }
    i += length;
  }
  return OwnedValue(api().duckdb_create_varchar_length(text.data(), text.size()));
}

[[noreturn]] void bad_text(size_t position, uint32_t type_oid, std::string_view text) {
  throw SqlError(sqlstate::kInvalidTextRepresentation,
                 "invalid input syntax for type " + type_name(type_oid) + ": \"" +
                     std::string(text) + "\" (parameter $" + std::to_string(position) + ")");
}

[[noreturn]] void bad_binary(size_t position, uint32_t type_oid, const std::string& why) {
  throw SqlError(sqlstate::kInvalidBinaryRepresentation,
                 "incorrect binary data format in bind parameter " + std::to_string(position) +
                     " (" + type_name(type_oid) + ": " + why + ")");
}

bool integer_type(uint32_t type_oid) {
  return type_oid == oid::kInt2 || type_oid == oid::kInt4 || type_oid == oid::kInt8 ||
         type_oid == oid::kOid;
}

OwnedValue integer_value(uint32_t type_oid, int64_t value) {
  if (type_oid == oid::kInt2)
    return OwnedValue(api().duckdb_create_int16(static_cast<int16_t>(value)));
  if (type_oid == oid::kInt4)
    return OwnedValue(api().duckdb_create_int32(static_cast<int32_t>(value)));
  return OwnedValue(api().duckdb_create_int64(value));
}

// An exact DECIMAL when the digits fit DuckDB's 38, else a DOUBLE.
OwnedValue numeric_value(std::string_view text, size_t position) {
  if (text == "NaN" || text == "Infinity" || text == "-Infinity") {
    return OwnedValue(api().duckdb_create_double(std::strtod(std::string(text).c_str(), nullptr)));
  }
  bool negative = false;
  std::string_view rest = text;
  if (!rest.empty() && (rest[0] == '-' || rest[0] == '+')) {
    negative = rest[0] == '-';
    rest.remove_prefix(1);
  }
  unsigned __int128 unscaled = 0;
  int digits = 0;
  int scale = 0;
  bool seen_point = false;
  bool seen_digit = false;
  for (char c : rest) {
    if (c == '.' && !seen_point) {
      seen_point = true;
      continue;
    }
    if (!std::isdigit(static_cast<unsigned char>(c))) bad_text(position, oid::kNumeric, text);
    seen_digit = true;
    if (digits > 0 || c != '0') ++digits;
    if (seen_point) ++scale;
    unscaled = unscaled * 10 + static_cast<unsigned>(c - '0');
    if (digits > 38 || scale > 38) {
      return OwnedValue(
          api().duckdb_create_double(std::strtod(std::string(text).c_str(), nullptr)));
    }
  }
  if (!seen_digit) bad_text(position, oid::kNumeric, text);
  const __int128 value =
      negative ? -static_cast<__int128>(unscaled) : static_cast<__int128>(unscaled);
  duckdb_decimal decimal;
  decimal.width = static_cast<uint8_t>(std::max({digits, scale, 1}));
  decimal.scale = static_cast<uint8_t>(scale);
  decimal.value.lower = static_cast<uint64_t>(value);
  decimal.value.upper = static_cast<int64_t>(value >> 64);
  return OwnedValue(api().duckdb_create_decimal(decimal));
}

// A list of VARCHAR values (NULLs kept) that DuckDB casts to the list type it expects.
OwnedValue varchar_list(const std::vector<std::optional<std::string>>& elements) {
  std::vector<OwnedValue> owned;
  std::vector<duckdb_value> values;
  for (const auto& element : elements) {
    owned.push_back(element ? varchar(*element) : OwnedValue(api().duckdb_create_null_value()));
    values.push_back(owned.back().get());
  }
  duckdb_logical_type child = api().duckdb_create_logical_type(DUCKDB_TYPE_VARCHAR);
  OwnedValue list(api().duckdb_create_list_value(child, values.data(), values.size()));
  api().duckdb_destroy_logical_type(&child);
  return list;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string bytea_from_text(std::string_view text, size_t position) {
  std::string bytes;
  if (text.starts_with("\\x")) {
    for (size_t i = 2; i < text.size(); i += 2) {
      if (std::isspace(static_cast<unsigned char>(text[i]))) {
        --i;
        continue;
      }
      const int high = hex_digit(text[i]);
      const int low = i + 1 < text.size() ? hex_digit(text[i + 1]) : -1;
      if (high < 0 || low < 0) bad_text(position, oid::kBytea, text);
      bytes.push_back(static_cast<char>(high * 16 + low));
    }
    return bytes;
  }
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\\') {
      bytes.push_back(text[i]);
    } else if (i + 1 < text.size() && text[i + 1] == '\\') {
      bytes.push_back('\\');
      ++i;
    } else if (i + 3 < text.size() && text[i + 1] >= '0' && text[i + 1] <= '3' &&
               text[i + 2] >= '0' && text[i + 2] <= '7' && text[i + 3] >= '0' &&
               text[i + 3] <= '7') {
      bytes.push_back(static_cast<char>((text[i + 1] - '0') * 64 + (text[i + 2] - '0') * 8 +
                                        (text[i + 3] - '0')));
      i += 3;
    } else {
      bad_text(position, oid::kBytea, text);
    }
  }
  return bytes;
}

OwnedValue typed_from_text(std::string_view text, uint32_t type_oid, size_t position) {
  if (integer_type(type_oid)) {
    int64_t value = 0;
    std::string_view digits = text;
    if (!digits.empty() && digits[0] == '+') digits.remove_prefix(1);
    const auto result = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    if (result.ec != std::errc() || result.ptr != digits.data() + digits.size()) {
      bad_text(position, type_oid, text);
    }
    return integer_value(type_oid, value);
  }
  if (type_oid == oid::kFloat4 || type_oid == oid::kFloat8) {
    const std::string copy(text);
    char* end = nullptr;
    const double value = std::strtod(copy.c_str(), &end);
    if (copy.empty() || *end != '\0') bad_text(position, type_oid, text);
    if (type_oid == oid::kFloat4)
      return OwnedValue(api().duckdb_create_float(static_cast<float>(value)));
    return OwnedValue(api().duckdb_create_double(value));
  }
  if (type_oid == oid::kBool) {
    std::string lower;
    for (char c : text)
      lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    if (lower == "t" || lower == "true" || lower == "yes" || lower == "on" || lower == "1") {
      return OwnedValue(api().duckdb_create_bool(true));
    }
    if (lower == "f" || lower == "false" || lower == "no" || lower == "off" || lower == "0") {
      return OwnedValue(api().duckdb_create_bool(false));
    }
    bad_text(position, type_oid, text);
  }
  if (type_oid == oid::kNumeric) return numeric_value(text, position);
  if (element_type_of(type_oid) != 0) return varchar_list(parse_array_literal(text));
  return varchar(text);
}

void expect_size(std::string_view data, size_t size, uint32_t type_oid, size_t position) {
  if (data.size() != size) {
    bad_binary(position, type_oid,
               std::to_string(data.size()) + " bytes where " + std::to_string(size) + " belong");
  }
}

OwnedValue decode_binary(std::string_view data, uint32_t type_oid, size_t position);

OwnedValue decode_binary_array(std::string_view data, uint32_t type_oid, size_t position) {
  const uint32_t element_oid = element_type_of(type_oid);
  try {
    MessageReader reader(data, "binary array");
    const int32_t dimensions = reader.int32();
    reader.int32();  // has-nulls flag: the element lengths say it too
    const auto declared_element = static_cast<uint32_t>(reader.int32());
    if (dimensions > 1) {
      throw SqlError(sqlstate::kFeatureNotSupported,
                     "arrays of more than one dimension are not supported as parameters");
    }
    if (dimensions < 0 || (declared_element != element_oid && declared_element != 0)) {
      bad_binary(position, type_oid, "bad array header");
    }
    int32_t count = 0;
    if (dimensions == 1) {
      count = reader.int32();
      reader.int32();  // lower bound
      if (count < 0) bad_binary(position, type_oid, "negative array length");
    }
    // numeric elements go in as VARCHAR: DuckDB casts them to the element type it expects.
    const duckdb_type child_id =
        element_oid == oid::kNumeric ? DUCKDB_TYPE_VARCHAR : duckdb_type_for(element_oid);
    std::vector<OwnedValue> owned;
    std::vector<duckdb_value> values;
    for (int32_t i = 0; i < count; ++i) {
      const int32_t length = reader.int32();
      if (length < 0) {
        owned.emplace_back(api().duckdb_create_null_value());
      } else {
        std::string_view bytes = reader.bytes(static_cast<size_t>(length));
        OwnedValue value = decode_binary(bytes, element_oid, position);
        if (element_oid == oid::kNumeric) value = varchar(numeric_binary_to_text(bytes));
        owned.push_back(std::move(value));
      }
      values.push_back(owned.back().get());
    }
    reader.expect_end();
    duckdb_logical_type child = api().duckdb_create_logical_type(child_id);
    OwnedValue list(api().duckdb_create_list_value(child, values.data(), values.size()));
    api().duckdb_destroy_logical_type(&child);
    if (!list) bad_binary(position, type_oid, "elements of mixed types");
    return list;
  } catch (const SqlError&) {
    throw;
  } catch (const Error& e) {
    bad_binary(position, type_oid, e.message());
  }
}

OwnedValue decode_binary(std::string_view data, uint32_t type_oid, size_t position) {
  switch (type_oid) {
    case oid::kBool:
      expect_size(data, 1, type_oid, position);
      return OwnedValue(api().duckdb_create_bool(data[0] != 0));
    case oid::kInt2:
      expect_size(data, 2, type_oid, position);
      return integer_value(type_oid, static_cast<int16_t>(get_uint16(data.data())));
    case oid::kInt4:
      expect_size(data, 4, type_oid, position);
      return integer_value(type_oid, static_cast<int32_t>(get_uint32(data.data())));
    case oid::kOid:
      expect_size(data, 4, type_oid, position);
      return integer_value(type_oid, get_uint32(data.data()));
    case oid::kInt8:
      expect_size(data, 8, type_oid, position);
      return integer_value(type_oid, static_cast<int64_t>(get_uint64(data.data())));
    case oid::kFloat4:
      expect_size(data, 4, type_oid, position);
      return OwnedValue(api().duckdb_create_float(std::bit_cast<float>(get_uint32(data.data()))));
    case oid::kFloat8:
      expect_size(data, 8, type_oid, position);
      return OwnedValue(api().duckdb_create_double(std::bit_cast<double>(get_uint64(data.data()))));
    case oid::kNumeric:
      try {
        return numeric_value(numeric_binary_to_text(data), position);
      } catch (const SqlError&) {
        throw;
      } catch (const Error& e) {
        bad_binary(position, type_oid, e.message());
      }
    case oid::kText:
    case oid::kVarchar:
    case oid::kBpchar:
    case oid::kName:
    case oid::kChar:
    case oid::kJson:
    case oid::kUnknown:
      return varchar(data);
    case oid::kJsonb:
      if (data.empty() || data[0] != 1) bad_binary(position, type_oid, "unknown jsonb version");
      return varchar(data.substr(1));
    case oid::kBytea:
      return OwnedValue(
          api().duckdb_create_blob(reinterpret_cast<const uint8_t*>(data.data()), data.size()));
    case oid::kDate: {
      expect_size(data, 4, type_oid, position);
      const auto days = static_cast<int32_t>(get_uint32(data.data()));
      constexpr int32_t kMax = std::numeric_limits<int32_t>::max();
      int32_t value = days == kMax ? kMax : -kMax;  // infinity, -infinity
      if (days != kMax && days != std::numeric_limits<int32_t>::min() &&
          __builtin_add_overflow(days, kPgEpochDays, &value)) {
        bad_binary(position, type_oid, "date out of range");
      }
      return OwnedValue(api().duckdb_create_date(duckdb_date{value}));
    }
    case oid::kTime:
      expect_size(data, 8, type_oid, position);
      return OwnedValue(
          api().duckdb_create_time(duckdb_time{static_cast<int64_t>(get_uint64(data.data()))}));
    case oid::kTimestamp:
    case oid::kTimestamptz: {
      expect_size(data, 8, type_oid, position);
      const auto micros = static_cast<int64_t>(get_uint64(data.data()));
      constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
      int64_t value = micros == kMax ? kMax : -kMax;  // infinity, -infinity
      if (micros != kMax && micros != std::numeric_limits<int64_t>::min() &&
          __builtin_add_overflow(micros, kPgEpochMicros, &value)) {
        bad_binary(position, type_oid, "timestamp out of range");
      }
      if (type_oid == oid::kTimestamp) {
        return OwnedValue(api().duckdb_create_timestamp(duckdb_timestamp{value}));
      }
      return OwnedValue(api().duckdb_create_timestamp_tz(duckdb_timestamp{value}));
    }
    case oid::kInterval: {
      expect_size(data, 16, type_oid, position);
      duckdb_interval interval;
      interval.micros = static_cast<int64_t>(get_uint64(data.data()));
      interval.days = static_cast<int32_t>(get_uint32(data.data() + 8));
      interval.months = static_cast<int32_t>(get_uint32(data.data() + 12));
      return OwnedValue(api().duckdb_create_interval(interval));
    }
    case oid::kUuid: {
      expect_size(data, 16, type_oid, position);
      duckdb_uhugeint value;
      value.upper = get_uint64(data.data());
      value.lower = get_uint64(data.data() + 8);
      return OwnedValue(api().duckdb_create_uuid(value));
    }
    default:
      if (element_type_of(type_oid) != 0) return decode_binary_array(data, type_oid, position);
      throw SqlError(sqlstate::kFeatureNotSupported,
                     "binary parameters of type " + type_name(type_oid) +
                         " are not supported (parameter $" + std::to_string(position) +
                         "); send it in text format");
  }
}

}  // namespace

std::vector<std::optional<std::string>> parse_array_literal(std::string_view text) {
  auto malformed = [&]() -> SqlError {
    return SqlError(sqlstate::kInvalidTextRepresentation,
                    "malformed array literal: \"" + std::string(text) + "\"");
  };
  auto skip_space = [&](size_t& i) {
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
  };
  size_t i = 0;
  skip_space(i);
  if (i >= text.size() || text[i] != '{') throw malformed();
  ++i;
  std::vector<std::optional<std::string>> elements;
  skip_space(i);
  if (i < text.size() && text[i] == '}') return elements;
  while (true) {
    skip_space(i);
    if (i >= text.size()) throw malformed();
    if (text[i] == '{') {
      throw SqlError(sqlstate::kFeatureNotSupported,
                     "arrays of more than one dimension are not supported as parameters");
    }
    if (text[i] == '"') {
      std::string element;
      for (++i; i < text.size() && text[i] != '"'; ++i) {
        if (text[i] == '\\' && i + 1 < text.size()) ++i;
        element.push_back(text[i]);
      }
      if (i >= text.size()) throw malformed();
      ++i;
      elements.emplace_back(std::move(element));
    } else {
      const size_t start = i;
      while (i < text.size() && text[i] != ',' && text[i] != '}') ++i;
      std::string_view element = text.substr(start, i - start);
      while (!element.empty() && std::isspace(static_cast<unsigned char>(element.back()))) {
        element.remove_suffix(1);
      }
      if (element.empty()) throw malformed();
      const bool null = element.size() == 4 &&
                        std::toupper(static_cast<unsigned char>(element[0])) == 'N' &&
                        std::toupper(static_cast<unsigned char>(element[1])) == 'U' &&
                        std::toupper(static_cast<unsigned char>(element[2])) == 'L' &&
                        std::toupper(static_cast<unsigned char>(element[3])) == 'L';
      elements.emplace_back(null ? std::nullopt : std::optional<std::string>(std::string(element)));
    }
    skip_space(i);
    if (i >= text.size()) throw malformed();
    if (text[i] == '}') break;
    if (text[i] != ',') throw malformed();
    ++i;
  }
  ++i;
  skip_space(i);
  if (i != text.size()) throw malformed();
  return elements;
}

OwnedValue decode_parameter(const std::optional<std::string>& data, int16_t format,
                            uint32_t type_oid, uint32_t inferred, size_t position) {
  if (!data) return OwnedValue(api().duckdb_create_null_value());
  if (format == 0) {
    // bytea text is hex ('\x0102') or escaped octal, not DuckDB's blob literal syntax.
    if (type_oid == oid::kBytea || (type_oid == oid::kUnspecified && inferred == oid::kBytea)) {
      const std::string bytes = bytea_from_text(*data, position);
      return OwnedValue(
          api().duckdb_create_blob(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
    }
    // Arrays come as '{...}', which DuckDB does not read: their elements are bound as a list.
    if (element_type_of(type_oid) != 0 || element_type_of(inferred) != 0) {
      return varchar_list(parse_array_literal(*data));
    }
    // DuckDB casts text to the type it inferred, exactly as for a literal.
    if (inferred != oid::kUnspecified || type_oid == oid::kUnspecified) return varchar(*data);
    return typed_from_text(*data, type_oid, position);
  }
  const uint32_t decode_as = type_oid != oid::kUnspecified ? type_oid : inferred;
  if (decode_as == oid::kUnspecified) {
    throw SqlError(sqlstate::kIndeterminateDatatype,
                   "could not determine data type of parameter $" + std::to_string(position) +
                       " sent in binary format; declare its type in Parse or add a cast");
  }
  return decode_binary(*data, decode_as, position);
}

}  // namespace strata::serve::pgwire
