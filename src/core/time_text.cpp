#include "core/time_text.hpp"

#include <cctype>
#include <regex>

#include "core/text.hpp"

namespace strata {

std::optional<int64_t> parse_instant(std::string_view text, const TimeZone& zone) {
  static const std::regex kInstant(
      R"(^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?)?\s*(Z|[+-]\d{2}:?\d{2})?$)");
  const std::string input(trim(text));
  std::smatch m;
  if (!std::regex_match(input, m, kInstant)) return std::nullopt;
  CivilTime civil;
  civil.year = std::stoi(m[1]);
  civil.month = std::stoi(m[2]);
  civil.day = std::stoi(m[3]);
  civil.hour = m[4].matched ? std::stoi(m[4]) : 0;
  civil.minute = m[5].matched ? std::stoi(m[5]) : 0;
  civil.second = m[6].matched ? std::stoi(m[6]) : 0;
  if (civil.month < 1 || civil.month > 12 || civil.day < 1 || civil.hour > 23 ||
      civil.minute > 59 || civil.second > 59) {
    return std::nullopt;
  }
  // A day that does not exist (Feb 30) would silently move to the next month.
  const int64_t seconds = seconds_from_civil(civil);
  if (civil_from_seconds(seconds).day != civil.day) return std::nullopt;
  if (!m[7].matched) return zone.from_local(civil).earliest;
  const std::string offset = m[7];
  if (offset == "Z") return seconds;
  std::string digits;
  for (char c : offset) {
    if (std::isdigit(static_cast<unsigned char>(c))) digits += c;
  }
  const int64_t east = std::stoi(digits.substr(0, 2)) * 3600 + std::stoi(digits.substr(2)) * 60;
  return offset[0] == '-' ? seconds + east : seconds - east;
}

std::string iso_utc(int64_t seconds) {
  std::string text = civil_from_seconds(seconds).str();
  text[10] = 'T';
  return text + "Z";
}

std::optional<int64_t> parse_duration_ms(std::string_view text) {
  static const std::regex kPart(R"(^(\d+)\s*(ms|s|m|h|d)\s*)");
  std::string rest(trim(text));
  if (rest.empty()) return std::nullopt;
  int64_t total = 0;
  std::smatch part;
  while (!rest.empty()) {
    if (!std::regex_search(rest, part, kPart)) return std::nullopt;
    const int64_t value = std::stoll(part[1]);
    const std::string unit = part[2];
    const int64_t scale = unit == "ms"  ? 1
                          : unit == "s" ? 1000
                          : unit == "m" ? 60'000
                          : unit == "h" ? 3'600'000
                                        : 86'400'000;
    total += value * scale;
    rest = part.suffix().str();
  }
  return total;
}

std::string format_duration_ms(int64_t ms) {
  if (ms == 0) return "0s";
  std::string out;
  for (auto [scale, unit] : {std::pair<int64_t, const char*>{86'400'000, "d"},
                             {3'600'000, "h"},
                             {60'000, "m"},
                             {1000, "s"},
                             {1, "ms"}}) {
    if (ms >= scale) {
      out += std::to_string(ms / scale) + unit;
      ms %= scale;
    }
  }
  return out;
}

}  // namespace strata
