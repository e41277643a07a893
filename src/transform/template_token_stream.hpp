// A cursor over a template's tokens, shared by the statement and expression parsers: look ahead,
// consume, expect, and fail at a token's place with a description of what was found there.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "transform/template_ast.hpp"
#include "transform/template_lexer.hpp"

namespace strata::transform::jinja {

class TokenStream {
 public:
  // `tokens` must end with a kEnd token; both arguments must outlive the stream.
  TokenStream(const std::vector<Token>& tokens, const std::string& file)
      : tokens_(tokens), file_(file) {}

  // The token `ahead` places on; past the end, the final kEnd token.
  const Token& peek(size_t ahead = 0) const;
  const Token& next();

  bool at_operator(std::string_view op, size_t ahead = 0) const;
  bool at_name(std::string_view name, size_t ahead = 0) const;
  bool accept_operator(std::string_view op);
  bool accept_name(std::string_view name);
  // Consume the operator or name, or fail naming what was expected and what was found.
  void expect_operator(std::string_view op, std::string_view context);
  std::string expect_name(std::string_view what);

  [[noreturn]] void fail(ast::Position where, const std::string& message) const;
  [[noreturn]] void fail(const Token& token, const std::string& message) const;

  static ast::Position position(const Token& token) { return {token.line, token.column}; }
  // How a token reads in an error message: "'name'", "`}}`", "the end of the template".
  static std::string describe(const Token& token);

 private:
  const std::vector<Token>& tokens_;
  const std::string& file_;
  size_t pos_ = 0;
};

}  // namespace strata::transform::jinja
