// The functions every Jinja template sees without a context providing them: Jinja's globals
// (range, dict, namespace, joiner, cycler-free zip) and dbt's template-level `return()`. `return`
// unwinds the macro being rendered with a MacroReturn, which the macro call catches; it is not an
// exception type of the error model because it is not an error.
#pragma once

#include <string_view>

#include "transform/template_value.hpp"

namespace strata::transform::jinja {

// Thrown by return(value) and caught by the macro call (or the template's top level).
struct MacroReturn {
  Value value;
};

// The global of that name, or nullptr.
const Value* find_global(std::string_view name);

}  // namespace strata::transform::jinja
