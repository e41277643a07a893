#include "serve/pgwire/numeric_binary.hpp"

#include <cctype>
#include <cstdint>
#include <vector>

#include "core/error.hpp"
#include "serve/pgwire/message_buffer.hpp"

namespace strata::serve::pgwire {

namespace {

constexpr uint16_t kPositive = 0x0000;
constexpr uint16_t kNegative = 0x4000;
constexpr uint16_t kNaN = 0xC000;
constexpr uint16_t kPlusInfinity = 0xD000;
constexpr uint16_t kMinusInfinity = 0xF000;

[[noreturn]] void not_a_number(std::string_view text) {
  throw Error(ErrorKind::kInput, "'" + std::string(text) + "' is not a decimal number");
}

void append_header(std::string& out, size_t digits, int weight, uint16_t sign, int scale) {
  put_uint16(out, static_cast<uint16_t>(digits));
  put_uint16(out, static_cast<uint16_t>(static_cast<int16_t>(weight)));
  put_uint16(out, sign);
  put_uint16(out, static_cast<uint16_t>(scale));
}

}  // namespace

void append_numeric_binary(std::string& out, std::string_view text) {
  if (text == "NaN") return append_header(out, 0, 0, kNaN, 0);
  if (text == "Infinity") return append_header(out, 0, 0, kPlusInfinity, 0);
  if (text == "-Infinity") return append_header(out, 0, 0, kMinusInfinity, 0);
  std::string_view rest = text;
  bool negative = false;
  if (!rest.empty() && (rest[0] == '-' || rest[0] == '+')) {
    negative = rest[0] == '-';
    rest.remove_prefix(1);
  }
  const size_t point = rest.find('.');
  std::string_view integer = rest.substr(0, point);
  std::string_view fraction = point == std::string_view::npos ? "" : rest.substr(point + 1);
  if (integer.empty() && fraction.empty()) not_a_number(text);
  for (char c : integer) {
    if (!std::isdigit(static_cast<unsigned char>(c))) not_a_number(text);
  }
  for (char c : fraction) {
    if (!std::isdigit(static_cast<unsigned char>(c))) not_a_number(text);
  }
  // Pad both parts to whole groups of four digits around the decimal point.
  std::string digits(integer);
  const size_t lead = (4 - digits.size() % 4) % 4;
  digits.insert(0, lead, '0');
  const int integer_groups = static_cast<int>(digits.size() / 4);
  digits.append(fraction);
  digits.append((4 - fraction.size() % 4) % 4, '0');
  std::vector<uint16_t> groups;
  for (size_t i = 0; i < digits.size(); i += 4) {
    groups.push_back(static_cast<uint16_t>(std::stoi(digits.substr(i, 4))));
  }
  int weight = integer_groups - 1;
  size_t first = 0;
  while (first < groups.size() && groups[first] == 0) {
    ++first;
    --weight;
  }
  size_t last = groups.size();
  while (last > first && groups[last - 1] == 0) --last;
  if (first == last) {
    weight = 0;
    negative = false;
  }
  append_header(out, last - first, weight, negative ? kNegative : kPositive,
                static_cast<int>(fraction.size()));
  for (size_t i = first; i < last; ++i) put_uint16(out, groups[i]);
}

std::string numeric_binary_to_text(std::string_view binary) {
  MessageReader reader(binary, "binary numeric value");
  const int16_t count = reader.int16();
  const int16_t weight = reader.int16();
  const uint16_t sign = static_cast<uint16_t>(reader.int16());
  const int16_t scale = reader.int16();
  if (sign == kNaN) return "NaN";
  if (sign == kPlusInfinity) return "Infinity";
  if (sign == kMinusInfinity) return "-Infinity";
  if (count < 0 || scale < 0 || (sign != kPositive && sign != kNegative)) {
    throw Error(ErrorKind::kInput, "invalid binary numeric value");
  }
  std::vector<int> groups(static_cast<size_t>(count));
  for (int& group : groups) {
    group = reader.int16();
    if (group < 0 || group > 9999) throw Error(ErrorKind::kInput, "invalid numeric digit");
  }
  reader.expect_end();
  auto group_at = [&](int index) { return index >= 0 && index < count ? groups[index] : 0; };
  // The integer part has no leading zeros and zero no sign, whatever weight and digits say (a
  // client may send zero digits with any weight, leading zero digits, or digits past the scale).
  std::string out;
  std::string integer;
  for (int i = 0; i <= weight; ++i) {
    const int group = group_at(i);
    if (integer.empty()) {
      if (group != 0) integer = std::to_string(group);
    } else {
      const std::string digits = std::to_string(group);
      integer.append(4 - digits.size(), '0').append(digits);
    }
  }
  out.append(integer.empty() ? "0" : integer);
  if (scale > 0) {
    std::string fraction;
    for (int i = weight + 1; static_cast<int>(fraction.size()) < scale; ++i) {
      std::string group = std::to_string(group_at(i));
      fraction.append(4 - group.size(), '0').append(group);
    }
    out.push_back('.');
    out.append(fraction, 0, static_cast<size_t>(scale));
  }
  if (sign == kNegative && out.find_first_not_of("0.") != std::string::npos) {
    return std::string(1, '-') + out;
  }
  return out;
}

}  // namespace strata::serve::pgwire
