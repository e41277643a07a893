// The Python methods templates call on values: string methods (upper, lower, strip, split,
// replace, startswith, join, ...), list methods (append, extend, pop, index, count) and dict
// methods (update, pop, setdefault). append, extend, update, pop and setdefault change the value
// in place, visible through every variable that refers to it, as in Python.
#pragma once

#include <string>

#include "transform/template_value.hpp"

namespace strata::transform::jinja {

// The bound method `name` of `object`, or undefined (with a hint) when it has none.
Value method_of(const Value& object, const std::string& name);

}  // namespace strata::transform::jinja
