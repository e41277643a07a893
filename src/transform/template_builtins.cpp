#include "transform/template_builtins.hpp"

#include <algorithm>

namespace strata::transform::jinja {
namespace {

[[noreturn]] void fail(const std::string& message) {
  throw Error(ErrorKind::kInput, message);
}

// Bytes of the UTF-8 sequence that starts with `lead` (1 for stray continuation bytes).
size_t utf8_length(unsigned char lead) {
  if (lead >= 0xF0) return 4;
  if (lead >= 0xE0) return 3;
  if (lead >= 0xC0) return 2;
  return 1;
}

// Simple case mappings of the scripts whose letters pair up regularly: ASCII, Latin-1, Latin
// Extended-A, Greek and Cyrillic. Other characters are left as they are.
char32_t lower_code_point(char32_t c) {
  if (c >= 'A' && c <= 'Z') return c + 0x20;
  if (c == 0x178) return 0xFF;
  if (c >= 0xC0 && c <= 0xDE && c != 0xD7) return c + 0x20;
  if ((c >= 0x100 && c <= 0x137 && c != 0x130) || (c >= 0x14A && c <= 0x177)) {
    return c % 2 == 0 ? c + 1 : c;
  }
  if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E)) return c % 2 == 1 ? c + 1 : c;
  if (c >= 0x391 && c <= 0x3A9 && c != 0x3A2) return c + 0x20;
  if (c >= 0x410 && c <= 0x42F) return c + 0x20;
  if (c >= 0x400 && c <= 0x40F) return c + 0x50;
  return c;
}

char32_t upper_code_point(char32_t c) {
  if (c >= 'a' && c <= 'z') return c - 0x20;
  if (c == 0xFF) return 0x178;
  if (c >= 0xE0 && c <= 0xFE && c != 0xF7) return c - 0x20;
  if ((c >= 0x101 && c <= 0x137 && c != 0x131) || (c >= 0x14B && c <= 0x177)) {
    return c % 2 == 1 ? c - 1 : c;
  }
  if ((c >= 0x13A && c <= 0x148) || (c >= 0x17A && c <= 0x17E)) return c % 2 == 0 ? c - 1 : c;
  if (c == 0x3C2) return 0x3A3;  // final sigma
  if (c >= 0x3B1 && c <= 0x3C9) return c - 0x20;
  if (c >= 0x430 && c <= 0x44F) return c - 0x20;
  if (c >= 0x450 && c <= 0x45F) return c - 0x50;
  return c;
}

// Every mapped letter is a one- or two-byte UTF-8 sequence, and so is its counterpart (except
// 'ß', whose capital form is "SS").
std::string map_case(std::string_view text, bool to_upper) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    const auto lead = static_cast<unsigned char>(text[i]);
    const size_t n = std::min(utf8_length(lead), text.size() - i);
    if (n == 1) {
      out += static_cast<char>(to_upper ? upper_code_point(lead) : lower_code_point(lead));
    } else if (n == 2) {
      const auto code_point = static_cast<char32_t>(
          ((lead & 0x1F) << 6) | (static_cast<unsigned char>(text[i + 1]) & 0x3F));
      if (to_upper && code_point == 0xDF) {
        out += "SS";
      } else {
        const char32_t mapped =
            to_upper ? upper_code_point(code_point) : lower_code_point(code_point);
        out += static_cast<char>(0xC0 | (mapped >> 6));
        out += static_cast<char>(0x80 | (mapped & 0x3F));
      }
    } else {
      out.append(text.substr(i, n));
    }
    i += n;
  }
  return out;
}

}  // namespace

std::vector<std::string> utf8_characters(const std::string& text) {
  std::vector<std::string> out;
  for (size_t i = 0; i < text.size();) {
    const size_t n = std::min(utf8_length(static_cast<unsigned char>(text[i])), text.size() - i);
    out.push_back(text.substr(i, n));
    i += n;
  }
  return out;
}

std::string lower_case(std::string_view text) {
  return map_case(text, false);
}
std::string upper_case(std::string_view text) {
  return map_case(text, true);
}

List iterate(const Value& value) {
  switch (value.kind()) {
    case Value::Kind::kUndefined:
      return {};
    case Value::Kind::kList:
      return value.as_list();
    case Value::Kind::kString: {
      List out;
      for (std::string& character : utf8_characters(value.as_string())) out.emplace_back(character);
      return out;
    }
    case Value::Kind::kDict: {
      List out;
      for (const auto& entry : value.as_dict().entries) out.emplace_back(entry.first);
      return out;
    }
    default:
      fail("cannot iterate over " + value.type_name() + " '" + value.str() + "'");
  }
}

int64_t length_of(const Value& value) {
  switch (value.kind()) {
    case Value::Kind::kUndefined:
      return 0;
    case Value::Kind::kString:
      return static_cast<int64_t>(utf8_characters(value.as_string()).size());
    case Value::Kind::kList:
      return static_cast<int64_t>(value.as_list().size());
    case Value::Kind::kDict:
      return static_cast<int64_t>(value.as_dict().entries.size());
    default:
      fail(value.type_name() + " '" + value.str() + "' has no length");
  }
}

void builtin_error(const std::string& message) {
  throw Error(ErrorKind::kInput, message);
}

int64_t int_argument(const std::optional<Value>& value, int64_t fallback, const char* what) {
  if (!value || value->is_none()) return fallback;
  if (value->kind() != Value::Kind::kInt && value->kind() != Value::Kind::kBool) {
    builtin_error(std::string(what) + " must be an integer, not " + value->type_name());
  }
  return value->as_int();
}

}  // namespace strata::transform::jinja
