#include <algorithm>
#include <map>

#include "transform/template_builtins.hpp"

namespace strata::transform::jinja {
namespace {

[[noreturn]] void fail(const std::string& message) {
  builtin_error(message);
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
  return input.is_string() && lower_case(input.as_string()) == input.as_string();
}
bool test_upper(const Value& input, const CallArguments&) {
  return input.is_string() && upper_case(input.as_string()) == input.as_string();
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

}  // namespace

TestFunction find_test(std::string_view name) {
  auto found = tests().find(name);
  return found == tests().end() ? nullptr : found->second;
}

std::vector<std::string> test_names() {
  std::vector<std::string> out;
  for (const auto& entry : tests()) out.push_back(entry.first);
  return out;
}

}  // namespace strata::transform::jinja
