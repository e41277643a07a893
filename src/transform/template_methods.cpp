#include "transform/template_methods.hpp"

#include "core/text.hpp"
#include "transform/template_builtins.hpp"

namespace strata::transform::jinja {
namespace {

Value method(const std::string& name, Function function) {
  return Value::function(name, std::move(function));
}

std::string string_argument(const std::optional<Value>& value, const std::string& fallback) {
  if (!value || value->is_none()) return fallback;
  if (!value->is_string()) builtin_error("expected a string, not " + value->type_name());
  return value->as_string();
}

std::string strip_chars(const std::string& text, const std::string& chars, bool left, bool right) {
  size_t begin = 0, end = text.size();
  auto strip = [&](char c) { return chars.find(c) != std::string::npos; };
  if (left)
    while (begin < end && strip(text[begin])) ++begin;
  if (right)
    while (end > begin && strip(text[end - 1])) --end;
  return text.substr(begin, end - begin);
}

Value string_method(const std::string& text, const std::string& name) {
  static const std::string kSpace = " \t\n\r\f\v";
  if (name == "upper" || name == "lower") {
    return method(name, [text, name](const CallArguments& arguments) -> Value {
      bind_arguments(arguments, {}, name);
      return name == "upper" ? upper_case(text) : lower_case(text);
    });
  }
  if (name == "strip" || name == "lstrip" || name == "rstrip") {
    return method(name, [text, name](const CallArguments& arguments) -> Value {
      auto bound = bind_arguments(arguments, {"chars"}, name);
      return strip_chars(text, string_argument(bound[0], kSpace), name != "rstrip",
                         name != "lstrip");
    });
  }
  if (name == "startswith" || name == "endswith") {
    return method(name, [text, name](const CallArguments& arguments) -> Value {
      auto bound = bind_arguments(arguments, {"prefix"}, name);
      const std::string part = string_argument(bound[0], "");
      return name == "startswith" ? text.starts_with(part) : text.ends_with(part);
    });
  }
  if (name == "split") {
    return method(name, [text](const CallArguments& arguments) -> Value {
      auto bound = bind_arguments(arguments, {"sep", "maxsplit"}, "split");
      const std::string separator = string_argument(bound[0], "");
      List parts;
      if (separator.empty()) {  // Python: runs of whitespace, no empty parts
        std::string current;
        for (char c : text) {
          if (kSpace.find(c) != std::string::npos) {
            if (!current.empty()) parts.emplace_back(std::move(current));
            current.clear();
          } else {
            current += c;
          }
        }
        if (!current.empty()) parts.emplace_back(std::move(current));
        return parts;
      }
      size_t start = 0;
      for (size_t at; (at = text.find(separator, start)) != std::string::npos;) {
        parts.emplace_back(text.substr(start, at - start));
        start = at + separator.size();
      }
      parts.emplace_back(text.substr(start));
      return parts;
    });
  }
  if (name == "replace") {
    return method(name, [text](const CallArguments& arguments) -> Value {
      auto bound = bind_arguments(arguments, {"old", "new"}, "replace");
      const std::string from = string_argument(bound[0], ""), to = string_argument(bound[1], "");
      if (from.empty()) return text;
      std::string out;
      size_t start = 0;
      for (size_t at; (at = text.find(from, start)) != std::string::npos;) {
        out.append(text, start, at - start).append(to);
        start = at + from.size();
      }
      return out.append(text, start);
    });
  }
  if (name == "join") {
    return method(name, [text](const CallArguments& arguments) -> Value {
      auto bound = bind_arguments(arguments, {"iterable"}, "join");
      std::vector<std::string> parts;
      for (const Value& item : iterate(bound[0].value_or(List{}))) parts.push_back(item.str());
      return join(parts, text);
    });
  }
  return Value::undefined("string has no attribute '" + name + "'");
}

Value list_method(const Value& list, const std::string& name) {
  if (name == "append") {
    return method(name, [list](const CallArguments& arguments) -> Value {
      auto bound = bind_arguments(arguments, {"item"}, "append");
      list.mutable_list().push_back(bound[0].value_or(Value::none()));
      return Value::none();
    });
  }
  if (name == "extend") {
    return method(name, [list](const CallArguments& arguments) -> Value {
      auto bound = bind_arguments(arguments, {"items"}, "extend");
      for (Value& item : iterate(bound[0].value_or(List{}))) list.mutable_list().push_back(item);
      return Value::none();
    });
  }
  if (name == "pop") {
    return method(name, [list](const CallArguments& arguments) -> Value {
      auto bound = bind_arguments(arguments, {"index"}, "pop");
      List& items = list.mutable_list();
      if (items.empty()) builtin_error("pop from an empty list");
      int64_t index = int_argument(bound[0], -1, "pop()'s index");
      if (index < 0) index += static_cast<int64_t>(items.size());
      if (index < 0 || index >= static_cast<int64_t>(items.size())) {
        builtin_error("pop index out of range");
      }
      Value item = items[static_cast<size_t>(index)];
      items.erase(items.begin() + index);
      return item;
    });
  }
  if (name == "index" || name == "count") {
    return method(name, [list, name](const CallArguments& arguments) -> Value {
      auto bound = bind_arguments(arguments, {"item"}, name);
      int64_t count = 0;
      const List& items = list.as_list();
      for (size_t i = 0; i < items.size(); ++i) {
        if (!(items[i] == bound[0].value_or(Value::none()))) continue;
        if (name == "index") return static_cast<int64_t>(i);
        ++count;
      }
      if (name == "index") builtin_error("the item is not in the list");
      return count;
    });
  }
  return Value::undefined("list has no attribute '" + name + "'");
}

Value dict_method(const Value& dict, const std::string& name) {
  if (name == "update") {
    return method(name, [dict](const CallArguments& arguments) -> Value {
      for (const Value& other : arguments.positional) {
        if (!other.is_dict()) builtin_error("update() takes a dict");
        for (const auto& [key, value] : other.as_dict().entries)
          dict.mutable_dict().set(key, value);
      }
      for (const auto& [key, value] : arguments.keyword) dict.mutable_dict().set(key, value);
      return Value::none();
    });
  }
  if (name == "pop" || name == "setdefault") {
    return method(name, [dict, name](const CallArguments& arguments) -> Value {
      auto bound = bind_arguments(arguments, {"key", "default"}, name);
      const std::string key = bound[0].value_or(Value("")).str();
      Dict& entries = dict.mutable_dict();
      for (auto it = entries.entries.begin(); it != entries.entries.end(); ++it) {
        if (it->first != key) continue;
        Value value = it->second;
        if (name == "pop") entries.entries.erase(it);
        return value;
      }
      if (name == "setdefault") entries.set(key, bound[1].value_or(Value::none()));
      if (!bound[1] && name == "pop") builtin_error("the dict has no key '" + key + "'");
      return bound[1].value_or(Value::none());
    });
  }
  return Value::undefined("the dict has no attribute '" + name + "'");
}

}  // namespace

Value method_of(const Value& object, const std::string& name) {
  if (object.is_string()) return string_method(object.as_string(), name);
  if (object.is_list()) return list_method(object, name);
  if (object.is_dict()) return dict_method(object, name);
  return Value::undefined("'" + name + "' is not an attribute of " + object.type_name());
}

}  // namespace strata::transform::jinja
