#include "transform/template_expression_parser.hpp"

#include <charconv>
#include <cstdlib>
#include <optional>
#include <utility>

#include "core/text.hpp"
#include "transform/template_builtins.hpp"

namespace strata::transform::jinja {
namespace {

using namespace ast;

template <typename Node>
ExprPtr make_expr(Position where, Node node) {
  return std::make_unique<Expr>(Expr{where, std::move(node)});
}

class ExpressionParser {
 public:
  explicit ExpressionParser(TokenStream& tokens) : tokens_(tokens) {}

  ExprPtr parse_tuple() {
    const Position start = TokenStream::position(tokens_.peek());
    ExprPtr first = parse_expression();
    if (!tokens_.at_operator(",")) return first;
    ListLiteral list;
    list.tuple = true;
    list.items.push_back(std::move(first));
    while (tokens_.accept_operator(",")) list.items.push_back(parse_expression());
    return make_expr(start, std::move(list));
  }

  ExprPtr parse_expression(bool allow_conditional = true) {
    const Nesting nesting(*this);
    ExprPtr value = parse_or();
    if (!allow_conditional || !tokens_.at_name("if")) return value;
    const Position where = TokenStream::position(tokens_.next());
    Conditional node;
    node.then = std::move(value);
    node.condition = parse_or();
    if (tokens_.accept_name("else")) node.otherwise = parse_expression();
    return make_expr(where, std::move(node));
  }

 private:
  TokenStream& tokens_;
  int depth_ = 0;

  // Counts the parser's recursion so that absurdly nested input ("((((...") is a clear error
  // instead of a stack overflow.
  class Nesting {
   public:
    explicit Nesting(ExpressionParser& parser) : parser_(parser) {
      constexpr int kMaxDepth = 256;
      if (++parser_.depth_ > kMaxDepth) {
        parser_.tokens_.fail(parser_.tokens_.peek(), "expression nested too deeply");
      }
    }
    ~Nesting() { --parser_.depth_; }
    Nesting(const Nesting&) = delete;
    Nesting& operator=(const Nesting&) = delete;

   private:
    ExpressionParser& parser_;
  };

  ExprPtr parse_or() {
    ExprPtr left = parse_and();
    while (tokens_.at_name("or")) {
      const Position where = TokenStream::position(tokens_.next());
      left = make_expr(where, Binary{BinaryOp::kOr, std::move(left), parse_and()});
    }
    return left;
  }

  ExprPtr parse_and() {
    ExprPtr left = parse_not();
    while (tokens_.at_name("and")) {
      const Position where = TokenStream::position(tokens_.next());
      left = make_expr(where, Binary{BinaryOp::kAnd, std::move(left), parse_not()});
    }
    return left;
  }

  ExprPtr parse_not() {
    const Nesting nesting(*this);
    if (!tokens_.at_name("not")) return parse_compare();
    const Position where = TokenStream::position(tokens_.next());
    return make_expr(where, Unary{UnaryOp::kNot, parse_not()});
  }

  ExprPtr parse_compare() {
    const Position start = TokenStream::position(tokens_.peek());
    ExprPtr first = parse_math1();
    Compare node;
    static const std::pair<std::string_view, CompareOp> operators[] = {
        {"==", CompareOp::kEqual},  {"!=", CompareOp::kNotEqual},
        {"<", CompareOp::kLess},    {"<=", CompareOp::kLessEqual},
        {">", CompareOp::kGreater}, {">=", CompareOp::kGreaterEqual}};
    while (true) {
      const Position where = TokenStream::position(tokens_.peek());
      std::optional<CompareOp> op;
      for (const auto& [text, value] : operators) {
        if (tokens_.at_operator(text)) op = value;
      }
      if (op) {
        tokens_.next();
      } else if (tokens_.at_name("in")) {
        tokens_.next();
        op = CompareOp::kIn;
      } else if (tokens_.at_name("not") && tokens_.at_name("in", 1)) {
        tokens_.next();
        tokens_.next();
        op = CompareOp::kNotIn;
      } else {
        break;
      }
      node.rest.push_back(CompareStep{*op, parse_math1(), where});
    }
    if (node.rest.empty()) return first;
    node.first = std::move(first);
    return make_expr(start, std::move(node));
  }

  using Level = ExprPtr (ExpressionParser::*)();
  ExprPtr parse_binary_level(Level operand,
                             std::initializer_list<std::pair<std::string_view, BinaryOp>> ops) {
    ExprPtr left = (this->*operand)();
    while (true) {
      const BinaryOp* op = nullptr;
      for (const auto& candidate : ops) {
        if (tokens_.at_operator(candidate.first)) op = &candidate.second;
      }
      if (!op) return left;
      const Position where = TokenStream::position(tokens_.next());
      left = make_expr(where, Binary{*op, std::move(left), (this->*operand)()});
    }
  }
  ExprPtr parse_math1() {
    return parse_binary_level(&ExpressionParser::parse_concat,
                              {{"+", BinaryOp::kAdd}, {"-", BinaryOp::kSubtract}});
  }
  ExprPtr parse_concat() {
    return parse_binary_level(&ExpressionParser::parse_math2, {{"~", BinaryOp::kConcat}});
  }
  ExprPtr parse_math2() {
    return parse_binary_level(&ExpressionParser::parse_power, {{"*", BinaryOp::kMultiply},
                                                               {"/", BinaryOp::kDivide},
                                                               {"//", BinaryOp::kFloorDivide},
                                                               {"%", BinaryOp::kModulo}});
  }
  ExprPtr parse_power() {
    return parse_binary_level(&ExpressionParser::parse_unary_with_filters,
                              {{"**", BinaryOp::kPower}});
  }
  ExprPtr parse_unary_with_filters() { return parse_unary(true); }

  // As in Jinja, `-x | f` applies f to -x, and the operand of unary minus takes no filters.
  ExprPtr parse_unary(bool with_filters) {
    const Nesting nesting(*this);
    const Position where = TokenStream::position(tokens_.peek());
    ExprPtr node;
    if (tokens_.accept_operator("-")) {
      node = make_expr(where, Unary{UnaryOp::kNegate, parse_unary(false)});
    } else if (tokens_.accept_operator("+")) {
      node = make_expr(where, Unary{UnaryOp::kPlus, parse_unary(false)});
    } else {
      node = parse_primary();
    }
    node = parse_postfix(std::move(node));
    return with_filters ? parse_filters_and_tests(std::move(node)) : std::move(node);
  }

  ExprPtr parse_primary() {
    const Token& token = tokens_.peek();
    const Position where = TokenStream::position(token);
    switch (token.kind) {
      case TokenKind::kName: {
        tokens_.next();
        if (token.text == "true" || token.text == "True") return make_expr(where, Literal{true});
        if (token.text == "false" || token.text == "False") {
          return make_expr(where, Literal{false});
        }
        if (token.text == "none" || token.text == "None") {
          return make_expr(where, Literal{Value::none()});
        }
        return make_expr(where, Name{token.text});
      }
      case TokenKind::kString: {
        std::string text = tokens_.next().text;
        // Adjacent string literals concatenate, as in Python.
        while (tokens_.peek().kind == TokenKind::kString) text += tokens_.next().text;
        return make_expr(where, Literal{Value(std::move(text))});
      }
      case TokenKind::kInteger: {
        tokens_.next();
        int64_t value = 0;
        auto [end, error] =
            std::from_chars(token.text.data(), token.text.data() + token.text.size(), value);
        if (error != std::errc() || end != token.text.data() + token.text.size()) {
          tokens_.fail(token, "integer literal " + token.text + " is too large");
        }
        return make_expr(where, Literal{Value(value)});
      }
      case TokenKind::kFloat:
        tokens_.next();
        return make_expr(where, Literal{Value(std::strtod(token.text.c_str(), nullptr))});
      case TokenKind::kOperator:
        if (tokens_.accept_operator("(")) return parse_parenthesized(where);
        if (tokens_.accept_operator("[")) return parse_list(where);
        if (tokens_.accept_operator("{")) return parse_dict(where);
        break;
      default:
        break;
    }
    tokens_.fail(token, "expected an expression, found " + TokenStream::describe(token));
  }

  ExprPtr parse_parenthesized(Position where) {
    if (tokens_.accept_operator(")")) return make_expr(where, ListLiteral{{}, true});  // ()
    ExprPtr first = parse_expression();
    if (tokens_.accept_operator(")")) return first;
    ListLiteral tuple;
    tuple.tuple = true;
    tuple.items.push_back(std::move(first));
    while (tokens_.accept_operator(",")) {
      if (tokens_.at_operator(")")) break;
      tuple.items.push_back(parse_expression());
    }
    tokens_.expect_operator(")", "to close '('");
    return make_expr(where, std::move(tuple));
  }

  ExprPtr parse_list(Position where) {
    ListLiteral list;
    while (!tokens_.at_operator("]")) {
      list.items.push_back(parse_expression());
      if (!tokens_.accept_operator(",")) break;
    }
    tokens_.expect_operator("]", "to close '['");
    return make_expr(where, std::move(list));
  }

  ExprPtr parse_dict(Position where) {
    DictLiteral dict;
    while (!tokens_.at_operator("}")) {
      ExprPtr key = parse_expression();
      tokens_.expect_operator(":", "after a dict key");
      dict.items.emplace_back(std::move(key), parse_expression());
      if (!tokens_.accept_operator(",")) break;
    }
    tokens_.expect_operator("}", "to close '{'");
    return make_expr(where, std::move(dict));
  }

  ExprPtr parse_postfix(ExprPtr node) {
    while (true) {
      const Position where = TokenStream::position(tokens_.peek());
      // Attributes and calls are placed where their whole expression starts ("adapter.get(").
      const Position start = node->where;
      if (tokens_.accept_operator(".")) {
        std::string name = tokens_.expect_name("an attribute name after '.'");
        node = make_expr(start, Attribute{std::move(node), std::move(name)});
      } else if (tokens_.accept_operator("[")) {
        node = parse_subscript(std::move(node), where);
      } else if (tokens_.accept_operator("(")) {
        node = make_expr(start, Call{std::move(node), parse_arguments()});
      } else {
        return node;
      }
    }
  }

  ExprPtr parse_subscript(ExprPtr object, Position where) {
    ExprPtr bounds[3];
    size_t colons = 0;
    while (true) {
      if (!tokens_.at_operator(":") && !tokens_.at_operator("]")) {
        bounds[colons] = parse_expression();
      }
      if (colons < 2 && tokens_.accept_operator(":")) {
        ++colons;
        continue;
      }
      break;
    }
    tokens_.expect_operator("]", "to close '['");
    if (colons == 0) {
      if (!bounds[0]) tokens_.fail(where, "expected an index between '[' and ']'");
      return make_expr(where, Subscript{std::move(object), std::move(bounds[0])});
    }
    return make_expr(where, Slice{std::move(object), std::move(bounds[0]), std::move(bounds[1]),
                                  std::move(bounds[2])});
  }

  // After '(' up to and including ')'.
  Arguments parse_arguments() {
    Arguments arguments;
    while (!tokens_.at_operator(")")) {
      if (tokens_.peek().kind == TokenKind::kName && tokens_.at_operator("=", 1)) {
        std::string name = tokens_.next().text;
        tokens_.next();
        arguments.keyword.emplace_back(std::move(name), parse_expression());
      } else {
        if (!arguments.keyword.empty()) {
          tokens_.fail(tokens_.peek(), "a positional argument cannot follow keyword arguments");
        }
        arguments.positional.push_back(parse_expression());
      }
      if (!tokens_.accept_operator(",")) break;
    }
    tokens_.expect_operator(")", "to close the argument list");
    return arguments;
  }

  ExprPtr parse_filters_and_tests(ExprPtr node) {
    while (true) {
      if (tokens_.at_operator("|")) {
        tokens_.next();
        const Token& name = tokens_.peek();
        std::string filter = tokens_.expect_name("a filter name after '|'");
        if (!find_filter(filter)) {
          tokens_.fail(name,
                       "unknown filter '" + filter + "'" + did_you_mean(filter, filter_names()));
        }
        Arguments arguments;
        if (tokens_.accept_operator("(")) arguments = parse_arguments();
        node = make_expr(TokenStream::position(name),
                         Filter{std::move(node), std::move(filter), std::move(arguments)});
      } else if (tokens_.at_name("is")) {
        tokens_.next();
        const bool negated = tokens_.accept_name("not");
        const Token& name = tokens_.peek();
        std::string test = tokens_.expect_name("a test name after 'is'");
        if (!find_test(test)) {
          tokens_.fail(name, "unknown test '" + test + "'" + did_you_mean(test, test_names()));
        }
        Arguments arguments;
        if (tokens_.accept_operator("(")) {
          arguments = parse_arguments();
        } else if (starts_test_argument()) {
          // `x is divisibleby 3`: one argument without parentheses.
          arguments.positional.push_back(parse_postfix(parse_primary()));
        }
        node = make_expr(TokenStream::position(name),
                         Test{std::move(node), std::move(test), negated, std::move(arguments)});
      } else {
        return node;
      }
    }
  }

  bool starts_test_argument() const {
    const Token& token = tokens_.peek();
    switch (token.kind) {
      case TokenKind::kName:
        return token.text != "else" && token.text != "or" && token.text != "and" &&
               token.text != "if" && token.text != "in" && token.text != "not" &&
               token.text != "is";
      case TokenKind::kString:
      case TokenKind::kInteger:
      case TokenKind::kFloat:
        return true;
      case TokenKind::kOperator:
        return token.text == "[" || token.text == "{";
      default:
        return false;
    }
  }
};

}  // namespace

ExprPtr parse_expression(TokenStream& tokens, bool allow_conditional) {
  return ExpressionParser(tokens).parse_expression(allow_conditional);
}

ExprPtr parse_tuple(TokenStream& tokens) {
  return ExpressionParser(tokens).parse_tuple();
}

}  // namespace strata::transform::jinja
