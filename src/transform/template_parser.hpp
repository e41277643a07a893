// The second stage of the Jinja engine: tokens to a syntax tree. This part reads the statements
// (if/elif/else, for/else, set inline and as a block; raw is handled by the lexer) and leaves
// expressions to template_expression_parser. Blocks that are never closed or closed by the wrong
// keyword are reported at their opening tag with the keyword that was expected.
// Statements of full Jinja that strata does not run yet (macro, call, include, ...) are rejected
// by name so users learn what is missing rather than seeing a generic syntax error.
#pragma once

#include <string>
#include <vector>

#include "transform/template_ast.hpp"
#include "transform/template_lexer.hpp"

namespace strata::transform::jinja {

// Parses a token stream (ending in kEnd) into the template's body. Throws Error(kInput) naming
// `file`:line:col of the offending token.
ast::Body parse(const std::vector<Token>& tokens, const std::string& file);

}  // namespace strata::transform::jinja
