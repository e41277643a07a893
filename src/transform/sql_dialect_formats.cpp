#include "transform/sql_dialect_formats.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <string_view>
#include <utility>

#include "core/error.hpp"

namespace strata::transform {
namespace {

// '%' is the one character strftime treats specially in literal text.
void append_literal(std::string& out, char c) {
  if (c == '%') out += '%';
  out += c;
}

std::string java_letters(char letter, size_t count, const std::string& pattern) {
  // A single letter means "no zero padding" in Java, as %-d does in strftime.
  const std::string pad = count == 1 ? "%-" : "%";
  switch (letter) {
    case 'y':
    case 'u':
      return count == 2 ? "%y" : "%Y";
    case 'M':
    case 'L':
      return count >= 4 ? "%B" : count == 3 ? "%b" : pad + "m";
    case 'd':
      return pad + "d";
    case 'D':
      return "%j";
    case 'H':
      return pad + "H";
    case 'h':
      return pad + "I";
    case 'm':
      return pad + "M";
    case 's':
      return pad + "S";
    case 'S':
      return count <= 3 ? "%g" : "%f";
    case 'a':
      return "%p";
    case 'E':
      return count >= 4 ? "%A" : "%a";
    case 'Z':
    case 'X':
    case 'x':
      return "%z";
    default:
      throw Error(ErrorKind::kInput, std::string("date pattern letter '") + letter + "' in '" +
                                         pattern + "' is not translated");
  }
}

}  // namespace

std::string java_pattern_to_strftime(const std::string& pattern) {
  std::string out;
  for (size_t at = 0; at < pattern.size();) {
    const char c = pattern[at];
    if (c == '\'') {  // quoted literal text; '' is a quote
      size_t end = at + 1;
      if (end < pattern.size() && pattern[end] == '\'') {
        out += '\'';
        at = end + 1;
        continue;
      }
      while (end < pattern.size() && pattern[end] != '\'') append_literal(out, pattern[end++]);
      at = end + 1;
      continue;
    }
    if (!std::isalpha(static_cast<unsigned char>(c))) {
      append_literal(out, c);
      ++at;
      continue;
    }
    size_t end = at;
    while (end < pattern.size() && pattern[end] == c) ++end;
    out += java_letters(c, end - at, pattern);
    at = end;
  }
  return out;
}

std::string postgres_pattern_to_strftime(const std::string& pattern) {
  // Longest first, so HH24 wins over HH and MONTH over MON and MM. PostgreSQL matches these
  // case-insensitively when parsing (the case only shapes the output of to_char).
  static const std::array<std::pair<std::string_view, const char*>, 18> kTokens = {{
      {"HH24", "%H"},
      {"HH12", "%I"},
      {"YYYY", "%Y"},
      {"MONTH", "%B"},
      {"DAY", "%A"},
      {"MON", "%b"},
      {"DDD", "%j"},
      {"YY", "%y"},
      {"MM", "%m"},
      {"DD", "%d"},
      {"HH", "%I"},
      {"MI", "%M"},
      {"SS", "%S"},
      {"MS", "%g"},
      {"US", "%f"},
      {"AM", "%p"},
      {"PM", "%p"},
      {"TZ", "%Z"},
  }};
  std::string upper = pattern;
  std::transform(upper.begin(), upper.end(), upper.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  std::string out;
  for (size_t at = 0; at < pattern.size();) {
    if (pattern[at] == '"') {  // quoted literal text
      size_t end = at + 1;
      while (end < pattern.size() && pattern[end] != '"') append_literal(out, pattern[end++]);
      at = end + 1;
      continue;
    }
    bool matched = false;
    for (const auto& [token, replacement] : kTokens) {
      if (upper.compare(at, token.size(), token) == 0) {
        out += replacement;
        at += token.size();
        matched = true;
        break;
      }
    }
    if (matched) continue;
    if (std::isalpha(static_cast<unsigned char>(pattern[at]))) {
      throw Error(ErrorKind::kInput, "date pattern '" + pattern.substr(at) + "' in '" + pattern +
                                         "' is not translated");
    }
    append_literal(out, pattern[at++]);
  }
  return out;
}

}  // namespace strata::transform
