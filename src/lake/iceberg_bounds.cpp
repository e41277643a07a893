#include "lake/iceberg_bounds.hpp"

#include <charconv>
#include <chrono>
#include <cmath>
#include <cstring>
#include <vector>

namespace strata::lake::iceberg {

namespace {

constexpr size_t kTruncateLength = 16;
constexpr int64_t kMicrosPerDay = 86'400'000'000;

template <typename T>
std::string little_endian(T value) {
  unsigned char bytes[sizeof(T)];
  std::memcpy(bytes, &value, sizeof(T));  // strata targets little-endian machines (x86-64, arm64)
  return std::string(reinterpret_cast<const char*>(bytes), sizeof(T));
}

// Digits at the front of `text` as a number; advances `text` past them.
std::optional<int64_t> take_number(std::string_view& text, size_t min_digits, size_t max_digits) {
  size_t n = 0;
  while (n < text.size() && n < max_digits && text[n] >= '0' && text[n] <= '9') ++n;
  if (n < min_digits) return std::nullopt;
  int64_t value = 0;
  std::from_chars(text.data(), text.data() + n, value);
  text.remove_prefix(n);
  return value;
}

bool take(std::string_view& text, char c) {
  if (text.empty() || text.front() != c) return false;
  text.remove_prefix(1);
  return true;
}

std::optional<int64_t> take_days(std::string_view& text) {
  auto year = take_number(text, 4, 6);
  if (!year || !take(text, '-')) return std::nullopt;
  auto month = take_number(text, 2, 2);
  if (!month || !take(text, '-')) return std::nullopt;
  auto day = take_number(text, 2, 2);
  if (!day) return std::nullopt;
  const std::chrono::year_month_day date{std::chrono::year(static_cast<int>(*year)),
                                         std::chrono::month(static_cast<unsigned>(*month)),
                                         std::chrono::day(static_cast<unsigned>(*day))};
  if (!date.ok()) return std::nullopt;
  return std::chrono::sys_days(date).time_since_epoch().count();
}

// "HH:MM:SS[.ffffff]" as microseconds since midnight (digits past the sixth are cut).
std::optional<int64_t> take_time(std::string_view& text) {
  auto hours = take_number(text, 2, 2);
  if (!hours || !take(text, ':')) return std::nullopt;
  auto minutes = take_number(text, 2, 2);
  if (!minutes || !take(text, ':')) return std::nullopt;
  auto seconds = take_number(text, 2, 2);
  if (!seconds) return std::nullopt;
  int64_t micros = ((*hours * 60 + *minutes) * 60 + *seconds) * 1'000'000;
  if (take(text, '.')) {
    int64_t scale = 100'000;
    size_t digits = 0;
    while (!text.empty() && text.front() >= '0' && text.front() <= '9') {
      if (digits++ < 6) {
        micros += (text.front() - '0') * scale;
        scale /= 10;
      }
      text.remove_prefix(1);
    }
    if (digits == 0) return std::nullopt;
  }
  return micros;
}

// "+HH[:MM[:SS]]" or "-HH..." as seconds east of UTC.
std::optional<int64_t> take_offset(std::string_view& text) {
  if (text.empty()) return 0;
  const int sign = text.front() == '-' ? -1 : 1;
  if (!take(text, '+') && !take(text, '-')) return std::nullopt;
  auto hours = take_number(text, 2, 2);
  if (!hours) return std::nullopt;
  int64_t seconds = *hours * 3600;
  if (take(text, ':')) {
    auto minutes = take_number(text, 2, 2);
    if (!minutes) return std::nullopt;
    seconds += *minutes * 60;
    if (take(text, ':')) {
      auto secs = take_number(text, 2, 2);
      if (!secs) return std::nullopt;
      seconds += *secs;
    }
  }
  return sign * seconds;
}

std::optional<int64_t> parse_timestamp(std::string_view text, bool with_zone) {
  auto days = take_days(text);
  if (!days || !take(text, ' ')) return std::nullopt;
  auto micros = take_time(text);
  if (!micros) return std::nullopt;
  int64_t offset = 0;
  if (with_zone) {
    auto parsed = take_offset(text);
    if (!parsed) return std::nullopt;
    offset = *parsed;
  }
  if (!text.empty()) return std::nullopt;
  return *days * kMicrosPerDay + *micros - offset * 1'000'000;
}

template <typename T>
std::optional<T> parse_number(std::string_view text) {
  T value{};
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// The unscaled value of a decimal printed with `scale` digits after the point.
std::optional<__int128> parse_unscaled(std::string_view text, int scale) {
  const bool negative = take(text, '-');
  __int128 value = 0;
  int fraction_digits = -1;
  size_t digits = 0;
  for (char c : text) {
    if (c == '.' && fraction_digits < 0) {
      fraction_digits = 0;
      continue;
    }
    if (c < '0' || c > '9' || ++digits > 38) return std::nullopt;
    if (fraction_digits >= 0 && fraction_digits++ >= scale) continue;  // beyond the scale: cut
    value = value * 10 + (c - '0');
  }
  for (int i = std::max(fraction_digits, 0); i < scale; ++i) value *= 10;
  return negative ? -value : value;
}

std::optional<std::string> hex_bytes(std::string_view text, size_t expected = 0) {
  std::string out;
  int high = -1;
  for (char c : text) {
    if (c == '-') continue;
    int nibble = c >= '0' && c <= '9'   ? c - '0'
                 : c >= 'a' && c <= 'f' ? c - 'a' + 10
                 : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                        : -1;
    if (nibble < 0) return std::nullopt;
    if (high < 0) {
      high = nibble;
    } else {
      out.push_back(static_cast<char>(high << 4 | nibble));
      high = -1;
    }
  }
  if (high >= 0 || (expected && out.size() != expected)) return std::nullopt;
  return out;
}

std::vector<char32_t> decode_utf8(std::string_view text) {
  std::vector<char32_t> out;
  for (size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    const size_t length = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    char32_t code = length == 1 ? c : length == 2 ? c & 0x1F : length == 3 ? c & 0x0F : c & 0x07;
    for (size_t k = 1; k < length && i + k < text.size(); ++k) {
      code = code << 6 | (static_cast<unsigned char>(text[i + k]) & 0x3F);
    }
    out.push_back(code);
    i += length;
  }
  return out;
}

std::string encode_utf8(const std::vector<char32_t>& codes) {
  std::string out;
  for (char32_t c : codes) {
    if (c < 0x80) {
      out += static_cast<char>(c);
    } else if (c < 0x800) {
      out += static_cast<char>(0xC0 | c >> 6);
      out += static_cast<char>(0x80 | (c & 0x3F));
    } else if (c < 0x10000) {
      out += static_cast<char>(0xE0 | c >> 12);
      out += static_cast<char>(0x80 | (c >> 6 & 0x3F));
      out += static_cast<char>(0x80 | (c & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | c >> 18);
      out += static_cast<char>(0x80 | (c >> 12 & 0x3F));
      out += static_cast<char>(0x80 | (c >> 6 & 0x3F));
      out += static_cast<char>(0x80 | (c & 0x3F));
    }
  }
  return out;
}

std::optional<std::string> truncated_string(std::string_view text, bool upper) {
  std::vector<char32_t> codes = decode_utf8(text);
  if (codes.size() <= kTruncateLength) return std::string(text);
  codes.resize(kTruncateLength);
  if (!upper) return encode_utf8(codes);
  while (!codes.empty()) {
    char32_t next = codes.back() + 1;
    if (next >= 0xD800 && next <= 0xDFFF) next = 0xE000;
    if (next <= 0x10FFFF) {
      codes.back() = next;
      return encode_utf8(codes);
    }
    codes.pop_back();
  }
  return std::nullopt;
}

std::optional<std::string> truncated_binary(std::string bytes, bool upper) {
  if (bytes.size() <= kTruncateLength) return bytes;
  bytes.resize(kTruncateLength);
  if (!upper) return bytes;
  while (!bytes.empty()) {
    auto& last = reinterpret_cast<unsigned char&>(bytes.back());
    if (last < 0xFF) {
      ++last;
      return bytes;
    }
    bytes.pop_back();
  }
  return std::nullopt;
}

std::optional<std::string> bound(const Type& type, std::string_view text, bool upper,
                                 bool truncate = true) {
  switch (type.id) {
    case TypeId::kBoolean:
      if (text == "true") return std::string(1, '\x01');
      if (text == "false") return std::string(1, '\x00');
      return std::nullopt;
    case TypeId::kInt:
      if (auto v = parse_number<int32_t>(text)) return little_endian(*v);
      return std::nullopt;
    case TypeId::kLong:
      if (auto v = parse_number<int64_t>(text)) return little_endian(*v);
      return std::nullopt;
    case TypeId::kFloat:
    case TypeId::kDouble: {
      auto v = parse_number<double>(text);
      if (!v || std::isnan(*v)) return std::nullopt;
      // -0.0 sorts before +0.0: a zero bound is widened to include both.
      if (*v == 0) *v = upper ? 0.0 : -0.0;
      if (type.id == TypeId::kDouble) return little_endian(*v);
      return little_endian(static_cast<float>(*v));
    }
    case TypeId::kDecimal:
      if (auto v = parse_unscaled(text, type.scale)) return decimal_bytes(*v);
      return std::nullopt;
    case TypeId::kDate: {
      auto days = take_days(text);
      if (!days || !text.empty()) return std::nullopt;
      return little_endian(static_cast<int32_t>(*days));
    }
    case TypeId::kTime: {
      auto micros = take_time(text);
      if (!micros || !text.empty()) return std::nullopt;
      return little_endian(*micros);
    }
    case TypeId::kTimestamp:
    case TypeId::kTimestampTz:
      if (auto v = parse_timestamp(text, type.id == TypeId::kTimestampTz)) return little_endian(*v);
      return std::nullopt;
    case TypeId::kString:
      if (!truncate) return std::string(text);
      return truncated_string(text, upper);
    case TypeId::kUuid:
      return hex_bytes(text, 16);
    case TypeId::kBinary:
      if (auto bytes = hex_bytes(text)) {
        if (!truncate) return bytes;
        return truncated_binary(std::move(*bytes), upper);
      }
      return std::nullopt;
    default:
      return std::nullopt;  // nested types have no bounds
  }
}

}  // namespace

std::string decimal_bytes(__int128 value) {
  std::string bytes(16, '\0');
  for (int i = 15; i >= 0; --i) {
    bytes[i] = static_cast<char>(static_cast<unsigned char>(value & 0xFF));
    value >>= 8;
  }
  size_t start = 0;
  while (start < 15) {
    const auto first = static_cast<unsigned char>(bytes[start]);
    const auto next = static_cast<unsigned char>(bytes[start + 1]);
    if ((first == 0x00 && !(next & 0x80)) || (first == 0xFF && (next & 0x80))) {
      ++start;
    } else {
      break;
    }
  }
  return bytes.substr(start);
}

std::optional<std::string> lower_bound(const Type& type, std::string_view duckdb_text) {
  return bound(type, duckdb_text, false);
}

std::optional<std::string> upper_bound(const Type& type, std::string_view duckdb_text) {
  return bound(type, duckdb_text, true);
}

std::optional<std::string> single_value(const Type& type, std::string_view duckdb_text) {
  return bound(type, duckdb_text, false, false);
}

}  // namespace strata::lake::iceberg
