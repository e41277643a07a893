// Jinja expressions, parsed by recursive descent with Jinja's precedence (loosest first):
// `x if c else y`; or; and; not; comparisons, `in` and `not in` (chained as in Python); + and -;
// `~`; * / // %; **; unary - and +; then postfix `.attr`, `[index]`, `[a:b:c]` and `(call)`, and
// `| filter` / `is test`. Filter and test names are checked here, so a typo is a syntax error
// even in a branch that never renders.
#pragma once

#include "transform/template_ast.hpp"
#include "transform/template_token_stream.hpp"

namespace strata::transform::jinja {

// One expression starting at the stream's current token. `allow_conditional` is false where an
// `if` keyword ends the expression instead (`for x in xs if cond`).
ast::ExprPtr parse_expression(TokenStream& tokens, bool allow_conditional = true);

// `a, b, c` without brackets (the right side of `set`) is a tuple; a single expression is itself.
ast::ExprPtr parse_tuple(TokenStream& tokens);

}  // namespace strata::transform::jinja
