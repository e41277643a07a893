#include "transform/template_globals.hpp"

#include <map>

#include "transform/template_builtins.hpp"

namespace strata::transform::jinja {
namespace {

Value range_function(const CallArguments& arguments) {
  if (!arguments.keyword.empty() || arguments.positional.empty() ||
      arguments.positional.size() > 3) {
    builtin_error("range() takes one to three integers: range(stop), range(start, stop[, step])");
  }
  std::vector<int64_t> bounds;
  for (const Value& value : arguments.positional) {
    if (value.kind() != Value::Kind::kInt && value.kind() != Value::Kind::kBool) {
      builtin_error("range() takes integers, not " + value.type_name());
    }
    bounds.push_back(value.as_int());
  }
  int64_t start = 0, stop = bounds[0], step = 1;
  if (bounds.size() >= 2) start = bounds[0], stop = bounds[1];
  if (bounds.size() == 3) step = bounds[2];
  if (step == 0) builtin_error("range() step must not be zero");
  constexpr int64_t kMaxItems = 1'000'000;  // a template has no business making more
  List items;
  for (int64_t i = start; step > 0 ? i < stop : i > stop; i += step) {
    if (static_cast<int64_t>(items.size()) >= kMaxItems) builtin_error("range() is too long");
    items.emplace_back(i);
  }
  return items;
}

Value dict_function(const CallArguments& arguments) {
  Dict dict;
  for (const Value& positional : arguments.positional) {
    if (!positional.is_dict()) builtin_error("dict() takes a dict or keyword arguments");
    for (const auto& [key, value] : positional.as_dict().entries) dict.set(key, value);
  }
  for (const auto& [key, value] : arguments.keyword) dict.set(key, value);
  return dict;
}

Value namespace_function(const CallArguments& arguments) {
  Value value = dict_function(arguments);
  value.mutable_dict().is_namespace = true;
  return value;
}

Value zip_function(const CallArguments& arguments) {
  if (!arguments.keyword.empty()) builtin_error("zip() takes no keyword arguments");
  std::vector<List> lists;
  size_t shortest = arguments.positional.empty() ? 0 : SIZE_MAX;
  for (const Value& value : arguments.positional) {
    lists.push_back(iterate(value));
    shortest = std::min(shortest, lists.back().size());
  }
  List out;
  for (size_t i = 0; i < shortest; ++i) {
    List row;
    for (const List& list : lists) row.push_back(list[i]);
    out.push_back(Value::tuple(std::move(row)));
  }
  return out;
}

Value return_function(const CallArguments& arguments) {
  if (arguments.positional.size() > 1 || !arguments.keyword.empty()) {
    builtin_error("return() takes one value");
  }
  throw MacroReturn{arguments.positional.empty() ? Value::none() : arguments.positional[0]};
}

const std::map<std::string, Value, std::less<>>& globals() {
  static const std::map<std::string, Value, std::less<>> table = {
      {"range", Value::function("range", range_function)},
      {"dict", Value::function("dict", dict_function)},
      {"namespace", Value::function("namespace", namespace_function)},
      {"zip", Value::function("zip", zip_function)},
      {"return", Value::function("return", return_function)},
  };
  return table;
}

}  // namespace

const Value* find_global(std::string_view name) {
  auto found = globals().find(name);
  return found == globals().end() ? nullptr : &found->second;
}

}  // namespace strata::transform::jinja
