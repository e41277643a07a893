// The third stage of the Jinja engine: walking a parsed template to produce text. Expressions are
// evaluated with Python/Jinja semantics; `for` loops get a fresh scope per iteration (so a `set`
// inside a loop does not leak out, as in Jinja); the output remembers which template line produced
// each of its lines. Errors raised by functions, filters and tests without a place get the place
// of the call.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "transform/template.hpp"
#include "transform/template_ast.hpp"

namespace strata::transform::jinja {

// Renders `body`, parsed from `file`, against `context`; see Template::render for `source_lines`.
std::string render_body(const ast::Body& body, const Context& context, const std::string& file,
                        std::vector<int64_t>* source_lines);

// The macros defined at the top level of `body`, as callables (they see each other).
std::vector<std::pair<std::string, Value>> top_level_macros(const ast::Body& body);

}  // namespace strata::transform::jinja
