// The operators of Jinja expressions on Values, with Python's rules: arithmetic (int stays int
// unless it must not, `/` is always float, `//` and `%` round toward negative infinity), `~`
// concatenation, `in`, attribute and item access, and slicing. They throw Error(kInput) without a
// location; the renderer adds the operator's place.
#pragma once

#include <optional>
#include <string>

#include "transform/template_ast.hpp"
#include "transform/template_value.hpp"

namespace strata::transform::jinja {

// Every binary operator except `and` and `or`, which short-circuit in the renderer.
Value apply_binary(ast::BinaryOp op, const Value& left, const Value& right);

// `item in container`.
bool contains(const Value& container, const Value& item);

// `object.name`: a dict's entry (or one of the dict methods items/keys/values/get); undefined
// otherwise. `object` must not be undefined.
Value get_attribute(const Value& object, const std::string& name);

// `object[index]`: list and string positions (negative from the end), dict keys; undefined when
// absent. `object` must not be undefined.
Value get_item(const Value& object, const Value& index);

// `object[start:stop:step]` on lists and strings.
Value get_slice(const Value& object, const std::optional<Value>& start,
                const std::optional<Value>& stop, const std::optional<Value>& step);

}  // namespace strata::transform::jinja
