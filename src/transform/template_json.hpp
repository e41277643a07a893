// Template values to and from JSON: the `tojson` filter, dbt's tojson()/fromjson(), and the
// artifacts that carry configs. Undefined and functions become null; JSON objects become dicts in
// their key order.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

#include "transform/template_value.hpp"

namespace strata::transform::jinja {

nlohmann::ordered_json to_json(const Value& value);
Value from_json(const nlohmann::ordered_json& json);

// Parses JSON text; throws Error(kInput) naming the byte offset of a syntax error.
Value parse_json(const std::string& text);

}  // namespace strata::transform::jinja
