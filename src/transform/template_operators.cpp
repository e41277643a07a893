#include "transform/template_operators.hpp"

#include <algorithm>
#include <cmath>

#include "transform/template_builtins.hpp"
#include "transform/template_methods.hpp"

namespace strata::transform::jinja {
namespace {

using ast::BinaryOp;

[[noreturn]] void fail(const std::string& message) {
  throw Error(ErrorKind::kInput, message);
}

const char* symbol(BinaryOp op) {
  switch (op) {
    case BinaryOp::kAdd:
      return "+";
    case BinaryOp::kSubtract:
      return "-";
    case BinaryOp::kMultiply:
      return "*";
    case BinaryOp::kDivide:
      return "/";
    case BinaryOp::kFloorDivide:
      return "//";
    case BinaryOp::kModulo:
      return "%";
    case BinaryOp::kPower:
      return "**";
    case BinaryOp::kConcat:
      return "~";
    case BinaryOp::kAnd:
      return "and";
    case BinaryOp::kOr:
      return "or";
  }
  return "?";
}

[[noreturn]] void fail_operands(BinaryOp op, const Value& left, const Value& right) {
  fail(std::string("cannot apply '") + symbol(op) + "' to " + left.type_name() + " and " +
       right.type_name());
}

bool is_integer(const Value& value) {
  return value.kind() == Value::Kind::kInt || value.kind() == Value::Kind::kBool;
}

Value repeat(const List& items, int64_t times) {
  List out;
  for (int64_t i = 0; i < times; ++i) out.insert(out.end(), items.begin(), items.end());
  return out;
}

Value repeat(const std::string& text, int64_t times) {
  std::string out;
  for (int64_t i = 0; i < times; ++i) out += text;
  return out;
}

Value integer_arithmetic(BinaryOp op, int64_t a, int64_t b) {
  int64_t result = 0;
  bool overflow = false;
  switch (op) {
    case BinaryOp::kAdd:
      overflow = __builtin_add_overflow(a, b, &result);
      break;
    case BinaryOp::kSubtract:
      overflow = __builtin_sub_overflow(a, b, &result);
      break;
    case BinaryOp::kMultiply:
      overflow = __builtin_mul_overflow(a, b, &result);
      break;
    case BinaryOp::kFloorDivide:
    case BinaryOp::kModulo: {
      if (b == 0) fail("integer division or modulo by zero");
      // Python rounds the quotient toward negative infinity; the remainder takes b's sign.
      int64_t quotient = a / b;
      int64_t remainder = a % b;
      if (remainder != 0 && ((remainder < 0) != (b < 0))) {
        --quotient;
        remainder += b;
      }
      return op == BinaryOp::kFloorDivide ? quotient : remainder;
    }
    case BinaryOp::kPower: {
      if (b < 0) return std::pow(static_cast<double>(a), static_cast<double>(b));
      result = 1;
      for (int64_t i = 0; i < b && !overflow; ++i) {
        overflow = __builtin_mul_overflow(result, a, &result);
      }
      break;
    }
    default:
      break;
  }
  if (overflow) fail(std::string("integer overflow in '") + symbol(op) + "'");
  return result;
}

Value float_arithmetic(BinaryOp op, double a, double b) {
  switch (op) {
    case BinaryOp::kAdd:
      return a + b;
    case BinaryOp::kSubtract:
      return a - b;
    case BinaryOp::kMultiply:
      return a * b;
    case BinaryOp::kDivide:
      if (b == 0) fail("division by zero");
      return a / b;
    case BinaryOp::kFloorDivide:
      if (b == 0) fail("float floor division by zero");
      return std::floor(a / b);
    case BinaryOp::kModulo: {
      if (b == 0) fail("float modulo by zero");
      double remainder = std::fmod(a, b);
      if (remainder != 0 && ((remainder < 0) != (b < 0))) remainder += b;
      return remainder;
    }
    case BinaryOp::kPower:
      return std::pow(a, b);
    default:
      return 0.0;
  }
}

// Python's slice bounds for a sequence of `length` items.
std::vector<int64_t> slice_positions(int64_t length, const std::optional<Value>& start,
                                     const std::optional<Value>& stop,
                                     const std::optional<Value>& step) {
  auto bound = [](const std::optional<Value>& value) -> std::optional<int64_t> {
    if (!value || value->is_none() || value->is_undefined()) return std::nullopt;
    if (!is_integer(*value)) fail("slice bounds must be integers, not " + value->type_name());
    return value->as_int();
  };
  const int64_t stride = bound(step).value_or(1);
  if (stride == 0) fail("slice step cannot be zero");
  auto clamp = [&](std::optional<int64_t> index, int64_t fallback) {
    if (!index) return fallback;
    int64_t at = *index < 0 ? *index + length : *index;
    if (stride > 0) return std::clamp<int64_t>(at, 0, length);
    return std::clamp<int64_t>(at, -1, length - 1);
  };
  const int64_t first = clamp(bound(start), stride > 0 ? 0 : length - 1);
  const int64_t last = clamp(bound(stop), stride > 0 ? length : -1);
  std::vector<int64_t> positions;
  for (int64_t i = first; stride > 0 ? i < last : i > last; i += stride) positions.push_back(i);
  return positions;
}

}  // namespace

Value apply_binary(BinaryOp op, const Value& left, const Value& right) {
  if (op == BinaryOp::kConcat) return left.str() + right.str();
  for (const Value* operand : {&left, &right}) {
    if (operand->is_undefined()) fail(operand->undefined_hint());
  }
  if (left.is_number() && right.is_number()) {
    if (op != BinaryOp::kDivide && is_integer(left) && is_integer(right)) {
      return integer_arithmetic(op, left.as_int(), right.as_int());
    }
    return float_arithmetic(op, left.as_double(), right.as_double());
  }
  if (op == BinaryOp::kAdd && left.is_string() && right.is_string()) {
    return left.as_string() + right.as_string();
  }
  if (op == BinaryOp::kAdd && left.is_list() && right.is_list()) {
    List items = left.as_list();
    items.insert(items.end(), right.as_list().begin(), right.as_list().end());
    return left.is_tuple() && right.is_tuple() ? Value::tuple(std::move(items)) : Value(items);
  }
  if (op == BinaryOp::kMultiply) {
    const Value& sequence = is_integer(left) ? right : left;
    const Value& times = is_integer(left) ? left : right;
    if (is_integer(times) && sequence.is_string())
      return repeat(sequence.as_string(), times.as_int());
    if (is_integer(times) && sequence.is_list()) return repeat(sequence.as_list(), times.as_int());
  }
  fail_operands(op, left, right);
}

bool contains(const Value& container, const Value& item) {
  switch (container.kind()) {
    case Value::Kind::kUndefined:
      return false;
    case Value::Kind::kString:
      if (!item.is_string()) {
        fail("'in <string>' needs a string on the left, not " + item.type_name());
      }
      return container.as_string().find(item.as_string()) != std::string::npos;
    case Value::Kind::kList:
      for (const Value& element : container.as_list()) {
        if (element == item) return true;
      }
      return false;
    case Value::Kind::kDict:
      return item.is_string() && container.as_dict().find(item.as_string()) != nullptr;
    default:
      fail("cannot use 'in' with " + container.type_name() + " on the right");
  }
}

Value get_attribute(const Value& object, const std::string& name) {
  if (!object.is_dict()) return method_of(object, name);
  if (const Value* entry = object.as_dict().find(name)) return *entry;
  if (name == "items" || name == "keys" || name == "values") {
    return Value::function(name, [object, name](const CallArguments& arguments) -> Value {
      bind_arguments(arguments, {}, name);
      List out;
      for (const auto& [key, value] : object.as_dict().entries) {
        if (name == "items") out.push_back(Value::tuple({key, value}));
        if (name == "keys") out.emplace_back(key);
        if (name == "values") out.push_back(value);
      }
      return out;
    });
  }
  if (name == "get") {
    return Value::function("get", [object](const CallArguments& arguments) -> Value {
      auto bound = bind_arguments(arguments, {"key", "default"}, "get");
      if (!bound[0]) throw Error(ErrorKind::kInput, "get() needs a key", arguments.where);
      const Value* entry = object.as_dict().find(bound[0]->str());
      if (entry) return *entry;
      return bound[1] ? *bound[1] : Value::none();
    });
  }
  return method_of(object, name);
}

Value get_item(const Value& object, const Value& index) {
  if (object.is_dict()) {
    const Value* entry = index.is_string() ? object.as_dict().find(index.as_string()) : nullptr;
    return entry ? *entry : Value::undefined("the dict has no key " + index.repr());
  }
  if (object.is_list() || object.is_string()) {
    if (!is_integer(index)) {
      fail(object.type_name() + " positions must be integers, not " + index.type_name());
    }
    const List items = object.is_list() ? object.as_list() : iterate(object);
    int64_t position = index.as_int();
    if (position < 0) position += static_cast<int64_t>(items.size());
    if (position < 0 || position >= static_cast<int64_t>(items.size())) {
      return Value::undefined(object.type_name() + " position " + index.repr() +
                              " is out of range");
    }
    return items[static_cast<size_t>(position)];
  }
  fail("cannot take an item of " + object.type_name() + " '" + object.str() + "'");
}

Value get_slice(const Value& object, const std::optional<Value>& start,
                const std::optional<Value>& stop, const std::optional<Value>& step) {
  if (!object.is_list() && !object.is_string()) fail("cannot slice " + object.type_name());
  const List items = object.is_list() ? object.as_list() : iterate(object);
  List picked;
  for (int64_t position : slice_positions(static_cast<int64_t>(items.size()), start, stop, step)) {
    picked.push_back(items[static_cast<size_t>(position)]);
  }
  if (object.is_list()) return picked;
  std::string text;
  for (const Value& character : picked) text += character.as_string();
  return text;
}

}  // namespace strata::transform::jinja
