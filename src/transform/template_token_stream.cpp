#include "transform/template_token_stream.hpp"

#include <algorithm>

#include "core/error.hpp"

namespace strata::transform::jinja {

const Token& TokenStream::peek(size_t ahead) const {
  return tokens_[std::min(pos_ + ahead, tokens_.size() - 1)];
}

const Token& TokenStream::next() {
  const Token& token = peek();
  if (pos_ < tokens_.size() - 1) ++pos_;
  return token;
}

bool TokenStream::at_operator(std::string_view op, size_t ahead) const {
  const Token& token = peek(ahead);
  return token.kind == TokenKind::kOperator && token.text == op;
}

bool TokenStream::at_name(std::string_view name, size_t ahead) const {
  const Token& token = peek(ahead);
  return token.kind == TokenKind::kName && token.text == name;
}

bool TokenStream::accept_operator(std::string_view op) {
  if (!at_operator(op)) return false;
  next();
  return true;
}

bool TokenStream::accept_name(std::string_view name) {
  if (!at_name(name)) return false;
  next();
  return true;
}

void TokenStream::expect_operator(std::string_view op, std::string_view context) {
  if (accept_operator(op)) return;
  fail(peek(), "expected '" + std::string(op) + "' " + std::string(context) + ", found " +
                   describe(peek()));
}

std::string TokenStream::expect_name(std::string_view what) {
  if (peek().kind != TokenKind::kName) {
    fail(peek(), "expected " + std::string(what) + ", found " + describe(peek()));
  }
  return next().text;
}

void TokenStream::fail(ast::Position where, const std::string& message) const {
  throw Error(ErrorKind::kInput, message, Location(file_, where.line, where.column));
}

void TokenStream::fail(const Token& token, const std::string& message) const {
  fail(position(token), message);
}

std::string TokenStream::describe(const Token& token) {
  switch (token.kind) {
    case TokenKind::kText:
      return "template text";
    case TokenKind::kVariableBegin:
      return "`{{`";
    case TokenKind::kVariableEnd:
      return "`}}`";
    case TokenKind::kBlockBegin:
      return "`{%`";
    case TokenKind::kBlockEnd:
      return "`%}`";
    case TokenKind::kName:
      return "'" + token.text + "'";
    case TokenKind::kString:
      return "a string";
    case TokenKind::kInteger:
    case TokenKind::kFloat:
      return "the number " + token.text;
    case TokenKind::kOperator:
      return "'" + token.text + "'";
    case TokenKind::kEnd:
      return "the end of the template";
  }
  return "a token";
}

}  // namespace strata::transform::jinja
