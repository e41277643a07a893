#include "transform/template_json.hpp"

namespace strata::transform::jinja {

nlohmann::ordered_json to_json(const Value& value) {
  switch (value.kind()) {
    case Value::Kind::kBool:
      return value.as_bool();
    case Value::Kind::kInt:
      return value.as_int();
    case Value::Kind::kDouble:
      return value.as_double();
    case Value::Kind::kString:
      return value.as_string();
    case Value::Kind::kList: {
      nlohmann::ordered_json out = nlohmann::ordered_json::array();
      for (const Value& item : value.as_list()) out.push_back(to_json(item));
      return out;
    }
    case Value::Kind::kDict: {
      if (value.as_dict().display) return *value.as_dict().display;  // a relation: its name
      nlohmann::ordered_json out = nlohmann::ordered_json::object();
      for (const auto& [key, item] : value.as_dict().entries) out[key] = to_json(item);
      return out;
    }
    default:
      return nullptr;
  }
}

Value from_json(const nlohmann::ordered_json& json) {
  if (json.is_boolean()) return json.get<bool>();
  if (json.is_number_integer()) return json.get<int64_t>();
  if (json.is_number()) return json.get<double>();
  if (json.is_string()) return json.get<std::string>();
  if (json.is_array()) {
    List items;
    for (const auto& item : json) items.push_back(from_json(item));
    return items;
  }
  if (json.is_object()) {
    Dict dict;
    for (const auto& [key, item] : json.items()) dict.set(key, from_json(item));
    return dict;
  }
  return Value::none();
}

Value parse_json(const std::string& text) {
  try {
    return from_json(nlohmann::ordered_json::parse(text));
  } catch (const nlohmann::json::parse_error& error) {
    throw Error(ErrorKind::kInput,
                "invalid JSON at byte " + std::to_string(error.byte) + ": " + error.what());
  }
}

}  // namespace strata::transform::jinja
