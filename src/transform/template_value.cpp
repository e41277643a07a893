#include "transform/template_value.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "core/text.hpp"

namespace strata::transform::jinja {

const Value* Dict::find(std::string_view key) const {
  for (const auto& [name, value] : entries) {
    if (name == key) return &value;
  }
  return nullptr;
}

void Dict::set(std::string key, Value value) {
  for (auto& [name, existing] : entries) {
    if (name == key) {
      existing = std::move(value);
      return;
    }
  }
  entries.emplace_back(std::move(key), std::move(value));
}

Value Value::function(std::string name, Function function) {
  Value value;
  value.data_ = std::make_shared<const Callable>(Callable{std::move(name), std::move(function)});
  return value;
}

Value Value::tuple(List items) {
  Value value(std::move(items));
  value.tuple_ = true;
  return value;
}

Value Value::object(Dict attributes, std::string display) {
  attributes.display = std::move(display);
  return Value(std::move(attributes));
}

bool Value::is_number() const {
  const Kind k = kind();
  return k == Kind::kBool || k == Kind::kInt || k == Kind::kDouble;
}

int64_t Value::as_int() const {
  if (kind() == Kind::kBool) return as_bool() ? 1 : 0;
  return std::get<int64_t>(data_);
}

double Value::as_double() const {
  if (kind() == Kind::kDouble) return std::get<double>(data_);
  return static_cast<double>(as_int());
}

bool Value::truthy() const {
  switch (kind()) {
    case Kind::kUndefined:
    case Kind::kNone:
      return false;
    case Kind::kBool:
      return as_bool();
    case Kind::kInt:
      return as_int() != 0;
    case Kind::kDouble:
      return as_double() != 0.0;
    case Kind::kString:
      return !as_string().empty();
    case Kind::kList:
      return !as_list().empty();
    case Kind::kDict:
      return as_dict().display || !as_dict().entries.empty();
    case Kind::kCallable:
      return true;
  }
  return false;
}

std::string format_double(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value < 0 ? "-inf" : "inf";
  // The shortest round-trip digits, then laid out the way Python's repr() lays them out:
  // positional notation for exponents in [-4, 16), scientific otherwise.
  char buffer[64];
  auto [end, error] =
      std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::scientific);
  (void)error;
  std::string scientific(buffer, end);  // "-1.2345e+02"
  const size_t e = scientific.find('e');
  const int exponent = std::atoi(scientific.c_str() + e + 1);
  std::string mantissa = scientific.substr(0, e);
  const bool negative = mantissa.front() == '-';
  if (negative) mantissa.erase(0, 1);
  std::string digits;
  for (char c : mantissa) {
    if (c != '.') digits += c;
  }
  std::string out = negative ? "-" : "";
  if (exponent >= -4 && exponent < 16) {
    if (exponent < 0) {
      out += "0." + std::string(static_cast<size_t>(-exponent - 1), '0') + digits;
    } else if (static_cast<size_t>(exponent) + 1 >= digits.size()) {
      out += digits + std::string(static_cast<size_t>(exponent) + 1 - digits.size(), '0') + ".0";
    } else {
      out += digits.substr(0, static_cast<size_t>(exponent) + 1) + "." +
             digits.substr(static_cast<size_t>(exponent) + 1);
    }
    return out;
  }
  out += digits.substr(0, 1);
  if (digits.size() > 1) {
    out += '.';
    out.append(digits, 1);
  }
  char exponent_text[16];
  std::snprintf(exponent_text, sizeof exponent_text, "e%c%02d", exponent < 0 ? '-' : '+',
                std::abs(exponent));
  return out + exponent_text;
}

static std::string quote_python_string(const std::string& text) {
  // Python prefers single quotes and switches to double quotes to avoid escaping.
  const bool use_double =
      text.find('\'') != std::string::npos && text.find('"') == std::string::npos;
  const char quote = use_double ? '"' : '\'';
  std::string out(1, quote);
  for (char c : text) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        if (c == quote) out += '\\';
        out += c;
    }
  }
  return out + quote;
}

std::string Value::str() const {
  switch (kind()) {
    case Kind::kUndefined:
      return "";
    case Kind::kString:
      return as_string();
    case Kind::kDict:
      if (as_dict().display) return *as_dict().display;
      return repr();
    default:
      return repr();
  }
}

std::string Value::repr() const {
  switch (kind()) {
    case Kind::kUndefined:
      return "";
    case Kind::kNone:
      return "None";
    case Kind::kBool:
      return as_bool() ? "True" : "False";
    case Kind::kInt:
      return std::to_string(as_int());
    case Kind::kDouble:
      return format_double(as_double());
    case Kind::kString:
      return quote_python_string(as_string());
    case Kind::kList: {
      std::vector<std::string> parts;
      for (const auto& item : as_list()) parts.push_back(item.repr());
      if (tuple_) {
        return std::string(1, '(').append(join(parts, ", ")).append(parts.size() == 1 ? ",)" : ")");
      }
      return std::string(1, '[').append(join(parts, ", ")).append(1, ']');
    }
    case Kind::kDict: {
      const Dict& dict = as_dict();
      if (dict.display) return *dict.display;
      std::vector<std::string> parts;
      for (const auto& [key, value] : dict.entries) {
        parts.push_back(quote_python_string(key) + ": " + value.repr());
      }
      return std::string(1, '{').append(join(parts, ", ")).append(1, '}');
    }
    case Kind::kCallable:
      return "<function " + as_callable().name + ">";
  }
  return "";
}

std::string Value::type_name() const {
  switch (kind()) {
    case Kind::kUndefined:
      return "undefined";
    case Kind::kNone:
      return "none";
    case Kind::kBool:
      return "boolean";
    case Kind::kInt:
      return "integer";
    case Kind::kDouble:
      return "float";
    case Kind::kString:
      return "string";
    case Kind::kList:
      return "list";
    case Kind::kDict:
      return "dict";
    case Kind::kCallable:
      return "function";
  }
  return "value";
}

bool operator==(const Value& a, const Value& b) {
  using Kind = Value::Kind;
  if (a.is_number() && b.is_number()) {
    if (a.kind() == Kind::kDouble || b.kind() == Kind::kDouble) {
      return a.as_double() == b.as_double();
    }
    return a.as_int() == b.as_int();
  }
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case Kind::kUndefined:
    case Kind::kNone:
      return true;
    case Kind::kString:
      return a.as_string() == b.as_string();
    case Kind::kList:
      return a.is_tuple() == b.is_tuple() && a.as_list() == b.as_list();
    case Kind::kDict: {
      const Dict& x = a.as_dict();
      const Dict& y = b.as_dict();
      if (x.display || y.display) return x.display == y.display;
      if (x.entries.size() != y.entries.size()) return false;
      for (const auto& [key, value] : x.entries) {
        const Value* other = y.find(key);
        if (!other || !(*other == value)) return false;
      }
      return true;
    }
    case Kind::kCallable:
      return &a.as_callable() == &b.as_callable();
    default:
      return false;
  }
}

int compare(const Value& a, const Value& b) {
  if (a.is_number() && b.is_number()) {
    if (a.kind() == Value::Kind::kDouble || b.kind() == Value::Kind::kDouble) {
      const double x = a.as_double(), y = b.as_double();
      return x < y ? -1 : (x > y ? 1 : 0);
    }
    const int64_t x = a.as_int(), y = b.as_int();
    return x < y ? -1 : (x > y ? 1 : 0);
  }
  if (a.is_string() && b.is_string()) return a.as_string().compare(b.as_string());
  if (a.is_list() && b.is_list()) {
    const List& x = a.as_list();
    const List& y = b.as_list();
    for (size_t i = 0; i < x.size() && i < y.size(); ++i) {
      if (const int order = compare(x[i], y[i]); order != 0) return order;
    }
    return x.size() < y.size() ? -1 : (x.size() > y.size() ? 1 : 0);
  }
  throw Error(ErrorKind::kInput,
              "cannot compare " + a.type_name() + " with " + b.type_name() + " for order");
}

std::vector<std::optional<Value>> bind_arguments(const CallArguments& arguments,
                                                 const std::vector<std::string>& parameters,
                                                 std::string_view function_name) {
  const std::string name(function_name);
  if (arguments.positional.size() > parameters.size()) {
    throw Error(ErrorKind::kInput,
                name + "() takes at most " + std::to_string(parameters.size()) +
                    " argument(s) but " + std::to_string(arguments.positional.size()) +
                    " were given",
                arguments.where);
  }
  std::vector<std::optional<Value>> bound(parameters.size());
  for (size_t i = 0; i < arguments.positional.size(); ++i) bound[i] = arguments.positional[i];
  for (const auto& [keyword, value] : arguments.keyword) {
    size_t index = 0;
    while (index < parameters.size() && parameters[index] != keyword) ++index;
    if (index == parameters.size()) {
      throw Error(ErrorKind::kInput,
                  name + "() got an unexpected argument '" + keyword + "'" +
                      did_you_mean(keyword, parameters),
                  arguments.where);
    }
    if (bound[index]) {
      throw Error(ErrorKind::kInput, name + "() got argument '" + keyword + "' twice",
                  arguments.where);
    }
    bound[index] = value;
  }
  return bound;
}

}  // namespace strata::transform::jinja
