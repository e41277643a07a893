#include "ingest/mysql_binlog_values.hpp"

#include <chrono>
#include <cstdio>
#include <cstring>

#include "core/text.hpp"

namespace strata::ingest::mysql {

namespace {

std::string padded(uint64_t value, int width) {
  char text[32];
  std::snprintf(text, sizeof text, "%0*llu", width, static_cast<unsigned long long>(value));
  return text;
}

// The fractional seconds of the MySQL 5.6 temporal formats: (fsp + 1) / 2 big-endian bytes.
uint64_t fraction_micros(ByteReader& reader, int fsp) {
  switch (fsp) {
    case 1:
    case 2:
      return reader.uint_be(1) * 10000;
    case 3:
    case 4:
      return reader.uint_be(2) * 100;
    case 5:
    case 6:
      return reader.uint_be(3);
    default:
      return 0;
  }
}

std::string with_fraction(std::string text, uint64_t micros, int fsp) {
  // As DuckDB's mysql extension writes it (a full load's TIME is its text): the digits of the
  // fraction without trailing zeros, no fraction when it is zero.
  if (fsp > 0 && micros > 0) {
    std::string digits = padded(micros, 6);
    digits.erase(digits.find_last_not_of('0') + 1);
    text += '.';
    text += digits;
  }
  return text;
}

std::string date_text(int64_t year, unsigned month, unsigned day) {
  return padded(static_cast<uint64_t>(year), 4) + "-" + padded(month, 2) + "-" + padded(day, 2);
}

std::string clock_text(uint64_t hour, uint64_t minute, uint64_t second) {
  return padded(hour, 2) + ":" + padded(minute, 2) + ":" + padded(second, 2);
}

std::optional<std::string> utc_timestamp(uint64_t seconds, uint64_t micros, int fsp) {
  if (seconds == 0 && micros == 0) return std::nullopt;  // MySQL's zero timestamp
  using namespace std::chrono;
  const sys_seconds at{std::chrono::seconds(seconds)};
  const sys_days day = floor<days>(at);
  const year_month_day ymd(day);
  const hh_mm_ss clock(at - day);
  return with_fraction(date_text(static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                                 static_cast<unsigned>(ymd.day())) +
                           " " +
                           clock_text(static_cast<uint64_t>(clock.hours().count()),
                                      static_cast<uint64_t>(clock.minutes().count()),
                                      static_cast<uint64_t>(clock.seconds().count())),
                       micros, fsp);
}

// TIME2: the packed value, from its 3 integer bytes and fraction (MySQL's my_time_packed layout).
std::string time2(ByteReader& reader, int fsp) {
  int64_t packed = 0;
  if (fsp >= 5) {
    packed = static_cast<int64_t>(reader.uint_be(6)) - 0x800000000000LL;
  } else {
    int64_t whole = static_cast<int64_t>(reader.uint_be(3)) - 0x800000LL;
    int64_t fraction = 0;
    if (fsp >= 3) {
      fraction = static_cast<int16_t>(reader.uint_be(2));
      if (whole < 0 && fraction != 0) {
        ++whole;
        fraction -= 0x10000;
      }
      fraction *= 100;
    } else if (fsp >= 1) {
      fraction = static_cast<int8_t>(reader.uint_be(1));
      if (whole < 0 && fraction != 0) {
        ++whole;
        fraction -= 0x100;
      }
      fraction *= 10000;
    }
    packed = whole * (1LL << 24) + fraction;
  }
  const bool negative = packed < 0;
  const uint64_t magnitude = static_cast<uint64_t>(negative ? -packed : packed);
  const uint64_t hms = magnitude >> 24;
  const uint64_t micros = magnitude % (1ULL << 24);
  std::string text = negative ? "-" : "";
  text += clock_text((hms >> 12) % (1 << 10), (hms >> 6) % 64, hms % 64);
  return with_fraction(std::move(text), micros, fsp);
}

std::optional<std::string> datetime2(ByteReader& reader, int fsp) {
  const uint64_t packed = reader.uint_be(5) - 0x8000000000ULL;
  const uint64_t micros = fraction_micros(reader, fsp);
  const uint64_t ymd = packed >> 17;
  const uint64_t ym = ymd >> 5;
  const uint64_t hms = packed % (1 << 17);
  if (ym == 0 && ymd % 32 == 0) return std::nullopt;  // the zero date
  return with_fraction(date_text(static_cast<int64_t>(ym / 13), static_cast<unsigned>(ym % 13),
                                 static_cast<unsigned>(ymd % 32)) +
                           " " + clock_text(hms >> 12, (hms >> 6) % 64, hms % 64),
                       micros, fsp);
}

std::string named_elements(uint64_t value, const ColumnInfo& column, bool is_set,
                           const std::string& where) {
  if (!is_set) {
    if (value == 0) return "";  // MySQL's error value of an ENUM
    if (value > column.elements.size()) {
      throw Error(ErrorKind::kInput, "ENUM column '" + column.name + "' " + where + " has index " +
                                         std::to_string(value) + " beyond its " +
                                         std::to_string(column.elements.size()) + " values");
    }
    return column.elements[value - 1];
  }
  std::string out;
  for (size_t bit = 0; bit < column.elements.size() && bit < 64; ++bit) {
    if ((value >> bit) & 1) out += (out.empty() ? "" : ",") + column.elements[bit];
  }
  return out;
}

std::string integer(uint64_t raw, size_t bytes, bool is_unsigned) {
  if (is_unsigned || bytes == 8) {
    if (is_unsigned) return std::to_string(raw);
    return std::to_string(static_cast<int64_t>(raw));
  }
  const uint64_t sign = 1ULL << (bytes * 8 - 1);
  const int64_t value = (raw & sign) ? static_cast<int64_t>(raw) - static_cast<int64_t>(sign << 1)
                                     : static_cast<int64_t>(raw);
  return std::to_string(value);
}

std::optional<std::string> decode_value(ByteReader& reader, uint8_t type, uint16_t meta,
                                        const ColumnInfo& column, const std::string& where) {
  auto text_or_hex = [&](std::string_view bytes) {
    return column.binary ? hex_encode(bytes, /*upper_case=*/true) : std::string(bytes);
  };
  switch (type) {
    case kTiny:
      return integer(reader.uint_le(1), 1, column.is_unsigned);
    case kShort:
      return integer(reader.uint_le(2), 2, column.is_unsigned);
    case kInt24:
      return integer(reader.uint_le(3), 3, column.is_unsigned);
    case kLong:
      return integer(reader.uint_le(4), 4, column.is_unsigned);
    case kLongLong:
      return integer(reader.uint_le(8), 8, column.is_unsigned);
    case kFloat: {
      const uint32_t bits = static_cast<uint32_t>(reader.uint_le(4));
      float value;
      std::memcpy(&value, &bits, sizeof value);
      char text[32];
      std::snprintf(text, sizeof text, "%.9g", static_cast<double>(value));
      return text;
    }
    case kDouble:
      return decode_double(reader);
    case kNewDecimal:
      return decode_decimal(reader, meta >> 8, meta & 0xff);
    case kYear: {
      const uint64_t year = reader.uint_le(1);
      return std::to_string(year == 0 ? 0 : 1900 + year);
    }
    case kDate:
    case kNewDate: {
      const uint64_t packed = reader.uint_le(3);
      if (packed == 0) return std::nullopt;
      return date_text(static_cast<int64_t>(packed >> 9), (packed >> 5) & 15, packed & 31);
    }
    case kTime: {
      const uint64_t packed = reader.uint_le(3);
      return clock_text(packed / 10000, packed / 100 % 100, packed % 100);
    }
    case kTime2:
      return time2(reader, meta);
    case kDatetime: {
      const uint64_t packed = reader.uint_le(8);
      if (packed == 0) return std::nullopt;
      const uint64_t date = packed / 1000000;
      const uint64_t clock = packed % 1000000;
      return date_text(static_cast<int64_t>(date / 10000), date / 100 % 100, date % 100) + " " +
             clock_text(clock / 10000, clock / 100 % 100, clock % 100);
    }
    case kDatetime2:
      return datetime2(reader, meta);
    case kTimestamp:
      return utc_timestamp(reader.uint_le(4), 0, 0);
    case kTimestamp2: {
      const uint64_t seconds = reader.uint_be(4);
      return utc_timestamp(seconds, fraction_micros(reader, meta), meta);
    }
    case kBit: {
      const size_t bytes = (meta >> 8) + ((meta & 0xff) ? 1 : 0);
      if (column.binary) return hex_encode(reader.bytes(bytes), /*upper_case=*/true);
      return std::to_string(reader.uint_be(bytes));
    }
    case kVarchar:
    case kVarString:
      return text_or_hex(reader.bytes(reader.uint_le(meta < 256 ? 1 : 2)));
    case kString: {
      // The real type and the length share the two bytes (lengths over 255 borrow bits 4-5).
      uint8_t real = static_cast<uint8_t>(meta >> 8);
      size_t length = meta & 0xff;
      if ((real & 0x30) != 0x30) {
        length |= static_cast<size_t>((real & 0x30) ^ 0x30) << 4;
        real |= 0x30;
      }
      if (real == kEnum || real == kSet) {
        return named_elements(reader.uint_le(length), column, real == kSet, where);
      }
      return text_or_hex(reader.bytes(reader.uint_le(length < 256 ? 1 : 2)));
    }
    case kEnum:
    case kSet:
      return named_elements(reader.uint_le(meta & 0xff), column, type == kSet, where);
    case kTinyBlob:
    case kMediumBlob:
    case kLongBlob:
    case kBlob:
    case kGeometry:
      return text_or_hex(reader.bytes(reader.uint_le(meta)));
    case kJson: {
      const std::string_view bytes = reader.bytes(reader.uint_le(meta));
      return binary_json_to_text(bytes, "column '" + column.name + "' " + where);
    }
    case kNull:
      return std::nullopt;
    default:
      throw Error(ErrorKind::kInput, "column '" + column.name + "' " + where + " has binlog type " +
                                         std::to_string(type) +
                                         ", which strata does not decode yet");
  }
}

}  // namespace

std::string decode_double(ByteReader& reader) {
  const uint64_t bits = reader.uint_le(8);
  double value;
  std::memcpy(&value, &bits, sizeof value);
  char text[40];
  std::snprintf(text, sizeof text, "%.17g", value);
  return text;
}

std::string decode_decimal(ByteReader& reader, int precision, int scale) {
  static constexpr int kBytesOfDigits[10] = {0, 1, 1, 2, 2, 3, 3, 4, 4, 4};
  const int whole = precision - scale;
  const int size =
      whole / 9 * 4 + kBytesOfDigits[whole % 9] + scale / 9 * 4 + kBytesOfDigits[scale % 9];
  std::string bytes(reader.bytes(static_cast<size_t>(size)));
  if (bytes.empty()) return "0";
  const bool negative = !(static_cast<uint8_t>(bytes[0]) & 0x80);
  bytes[0] = static_cast<char>(bytes[0] ^ 0x80);
  if (negative) {
    for (char& c : bytes) c = static_cast<char>(~c);
  }
  ByteReader digits(bytes, "a DECIMAL value");
  std::string integral;
  if (whole % 9) integral += std::to_string(digits.uint_be(kBytesOfDigits[whole % 9]));
  for (int i = 0; i < whole / 9; ++i) integral += padded(digits.uint_be(4), 9);
  const size_t first = integral.find_first_not_of('0');
  integral = first == std::string::npos ? "0" : integral.substr(first);
  std::string fraction;
  for (int i = 0; i < scale / 9; ++i) fraction += padded(digits.uint_be(4), 9);
  if (scale % 9) fraction += padded(digits.uint_be(kBytesOfDigits[scale % 9]), scale % 9);
  std::string text = negative ? "-" : "";
  text += integral;
  if (!fraction.empty()) {
    text += '.';
    text += fraction;
  }
  return text;
}

TextRow decode_row_image(ByteReader& rows, const TableMap& map, const std::vector<bool>& present,
                         const std::vector<ColumnInfo>& columns, const std::string& where) {
  size_t in_image = 0;
  for (bool p : present) in_image += p;
  const std::string_view null_bits = rows.bytes((in_image + 7) / 8);
  TextRow values(map.types.size());
  size_t index = 0;  // among the columns in the image
  for (size_t i = 0; i < map.types.size(); ++i) {
    if (!present[i]) continue;
    const bool is_null = (static_cast<uint8_t>(null_bits[index / 8]) >> (index % 8)) & 1;
    ++index;
    if (is_null) continue;
    values[i] = decode_value(rows, map.types[i], map.metadata[i], columns.at(i), where);
  }
  return values;
}

}  // namespace strata::ingest::mysql
