// The values a Jinja template computes with: undefined, none, booleans, integers, floats, strings,
// lists, dicts and callables, with Python's semantics where Jinja borrows them (truthiness, `str()`
// when rendering, `==` across numbers, insertion-ordered dicts). Lists and dicts are immutable and
// shared, so copying a Value is cheap. A dict may carry a display text: that is how objects such as
// dbt relations render as `"schema"."table"` while still exposing attributes (`this.schema`).
// Tuples are lists that remember to render with parentheses, as Python's do (`('a', 'b')`).
// Callables receive their arguments with the place of the call; `bind_arguments` matches them to
// parameter names the way Python does, so every built-in function reports misuse the same way.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "core/error.hpp"

namespace strata::transform::jinja {

class Value;
struct CallArguments;

using List = std::vector<Value>;
using Function = std::function<Value(const CallArguments&)>;

// An insertion-ordered mapping from strings to values (Jinja dicts iterate in insertion order).
struct Dict {
  std::vector<std::pair<std::string, Value>> entries;
  // When set, the dict renders as this text instead of its entries (an object with attributes).
  std::optional<std::string> display;
  bool is_namespace = false;  // made by namespace(): `{% set ns.x = ... %}` may change it

  const Value* find(std::string_view key) const;
  // Sets `key`, replacing an existing entry in place.
  void set(std::string key, Value value);
};

struct Callable {
  std::string name;
  Function function;
};

// What a missing variable or attribute evaluates to; `hint` explains it in error messages.
struct Undefined {
  std::string hint;  // e.g. "'foo' is undefined"
};

class Value {
 public:
  enum class Kind { kUndefined, kNone, kBool, kInt, kDouble, kString, kList, kDict, kCallable };

  Value() : data_(Undefined{}) {}
  Value(std::nullptr_t) : data_(nullptr) {}
  Value(bool value) : data_(value) {}
  Value(int value) : data_(static_cast<int64_t>(value)) {}
  Value(int64_t value) : data_(value) {}
  Value(double value) : data_(value) {}
  Value(std::string value) : data_(std::move(value)) {}
  Value(std::string_view value) : data_(std::string(value)) {}
  Value(const char* value) : data_(std::string(value)) {}
  // Lists and dicts are allocated mutable so that the few operations Jinja allows to change them in
  // place (`list.append`, `dict.update`, `{% set ns.x = ... %}`) can, through mutable_*().
  Value(List items)
      : data_(std::shared_ptr<const List>(std::make_shared<List>(std::move(items)))) {}
  Value(Dict dict) : data_(std::shared_ptr<const Dict>(std::make_shared<Dict>(std::move(dict)))) {}

  static Value undefined(std::string hint) { return Value(Undefined{std::move(hint)}); }
  static Value none() { return Value(nullptr); }
  // A list that renders as a Python tuple: `(1, 2)`, `(1,)`.
  static Value tuple(List items);
  static Value function(std::string name, Function function);
  // A dict that renders as `display` (like a Python object with a __str__).
  static Value object(Dict attributes, std::string display);

  Kind kind() const { return static_cast<Kind>(data_.index()); }
  bool is_undefined() const { return kind() == Kind::kUndefined; }
  bool is_none() const { return kind() == Kind::kNone; }
  bool is_string() const { return kind() == Kind::kString; }
  bool is_list() const { return kind() == Kind::kList; }  // tuples too
  bool is_tuple() const { return tuple_; }
  bool is_dict() const { return kind() == Kind::kDict; }
  bool is_callable() const { return kind() == Kind::kCallable; }
  // Integers and floats; booleans count as numbers in arithmetic, as in Python.
  bool is_number() const;

  bool as_bool() const { return std::get<bool>(data_); }
  int64_t as_int() const;    // integers and booleans
  double as_double() const;  // any number
  const std::string& as_string() const { return std::get<std::string>(data_); }
  const List& as_list() const { return *std::get<std::shared_ptr<const List>>(data_); }
  const Dict& as_dict() const { return *std::get<std::shared_ptr<const Dict>>(data_); }
  // The shared list or dict itself, for in-place changes visible through every copy of the value.
  List& mutable_list() const { return const_cast<List&>(as_list()); }
  Dict& mutable_dict() const { return const_cast<Dict&>(as_dict()); }
  const Callable& as_callable() const { return *std::get<std::shared_ptr<const Callable>>(data_); }
  const std::string& undefined_hint() const { return std::get<Undefined>(data_).hint; }

  // Python truthiness: empty, zero, none and undefined are false.
  bool truthy() const;
  // Python's str(): what `{{ value }}` renders. Undefined renders as "".
  std::string str() const;
  // Python's repr(): how the value appears inside a rendered list or dict.
  std::string repr() const;
  // The type's name for error messages ("string", "integer", "list", ...).
  std::string type_name() const;

  friend bool operator==(const Value& a, const Value& b);

 private:
  explicit Value(Undefined undefined) : data_(std::move(undefined)) {}
  std::variant<Undefined, std::nullptr_t, bool, int64_t, double, std::string,
               std::shared_ptr<const List>, std::shared_ptr<const Dict>,
               std::shared_ptr<const Callable>>
      data_;
  bool tuple_ = false;
};

// Ordering for `<`, `>` and sorting: numbers, strings and lists (element by element), as in
// Python. Returns <0, 0 or >0; throws Error(kInput) for values that have no order between them.
int compare(const Value& a, const Value& b);

// The arguments of one call of a function, filter or test.
class Context;

struct CallArguments {
  std::vector<Value> positional;
  std::vector<std::pair<std::string, Value>> keyword;
  Location where;  // the call's place in the template
  // The context of the template making the call (macros render with their caller's context).
  const Context* context = nullptr;
};

// Matches `arguments` to `parameters` by position, then by keyword, like a Python signature.
// Throws kInput for too many positional arguments, unknown keywords (with a did-you-mean hint)
// and arguments given twice. Missing parameters are empty optionals.
std::vector<std::optional<Value>> bind_arguments(const CallArguments& arguments,
                                                 const std::vector<std::string>& parameters,
                                                 std::string_view function_name);

// Python's float repr: the shortest text that reads back as the same double ("0.1", "1e+16").
std::string format_double(double value);

}  // namespace strata::transform::jinja
