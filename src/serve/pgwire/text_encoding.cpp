#include "serve/pgwire/text_encoding.hpp"

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <limits>

#include "core/text.hpp"

namespace strata::serve::pgwire {

namespace {

int64_t floor_div(int64_t value, int64_t divisor) {
  int64_t quotient = value / divisor;
  if ((value % divisor != 0) && ((value < 0) != (divisor < 0))) --quotient;
  return quotient;
}

void append_two_digits(std::string& out, int64_t value) {
  out.push_back(static_cast<char>('0' + value / 10));
  out.push_back(static_cast<char>('0' + value % 10));
}

// ".ffffff" without trailing zeros, or nothing for whole seconds.
void append_fraction(std::string& out, int64_t micros) {
  if (micros == 0) return;
  char digits[8];
  std::snprintf(digits, sizeof digits, "%06lld", static_cast<long long>(micros));
  std::string_view text(digits, 6);
  while (text.back() == '0') text.remove_suffix(1);
  out.push_back('.');
  out.append(text);
}

// "YYYY-MM-DD" of the civil date, and whether it is BC.
bool append_civil(std::string& out, int64_t days) {
  const CivilDate date = civil_from_days(days);
  const bool bc = date.year <= 0;
  const int64_t year = bc ? 1 - date.year : date.year;
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%04lld-%02u-%02u", static_cast<long long>(year), date.month,
                date.day);
  out.append(buffer);
  return bc;
}

}  // namespace

CivilDate civil_from_days(int64_t days_since_1970) {
  // Count from 0000-03-01 so that leap days fall at the end of each 400-year era.
  const int64_t shifted = days_since_1970 + 719468;
  const int64_t era = floor_div(shifted, 146097);
  const int64_t day_of_era = shifted - era * 146097;
  const int64_t year_of_era =
      (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
  const int64_t day_of_year =
      day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  const int64_t month_from_march = (5 * day_of_year + 2) / 153;
  CivilDate date;
  date.day = static_cast<unsigned>(day_of_year - (153 * month_from_march + 2) / 5 + 1);
  date.month =
      static_cast<unsigned>(month_from_march < 10 ? month_from_march + 3 : month_from_march - 9);
  date.year = year_of_era + era * 400 + (date.month <= 2 ? 1 : 0);
  return date;
}

int64_t days_from_civil(const CivilDate& date) {
  const int64_t year = date.year - (date.month <= 2 ? 1 : 0);
  const int64_t era = floor_div(year, 400);
  const int64_t year_of_era = year - era * 400;
  const int64_t month_from_march = date.month > 2 ? date.month - 3 : date.month + 9;
  const int64_t day_of_year = (153 * month_from_march + 2) / 5 + date.day - 1;
  const int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + day_of_era - 719468;
}

void append_date(std::string& out, int32_t days) {
  if (days == std::numeric_limits<int32_t>::max()) {
    out.append("infinity");
    return;
  }
  if (days == -std::numeric_limits<int32_t>::max()) {
    out.append("-infinity");
    return;
  }
  if (append_civil(out, days)) out.append(" BC");
}

void append_time(std::string& out, int64_t micros) {
  const int64_t seconds = micros / kMicrosPerSecond;
  append_two_digits(out, seconds / 3600);
  out.push_back(':');
  append_two_digits(out, seconds / 60 % 60);
  out.push_back(':');
  append_two_digits(out, seconds % 60);
  append_fraction(out, micros % kMicrosPerSecond);
}

void append_utc_offset(std::string& out, int32_t offset_seconds) {
  out.push_back(offset_seconds < 0 ? '-' : '+');
  const int32_t magnitude = offset_seconds < 0 ? -offset_seconds : offset_seconds;
  append_two_digits(out, magnitude / 3600);
  if (magnitude % 3600 != 0) {
    out.push_back(':');
    append_two_digits(out, magnitude / 60 % 60);
    if (magnitude % 60 != 0) {
      out.push_back(':');
      append_two_digits(out, magnitude % 60);
    }
  }
}

void append_timestamp(std::string& out, int64_t micros, bool with_time_zone) {
  if (micros == std::numeric_limits<int64_t>::max()) {
    out.append("infinity");
    return;
  }
  if (micros == -std::numeric_limits<int64_t>::max()) {
    out.append("-infinity");
    return;
  }
  const int64_t days = floor_div(micros, kMicrosPerDay);
  const bool bc = append_civil(out, days);
  out.push_back(' ');
  append_time(out, micros - days * kMicrosPerDay);
  if (with_time_zone) out.append("+00");
  if (bc) out.append(" BC");
}

void append_interval(std::string& out, int32_t months, int32_t days, int64_t micros) {
  bool any = false;
  bool earlier_negative = false;
  auto part = [&](int64_t value, const char* unit) {
    if (value == 0) return;
    if (any) out.push_back(' ');
    if (earlier_negative && value > 0) out.push_back('+');
    out.append(std::to_string(value)).push_back(' ');
    out.append(unit);
    if (value != 1) out.push_back('s');
    earlier_negative |= value < 0;
    any = true;
  };
  part(months / 12, "year");
  part(months % 12, "mon");
  part(days, "day");
  if (micros != 0 || !any) {
    if (any) out.push_back(' ');
    const bool minus = micros < 0;
    if (minus) {
      out.push_back('-');
    } else if (earlier_negative) {
      out.push_back('+');
    }
    const uint64_t magnitude =
        minus ? static_cast<uint64_t>(-(micros + 1)) + 1 : static_cast<uint64_t>(micros);
    const uint64_t seconds = magnitude / kMicrosPerSecond;
    const uint64_t hours = seconds / 3600;
    if (hours < 10) out.push_back('0');
    out.append(std::to_string(hours)).push_back(':');
    append_two_digits(out, static_cast<int64_t>(seconds / 60 % 60));
    out.push_back(':');
    append_two_digits(out, static_cast<int64_t>(seconds % 60));
    append_fraction(out, static_cast<int64_t>(magnitude % kMicrosPerSecond));
  }
}

void append_unsigned(std::string& out, unsigned __int128 value) {
  char digits[40];
  size_t count = 0;
  do {
    digits[count++] = static_cast<char>('0' + static_cast<int>(value % 10));
    value /= 10;
  } while (value != 0);
  while (count > 0) out.push_back(digits[--count]);
}

void append_decimal(std::string& out, __int128 unscaled, uint8_t scale) {
  const bool negative = unscaled < 0;
  const unsigned __int128 magnitude = negative ? static_cast<unsigned __int128>(-(unscaled + 1)) + 1
                                               : static_cast<unsigned __int128>(unscaled);
  std::string digits;
  append_unsigned(digits, magnitude);
  if (digits.size() <= scale) digits.insert(0, scale + 1 - digits.size(), '0');
  if (negative) out.push_back('-');
  out.append(digits, 0, digits.size() - scale);
  if (scale > 0) {
    out.push_back('.');
    out.append(digits, digits.size() - scale, scale);
  }
}

void append_double(std::string& out, double value) {
  if (std::isnan(value)) {
    out.append("NaN");
  } else if (std::isinf(value)) {
    out.append(value < 0 ? "-Infinity" : "Infinity");
  } else {
    char buffer[64];
    const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
    out.append(buffer, result.ptr);
  }
}

void append_float(std::string& out, float value) {
  if (std::isnan(value) || std::isinf(value)) {
    append_double(out, value);
    return;
  }
  char buffer[64];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  out.append(buffer, result.ptr);
}

void append_uuid(std::string& out, int64_t upper, uint64_t lower) {
  const uint64_t high = static_cast<uint64_t>(upper) ^ (uint64_t{1} << 63);
  char buffer[40];
  std::snprintf(buffer, sizeof buffer, "%08llx-%04llx-%04llx-%04llx-%012llx",
                static_cast<unsigned long long>(high >> 32),
                static_cast<unsigned long long>((high >> 16) & 0xffff),
                static_cast<unsigned long long>(high & 0xffff),
                static_cast<unsigned long long>(lower >> 48),
                static_cast<unsigned long long>(lower & 0xffffffffffffULL));
  out.append(buffer);
}

void append_bytea_hex(std::string& out, std::string_view bytes) {
  out.append("\\x");
  append_hex(out, bytes);
}

void append_array_element(std::string& out, std::string_view text) {
  bool quote =
      text.empty() || (text.size() == 4 && (text[0] == 'N' || text[0] == 'n') &&
                       (text[1] == 'U' || text[1] == 'u') && (text[2] == 'L' || text[2] == 'l') &&
                       (text[3] == 'L' || text[3] == 'l'));
  for (char c : text) {
    if (c == '{' || c == '}' || c == ',' || c == '"' || c == '\\' ||
        std::isspace(static_cast<unsigned char>(c))) {
      quote = true;
      break;
    }
  }
  if (!quote) {
    out.append(text);
    return;
  }
  out.push_back('"');
  for (char c : text) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('"');
}

void append_json_string(std::string& out, std::string_view text) {
  out.push_back('"');
  for (char c : text) {
    switch (c) {
      case '"':
        out.append("\\\"");
        break;
      case '\\':
        out.append("\\\\");
        break;
      case '\n':
        out.append("\\n");
        break;
      case '\r':
        out.append("\\r");
        break;
      case '\t':
        out.append("\\t");
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buffer[8];
          std::snprintf(buffer, sizeof buffer, "\\u%04x", static_cast<unsigned>(c));
          out.append(buffer);
        } else {
          out.push_back(c);
        }
    }
  }
  out.push_back('"');
}

void append_csv_field(std::string& out, std::string_view text, char delimiter) {
  const bool quote = text.empty() || text.find(delimiter) != std::string_view::npos ||
                     text.find_first_of("\"\r\n") != std::string_view::npos;
  if (!quote) {
    out.append(text);
    return;
  }
  out.push_back('"');
  for (char c : text) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
}

}  // namespace strata::serve::pgwire
