#include "transform/template_builtins.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>

#include "core/text.hpp"

namespace strata::transform::jinja {
namespace {

[[noreturn]] void fail(const std::string& message) {
  throw Error(ErrorKind::kInput, message);
}

// Bytes of one UTF-8 code point starting with `lead`.
size_t utf8_length(unsigned char lead) {
  if (lead >= 0xF0) return 4;
  if (lead >= 0xE0) return 3;
  if (lead >= 0xC0) return 2;
  return 1;
}

std::vector<std::string> code_points(const std::string& text) {
  std::vector<std::string> out;
  for (size_t i = 0; i < text.size();) {
    const size_t n = std::min(utf8_length(static_cast<unsigned char>(text[i])), text.size() - i);
    out.push_back(text.substr(i, n));
    i += n;
  }
  return out;
}

std::string map_ascii(std::string text, int (*convert)(int)) {
  for (char& c : text) c = static_cast<char>(convert(static_cast<unsigned char>(c)));
  return text;
}

int64_t int_argument(const std::optional<Value>& value, int64_t fallback, const char* what) {
  if (!value || value->is_none()) return fallback;
  if (value->kind() != Value::Kind::kInt && value->kind() != Value::Kind::kBool) {
    fail(std::string(what) + " must be an integer, not " + value->type_name());
  }
  return value->as_int();
}

// --- filters ------------------------------------------------------------------------------------

Value filter_lower(const Value& input, const CallArguments& arguments) {
  bind_arguments(arguments, {}, "lower");
  return map_ascii(input.str(), ::tolower);
}

Value filter_upper(const Value& input, const CallArguments& arguments) {
  bind_arguments(arguments, {}, "upper");
  return map_ascii(input.str(), ::toupper);
}

Value filter_capitalize(const Value& input, const CallArguments& arguments) {
  bind_arguments(arguments, {}, "capitalize");
  std::string text = map_ascii(input.str(), ::tolower);
  if (!text.empty()) text[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(text[0])));
  return text;
}

Value filter_title(const Value& input, const CallArguments& arguments) {
  bind_arguments(arguments, {}, "title");
  std::string text = input.str();
  bool word_start = true;
  for (char& c : text) {
    const bool letter = std::isalpha(static_cast<unsigned char>(c)) != 0;
    c = static_cast<char>(word_start ? std::toupper(static_cast<unsigned char>(c))
                                     : std::tolower(static_cast<unsigned char>(c)));
    word_start = !letter && !std::isdigit(static_cast<unsigned char>(c)) && c != '\'';
  }
  return text;
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
  const double scale = std::pow(10.0, static_cast<double>(int_argument(bound[0], 0, "precision")));
  const std::string method = bound[1] ? bound[1]->str() : "common";
  const double scaled = input.as_double() * scale;
  double rounded;
  if (method == "common") {
    rounded = std::nearbyint(scaled);  // halves to even, like Python's round()
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
    std::vector<std::string> characters = code_points(input.as_string());
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

// --- tests --------------------------------------------------------------------------------------

bool test_defined(const Value& input, const CallArguments&) {
  return !input.is_undefined();
}
bool test_undefined(const Value& input, const CallArguments&) {
  return input.is_undefined();
}
bool test_none(const Value& input, const CallArguments&) {
  return input.is_none();
}
bool test_boolean(const Value& input, const CallArguments&) {
  return input.kind() == Value::Kind::kBool;
}
bool test_true(const Value& input, const CallArguments&) {
  return input.kind() == Value::Kind::kBool && input.as_bool();
}
bool test_false(const Value& input, const CallArguments&) {
  return input.kind() == Value::Kind::kBool && !input.as_bool();
}
bool test_integer(const Value& input, const CallArguments&) {
  return input.kind() == Value::Kind::kInt;
}
bool test_float(const Value& input, const CallArguments&) {
  return input.kind() == Value::Kind::kDouble;
}
bool test_number(const Value& input, const CallArguments&) {
  return input.is_number();
}
bool test_string(const Value& input, const CallArguments&) {
  return input.is_string();
}
bool test_mapping(const Value& input, const CallArguments&) {
  return input.is_dict();
}
bool test_sequence(const Value& input, const CallArguments&) {
  return input.is_list() || input.is_string() || input.is_dict();
}
bool test_callable(const Value& input, const CallArguments&) {
  return input.is_callable();
}

int64_t integer_operand(const Value& input, const char* test) {
  if (input.kind() != Value::Kind::kInt) {
    fail(std::string("the '") + test + "' test needs an integer, not " + input.type_name());
  }
  return input.as_int();
}
bool test_even(const Value& input, const CallArguments&) {
  return integer_operand(input, "even") % 2 == 0;
}
bool test_odd(const Value& input, const CallArguments&) {
  return integer_operand(input, "odd") % 2 != 0;
}
bool test_divisibleby(const Value& input, const CallArguments& arguments) {
  auto bound = bind_arguments(arguments, {"num"}, "divisibleby");
  const int64_t divisor = int_argument(bound[0], 0, "divisibleby's argument");
  if (divisor == 0) fail("divisibleby needs a divisor other than 0");
  return integer_operand(input, "divisibleby") % divisor == 0;
}

Value single_argument(const CallArguments& arguments, const char* test) {
  auto bound = bind_arguments(arguments, {"other"}, test);
  if (!bound[0]) fail(std::string("the '") + test + "' test needs a value to compare with");
  return *bound[0];
}
bool test_equal(const Value& input, const CallArguments& arguments) {
  return input == single_argument(arguments, "eq");
}
bool test_not_equal(const Value& input, const CallArguments& arguments) {
  return !(input == single_argument(arguments, "ne"));
}
bool test_in(const Value& input, const CallArguments& arguments) {
  const List items = iterate(single_argument(arguments, "in"));
  return std::find(items.begin(), items.end(), input) != items.end();
}
bool test_lower(const Value& input, const CallArguments&) {
  return input.is_string() && map_ascii(input.as_string(), ::tolower) == input.as_string();
}
bool test_upper(const Value& input, const CallArguments&) {
  return input.is_string() && map_ascii(input.as_string(), ::toupper) == input.as_string();
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
      {"upper", filter_upper}};
  return table;
}

const std::map<std::string, TestFunction, std::less<>>& tests() {
  static const std::map<std::string, TestFunction, std::less<>> table = {
      {"boolean", test_boolean},
      {"callable", test_callable},
      {"defined", test_defined},
      {"divisibleby", test_divisibleby},
      {"eq", test_equal},
      {"equalto", test_equal},
      {"even", test_even},
      {"false", test_false},
      {"float", test_float},
      {"in", test_in},
      {"integer", test_integer},
      {"iterable", test_sequence},
      {"lower", test_lower},
      {"mapping", test_mapping},
      {"ne", test_not_equal},
      {"none", test_none},
      {"number", test_number},
      {"odd", test_odd},
      {"sameas", test_equal},
      {"sequence", test_sequence},
      {"string", test_string},
      {"true", test_true},
      {"undefined", test_undefined},
      {"upper", test_upper}};
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

TestFunction find_test(std::string_view name) {
  auto found = tests().find(name);
  return found == tests().end() ? nullptr : found->second;
}

std::vector<std::string> filter_names() {
  return keys(filters());
}
std::vector<std::string> test_names() {
  return keys(tests());
}

List iterate(const Value& value) {
  switch (value.kind()) {
    case Value::Kind::kUndefined:
      return {};
    case Value::Kind::kList:
      return value.as_list();
    case Value::Kind::kString: {
      List out;
      for (std::string& character : code_points(value.as_string())) out.emplace_back(character);
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
      return static_cast<int64_t>(code_points(value.as_string()).size());
    case Value::Kind::kList:
      return static_cast<int64_t>(value.as_list().size());
    case Value::Kind::kDict:
      return static_cast<int64_t>(value.as_dict().entries.size());
    default:
      fail(value.type_name() + " '" + value.str() + "' has no length");
  }
}

}  // namespace strata::transform::jinja
