#include "transform/template_parser.hpp"

#include <algorithm>

#include "core/text.hpp"
#include "transform/template_expression_parser.hpp"
#include "transform/template_token_stream.hpp"

namespace strata::transform::jinja {
namespace {

using namespace ast;

// Statements of full Jinja (and dbt's extensions) that are recognized but not run yet.
const std::vector<std::string>& unsupported_statements() {
  static const std::vector<std::string> names = split(
      "filter endfilter with endwith block endblock extends include import from autoescape "
      "endautoescape break continue materialization endmaterialization snapshot endsnapshot "
      "trans endtrans",
      ' ');
  return names;
}

const std::vector<std::string>& supported_statements() {
  static const std::vector<std::string> names = split(
      "if elif else endif for endfor set endset raw endraw macro endmacro test endtest call "
      "endcall do docs enddocs",
      ' ');
  return names;
}

// The statement that opened the body being parsed, and the keywords that may end it.
struct OpenStatement {
  std::string keyword;  // "if", "for", "set"
  Position where;
  std::vector<std::string> terminators;
};

class Parser {
 public:
  Parser(const std::vector<Token>& tokens, const std::string& file)
      : tokens_(tokens, file), file_(file) {}

  Body parse_template() {
    std::string terminator;
    return parse_body(nullptr, terminator);
  }

 private:
  TokenStream tokens_;
  const std::string& file_;
  std::vector<const OpenStatement*> open_;  // innermost last, for "close X first" messages

  void expect_block_end(std::string_view statement) {
    if (tokens_.peek().kind == TokenKind::kBlockEnd) {
      tokens_.next();
      return;
    }
    tokens_.fail(tokens_.peek(), "expected `%}` to end `{% " + std::string(statement) +
                                     " %}`, found " + TokenStream::describe(tokens_.peek()));
  }

  // Parses nodes until a `{% keyword %}` whose keyword is one of `open`'s terminators (consumed up
  // to and including the keyword, which is stored in `terminator`) or the end of the template.
  Body parse_body(const OpenStatement* open, std::string& terminator) {
    Body body;
    if (open) {
      constexpr size_t kMaxDepth = 100;  // far beyond hand-written templates; protects the stack
      if (open_.size() >= kMaxDepth) tokens_.fail(open->where, "blocks nested too deeply");
      open_.push_back(open);
    }
    while (true) {
      const Token& token = tokens_.peek();
      switch (token.kind) {
        case TokenKind::kText:
          body.push_back(Node{TokenStream::position(token), Text{tokens_.next().text}});
          break;
        case TokenKind::kVariableBegin: {
          tokens_.next();
          ExprPtr expression = parse_expression(tokens_);
          if (tokens_.peek().kind != TokenKind::kVariableEnd) {
            tokens_.fail(tokens_.peek(), "expected `}}` after the expression, found " +
                                             TokenStream::describe(tokens_.peek()));
          }
          tokens_.next();
          body.push_back(Node{TokenStream::position(token), Output{std::move(expression)}});
          break;
        }
        case TokenKind::kBlockBegin: {
          const Position tag = TokenStream::position(tokens_.next());
          const Token& keyword = tokens_.peek();
          if (keyword.kind != TokenKind::kName) {
            tokens_.fail(keyword, "expected a statement name after `{%`, found " +
                                      TokenStream::describe(keyword));
          }
          if (open && std::find(open->terminators.begin(), open->terminators.end(), keyword.text) !=
                          open->terminators.end()) {
            terminator = tokens_.next().text;
            open_.pop_back();
            return body;
          }
          tokens_.next();
          parse_statement(keyword.text, tag, body);
          break;
        }
        case TokenKind::kEnd:
          if (open) {
            tokens_.fail(open->where, "`{% " + open->keyword +
                                          " %}` is never closed: expected `{% " +
                                          open->terminators.back() + " %}`");
          }
          return body;
        default:
          tokens_.fail(token, "unexpected " + TokenStream::describe(token));
      }
    }
  }

  void parse_statement(const std::string& keyword, Position tag, Body& body) {
    if (keyword == "if") return body.push_back(Node{tag, parse_if(tag)});
    if (keyword == "for") return body.push_back(Node{tag, parse_for(tag)});
    if (keyword == "set") return parse_set(tag, body);
    if (keyword == "macro" || keyword == "test") {
      return body.push_back(Node{tag, Macro{parse_macro(keyword, tag)}});
    }
    if (keyword == "call") return body.push_back(Node{tag, parse_call(tag)});
    if (keyword == "do") {
      ExprPtr expression = parse_expression(tokens_);
      expect_block_end("do");
      return body.push_back(Node{tag, Do{std::move(expression)}});
    }
    if (keyword == "docs") return body.push_back(Node{tag, parse_docs(tag)});
    if (std::find(supported_statements().begin(), supported_statements().end(), keyword) !=
        supported_statements().end()) {
      fail_misplaced(keyword, tag);
    }
    if (std::find(unsupported_statements().begin(), unsupported_statements().end(), keyword) !=
        unsupported_statements().end()) {
      tokens_.fail(tag, "`{% " + keyword + " %}` is not supported yet");
    }
    std::vector<std::string> known = supported_statements();
    known.insert(known.end(), unsupported_statements().begin(), unsupported_statements().end());
    tokens_.fail(tag, "unknown statement `{% " + keyword + " %}`" + did_you_mean(keyword, known));
  }

  // An elif/else/end keyword where the innermost open statement does not accept it.
  [[noreturn]] void fail_misplaced(const std::string& keyword, Position tag) const {
    std::string message = "unexpected `{% " + keyword + " %}`";
    if (!open_.empty()) {
      const OpenStatement& inner = *open_.back();
      message += ": the `{% " + inner.keyword + " %}` at line " + std::to_string(inner.where.line) +
                 " must be closed first with `{% " + inner.terminators.back() + " %}`";
    } else if (keyword.starts_with("end")) {
      message += ": there is no open `{% " + keyword.substr(3) + " %}`";
    } else {
      message +=
          " outside of an `{% if %}`" + std::string(keyword == "else" ? " or `{% for %}`" : "");
    }
    tokens_.fail(tag, message);
  }

  If parse_if(Position tag) {
    If node;
    ExprPtr condition = parse_expression(tokens_);
    expect_block_end("if");
    const OpenStatement open{"if", tag, {"elif", "else", "endif"}};
    while (true) {
      std::string terminator;
      Body body = parse_body(&open, terminator);
      node.branches.emplace_back(std::move(condition), std::move(body));
      if (terminator == "elif") {
        condition = parse_expression(tokens_);
        expect_block_end("elif");
        continue;
      }
      if (terminator == "else") {
        expect_block_end("else");
        const OpenStatement else_open{"if", tag, {"endif"}};
        node.otherwise = parse_body(&else_open, terminator);
      }
      expect_block_end("endif");
      return node;
    }
  }

  std::vector<std::string> parse_targets(std::string_view statement) {
    std::vector<std::string> targets;
    do {
      targets.push_back(
          tokens_.expect_name("a variable name after `" + std::string(statement) + "`"));
    } while (tokens_.accept_operator(","));
    return targets;
  }

  For parse_for(Position tag) {
    For node;
    node.targets = parse_targets("for");
    if (!tokens_.accept_name("in")) {
      tokens_.fail(tokens_.peek(), "expected 'in' after the loop variable, found " +
                                       TokenStream::describe(tokens_.peek()));
    }
    node.iterable = parse_expression(tokens_, false);
    if (tokens_.accept_name("if")) node.condition = parse_expression(tokens_, false);
    if (tokens_.at_name("recursive")) {
      tokens_.fail(tokens_.peek(), "recursive loops are not supported yet");
    }
    expect_block_end("for");
    const OpenStatement open{"for", tag, {"else", "endfor"}};
    std::string terminator;
    node.body = parse_body(&open, terminator);
    if (terminator == "else") {
      expect_block_end("else");
      const OpenStatement else_open{"for", tag, {"endfor"}};
      node.otherwise = parse_body(&else_open, terminator);
    }
    expect_block_end("endfor");
    return node;
  }

  // `(a, b=default, ...)` after a macro's name or `call`; fills `definition`'s parameters.
  void parse_parameters(MacroDefinition& definition, std::string_view statement) {
    tokens_.expect_operator("(", "after the name of the " + std::string(statement));
    while (!tokens_.accept_operator(")")) {
      definition.parameters.push_back(tokens_.expect_name("a parameter name"));
      definition.defaults.push_back(tokens_.accept_operator("=") ? parse_expression(tokens_)
                                                                 : nullptr);
      if (!tokens_.at_operator(")")) tokens_.expect_operator(",", "between parameters");
    }
  }

  std::shared_ptr<const MacroDefinition> parse_macro(const std::string& keyword, Position tag) {
    auto definition = std::make_shared<MacroDefinition>();
    const std::string name = tokens_.expect_name("the " + keyword + "'s name");
    definition->name = keyword == "test" ? "test_" + name : name;
    definition->file = file_;
    definition->where = tag;
    parse_parameters(*definition, keyword);
    expect_block_end(keyword);
    const OpenStatement open{keyword, tag, {"end" + keyword}};
    std::string terminator;
    definition->body = parse_body(&open, terminator);
    if (tokens_.peek().kind == TokenKind::kName) tokens_.next();  // `{% endmacro name %}`
    expect_block_end("end" + keyword);
    return definition;
  }

  CallBlock parse_call(Position tag) {
    auto caller = std::make_shared<MacroDefinition>();
    caller->name = "caller";
    caller->file = file_;
    caller->where = tag;
    if (tokens_.at_operator("(")) parse_parameters(*caller, "call");
    CallBlock node;
    node.call = parse_expression(tokens_);
    if (!std::holds_alternative<Call>(node.call->node)) {
      tokens_.fail(node.call->where, "`{% call %}` needs a macro call, e.g. {% call m() %}");
    }
    expect_block_end("call");
    const OpenStatement open{"call", tag, {"endcall"}};
    std::string terminator;
    caller->body = parse_body(&open, terminator);
    expect_block_end("endcall");
    node.caller = std::move(caller);
    return node;
  }

  Docs parse_docs(Position tag) {
    Docs node;
    node.name = tokens_.expect_name("the docs block's name");
    expect_block_end("docs");
    const OpenStatement open{"docs", tag, {"enddocs"}};
    std::string terminator;
    node.body = parse_body(&open, terminator);
    expect_block_end("enddocs");
    return node;
  }

  void parse_set(Position tag, Body& body) {
    if (tokens_.peek().kind == TokenKind::kName && tokens_.at_operator(".", 1)) {
      SetAttribute node;
      node.object = tokens_.next().text;
      tokens_.next();
      node.attribute = tokens_.expect_name("an attribute name after `.`");
      tokens_.expect_operator("=", "after `{% set " + node.object + "." + node.attribute);
      node.value = parse_tuple(tokens_);
      expect_block_end("set");
      return body.push_back(Node{tag, std::move(node)});
    }
    std::vector<std::string> targets = parse_targets("set");
    if (tokens_.accept_operator("=")) {
      ExprPtr value = parse_tuple(tokens_);
      expect_block_end("set");
      body.push_back(Node{tag, Set{std::move(targets), std::move(value)}});
      return;
    }
    if (targets.size() != 1) {
      tokens_.fail(tokens_.peek(), "expected '=' after the variable names of `{% set %}`");
    }
    expect_block_end("set");
    const OpenStatement open{"set", tag, {"endset"}};
    std::string terminator;
    Body content = parse_body(&open, terminator);
    expect_block_end("endset");
    body.push_back(Node{tag, SetBlock{std::move(targets.front()), std::move(content)}});
  }
};

}  // namespace

ast::Body parse(const std::vector<Token>& tokens, const std::string& file) {
  return Parser(tokens, file).parse_template();
}

}  // namespace strata::transform::jinja
