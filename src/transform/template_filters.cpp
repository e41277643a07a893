#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>

#include "core/text.hpp"
#include "transform/template_builtins.hpp"
#include "transform/template_json.hpp"

namespace strata::transform::jinja {
namespace {

[[noreturn]] void fail(const std::string& message) {
  builtin_error(message);
}

// --- filters ------------------------------------------------------------------------------------

Value filter_lower(const Value& input, const CallArguments& arguments) {
  bind_arguments(arguments, {}, "lower");
  return lower_case(input.str());
}

Value filter_upper(const Value& input, const CallArguments& arguments) {
  bind_arguments(arguments, {}, "upper");
  return upper_case(input.str());
}

Value filter_capitalize(const Value& input, const CallArguments& arguments) {
  bind_arguments(arguments, {}, "capitalize");
  std::vector<std::string> characters = utf8_characters(input.str());
  std::string out;
  for (size_t i = 0; i < characters.size(); ++i) {
    out += i == 0 ? upper_case(characters[i]) : lower_case(characters[i]);
  }
  return out;
}

// As Jinja: each word capitalized, where words start after whitespace and any of - ( { [ <.
Value filter_title(const Value& input, const CallArguments& arguments) {
  bind_arguments(arguments, {}, "title");
  std::string out;
  bool word_start = true;
  for (const std::string& character : utf8_characters(input.str())) {
    const bool separator = character.size() == 1 &&
                           (std::isspace(static_cast<unsigned char>(character[0])) ||
                            std::string_view("-({[<").find(character[0]) != std::string_view::npos);
    out += word_start && !separator ? upper_case(character) : lower_case(character);
    word_start = separator;
  }
  return out;
}

Value filter_trim(const Value& input, const CallArguments& arguments) {
  auto bound = bind_arguments(arguments, {"chars"}, "trim");
  const std::string text = input.str();
  if (!bound[0] || bound[0]->is_none()) return std::string(trim(text));
  const std::string chars = bound[0]->str();
  const size_t begin = text.find_first_not_of(chars);
  if (begin == std::string::npos) return std::string();
  return text.substr(begin, text.find_last_not_of(chars) - begin + 1);
}

Value filter_default(const Value& input, const CallArguments& arguments) {
  auto bound = bind_arguments(arguments, {"default_value", "boolean"}, "default");
  const bool when_falsy = bound[1] && bound[1]->truthy();
  if (input.is_undefined() || (when_falsy && !input.truthy())) {
    return bound[0] ? *bound[0] : Value(std::string());
  }
  return input;
}

Value filter_join(const Value& input, const CallArguments& arguments) {
  auto bound = bind_arguments(arguments, {"d", "attribute"}, "join");
  const std::string separator = bound[0] ? bound[0]->str() : "";
  std::vector<std::string> parts;
  for (const Value& item : iterate(input)) {
    if (bound[1] && item.is_dict()) {
      const Value* attribute = item.as_dict().find(bound[1]->str());
      parts.push_back(attribute ? attribute->str() : "");
    } else {
      parts.push_back(item.str());
    }
  }
  return join(parts, separator);
}

Value filter_length(const Value& input, const CallArguments& arguments) {
  bind_arguments(arguments, {}, "length");
  return length_of(input);
}

Value filter_replace(const Value& input, const CallArguments& arguments) {
  auto bound = bind_arguments(arguments, {"old", "new", "count"}, "replace");
  if (!bound[0] || !bound[1]) fail("replace() needs the text to replace and its replacement");
  const std::string from = bound[0]->str();
  const std::string to = bound[1]->str();
  int64_t remaining = int_argument(bound[2], -1, "replace()'s count");
  const std::string text = input.str();
  if (from.empty()) return text;  // Python inserts between characters; nobody means that
  std::string out;
  size_t at = 0;
  for (size_t found = text.find(from); found != std::string::npos && remaining != 0;
       found = text.find(from, at), --remaining) {
    out += text.substr(at, found - at) + to;
    at = found + from.size();
  }
  return out + text.substr(at);
}

Value filter_string(const Value& input, const CallArguments& arguments) {
  bind_arguments(arguments, {}, "string");
  return input.str();
}

Value filter_int(const Value& input, const CallArguments& arguments) {
  auto bound = bind_arguments(arguments, {"default"}, "int");
  const Value fallback = bound[0] ? *bound[0] : Value(0);
  if (input.kind() == Value::Kind::kDouble) return static_cast<int64_t>(input.as_double());
  if (input.is_number()) return input.as_int();
  if (input.is_string()) {
    const std::string text(trim(input.as_string()));
    char* end = nullptr;
    const long long whole = std::strtoll(text.c_str(), &end, 10);
    if (!text.empty() && *end == '\0') return static_cast<int64_t>(whole);
    const double real = std::strtod(text.c_str(), &end);
    if (!text.empty() && *end == '\0') return static_cast<int64_t>(real);
  }
  return fallback;
}

Value filter_float(const Value& input, const CallArguments& arguments) {
  auto bound = bind_arguments(arguments, {"default"}, "float");
  const Value fallback = bound[0] ? *bound[0] : Value(0.0);
  if (input.is_number()) return input.as_double();
  if (input.is_string()) {
    const std::string text(trim(input.as_string()));
    char* end = nullptr;
    const double real = std::strtod(text.c_str(), &end);
    if (!text.empty() && *end == '\0') return real;
  }
  return fallback;
}

Value filter_abs(const Value& input, const CallArguments& arguments) {
  bind_arguments(arguments, {}, "abs");
  if (input.kind() == Value::Kind::kDouble) return std::fabs(input.as_double());
  if (input.is_number()) return input.as_int() < 0 ? -input.as_int() : input.as_int();
  fail("abs needs a number, not " + input.type_name());
}

Value filter_round(const Value& input, const CallArguments& arguments) {
  auto bound = bind_arguments(arguments, {"precision", "method"}, "round");
  if (!input.is_number()) fail("round needs a number, not " + input.type_name());
  const int64_t precision = int_argument(bound[0], 0, "precision");
  const std::string method = bound[1] ? bound[1]->str() : "common";
  if (method == "common" && precision >= 0 && precision < 300) {
    // Python's round() works on the double's exact decimal value, halves to even; so does
    // printf's correctly rounded conversion.
    char buffer[400];
    std::snprintf(buffer, sizeof buffer, "%.*f", static_cast<int>(precision), input.as_double());
    return std::strtod(buffer, nullptr);
  }
  const double scale = std::pow(10.0, static_cast<double>(precision));
  const double scaled = input.as_double() * scale;
  double rounded;
  if (method == "common") {
    rounded = std::nearbyint(scaled);
  } else if (method == "floor") {
    rounded = std::floor(scaled);
  } else if (method == "ceil") {
    rounded = std::ceil(scaled);
  } else {
    fail("round's method must be 'common', 'floor' or 'ceil', not '" + method + "'");
  }
  return rounded / scale;
}

Value filter_first(const Value& input, const CallArguments& arguments) {
  bind_arguments(arguments, {}, "first");
  List items = iterate(input);
  return items.empty() ? Value::undefined("first of an empty sequence") : items.front();
}

Value filter_last(const Value& input, const CallArguments& arguments) {
  bind_arguments(arguments, {}, "last");
  List items = iterate(input);
  return items.empty() ? Value::undefined("last of an empty sequence") : items.back();
}

Value filter_list(const Value& input, const CallArguments& arguments) {
  bind_arguments(arguments, {}, "list");
  return iterate(input);
}

Value filter_reverse(const Value& input, const CallArguments& arguments) {
  bind_arguments(arguments, {}, "reverse");
  if (input.is_string()) {
    std::vector<std::string> characters = utf8_characters(input.as_string());
    std::reverse(characters.begin(), characters.end());
    return join(characters, "");
  }
  List items = iterate(input);
  std::reverse(items.begin(), items.end());
  return items;
}

Value filter_sort(const Value& input, const CallArguments& arguments) {
  auto bound = bind_arguments(arguments, {"reverse", "case_sensitive", "attribute"}, "sort");
  const bool descending = bound[0] && bound[0]->truthy();
  const bool case_sensitive = bound[1] && bound[1]->truthy();
  auto key = [&](const Value& item) {
    Value value = item;
    if (bound[2] && item.is_dict()) {
      const Value* attribute = item.as_dict().find(bound[2]->str());
      value = attribute ? *attribute : Value::none();
    }
    if (!case_sensitive && value.is_string()) return Value(to_lower(value.as_string()));
    return value;
  };
  List items = iterate(input);
  std::stable_sort(items.begin(), items.end(), [&](const Value& a, const Value& b) {
    const int order = compare(key(a), key(b));
    return descending ? order > 0 : order < 0;
  });
  return items;
}

Value filter_unique(const Value& input, const CallArguments& arguments) {
  bind_arguments(arguments, {}, "unique");
  List out;
  for (const Value& item : iterate(input)) {
    if (std::find(out.begin(), out.end(), item) == out.end()) out.push_back(item);
  }
  return out;
}

Value filter_items(const Value& input, const CallArguments& arguments) {
  bind_arguments(arguments, {}, "items");
  if (input.is_undefined()) return List{};
  if (!input.is_dict()) fail("items needs a dict, not " + input.type_name());
  List out;
  for (const auto& [key, value] : input.as_dict().entries)
    out.push_back(Value::tuple({key, value}));
  return out;
}

Value filter_tojson(const Value& input, const CallArguments& arguments) {
  auto bound = bind_arguments(arguments, {"indent"}, "tojson");
  const int indent = static_cast<int>(int_argument(bound[0], -1, "tojson's indent"));
  return to_json(input).dump(indent);
}

const std::map<std::string, FilterFunction, std::less<>>& filters() {
  static const std::map<std::string, FilterFunction, std::less<>> table = {
      {"abs", filter_abs},         {"capitalize", filter_capitalize},
      {"count", filter_length},    {"d", filter_default},
      {"default", filter_default}, {"first", filter_first},
      {"float", filter_float},     {"int", filter_int},
      {"items", filter_items},     {"join", filter_join},
      {"last", filter_last},       {"length", filter_length},
      {"list", filter_list},       {"lower", filter_lower},
      {"replace", filter_replace}, {"reverse", filter_reverse},
      {"round", filter_round},     {"sort", filter_sort},
      {"string", filter_string},   {"title", filter_title},
      {"trim", filter_trim},       {"unique", filter_unique},
      {"upper", filter_upper},     {"tojson", filter_tojson}};
  return table;
}

template <typename Table>
std::vector<std::string> keys(const Table& table) {
  std::vector<std::string> out;
  for (const auto& entry : table) out.push_back(entry.first);
  return out;
}

}  // namespace

FilterFunction find_filter(std::string_view name) {
  auto found = filters().find(name);
  return found == filters().end() ? nullptr : found->second;
}

std::vector<std::string> filter_names() {
  return keys(filters());
}

}  // namespace strata::transform::jinja
