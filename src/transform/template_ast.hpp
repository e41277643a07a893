// The syntax tree of a parsed Jinja template, shared by the parser that builds it and the renderer
// that walks it. Expressions and statements are tagged unions (std::variant) of plain structs;
// every node keeps the line and column of the token that starts it (for operators: the operator),
// so that errors found while rendering point at the right place in the template file.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "transform/template_value.hpp"

namespace strata::transform::jinja::ast {

struct Position {
  int64_t line = 0;
  int64_t column = 0;
};

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

struct Arguments {
  std::vector<ExprPtr> positional;
  std::vector<std::pair<std::string, ExprPtr>> keyword;
};

struct Literal {
  Value value;
};
struct Name {
  std::string name;
};
struct ListLiteral {
  std::vector<ExprPtr> items;
  bool tuple = false;  // `(a, b)` or `a, b` rather than `[a, b]`
};
struct DictLiteral {
  std::vector<std::pair<ExprPtr, ExprPtr>> items;
};
struct Attribute {  // object.name
  ExprPtr object;
  std::string name;
};
struct Subscript {  // object[index]
  ExprPtr object;
  ExprPtr index;
};
struct Slice {  // object[start:stop:step], each bound optional
  ExprPtr object;
  ExprPtr start, stop, step;
};
struct Call {
  ExprPtr callee;
  Arguments arguments;
};

enum class UnaryOp { kNegate, kPlus, kNot };
struct Unary {
  UnaryOp op;
  ExprPtr operand;
};

enum class BinaryOp {
  kAdd,
  kSubtract,
  kMultiply,
  kDivide,
  kFloorDivide,
  kModulo,
  kPower,
  kConcat,
  kAnd,
  kOr
};
struct Binary {
  BinaryOp op;
  ExprPtr left, right;
};

enum class CompareOp { kEqual, kNotEqual, kLess, kLessEqual, kGreater, kGreaterEqual, kIn, kNotIn };
struct CompareStep {
  CompareOp op;
  ExprPtr operand;
  Position where;  // of the operator
};
// `a < b < c` is `a < b and b < c`, as in Python: a first operand and a chain of steps.
struct Compare {
  ExprPtr first;
  std::vector<CompareStep> rest;
};

struct Conditional {                   // then if condition else otherwise
  ExprPtr condition, then, otherwise;  // otherwise may be null: undefined
};
struct Filter {  // operand | name(arguments)
  ExprPtr operand;
  std::string name;
  Arguments arguments;
};
struct Test {  // operand is [not] name(arguments)
  ExprPtr operand;
  std::string name;
  bool negated = false;
  Arguments arguments;
};

struct Expr {
  Position where;
  std::variant<Literal, Name, ListLiteral, DictLiteral, Attribute, Subscript, Slice, Call, Unary,
               Binary, Compare, Conditional, Filter, Test>
      node;
};

struct Node;
using Body = std::vector<Node>;

struct Text {
  std::string text;
};
struct Output {  // {{ expression }}
  ExprPtr expression;
};
struct If {
  std::vector<std::pair<ExprPtr, Body>> branches;  // if and every elif
  Body otherwise;
};
struct For {
  std::vector<std::string> targets;  // one name, or several to unpack each item
  ExprPtr iterable;
  ExprPtr condition;  // `for x in xs if cond`; may be null
  Body body;
  Body otherwise;  // rendered when there was nothing to iterate over
};
struct Set {  // {% set a, b = expression %}
  std::vector<std::string> targets;
  ExprPtr value;
};
struct SetBlock {  // {% set name %}body{% endset %}
  std::string target;
  Body body;
};
struct SetAttribute {  // {% set ns.name = expression %}, on a namespace()
  std::string object;
  std::string attribute;
  ExprPtr value;
};

// `{% macro name(a, b=1) %}body{% endmacro %}` (and dbt's `{% test name(...) %}`, a macro named
// `test_<name>`). Shared so that the callables it defines can outlive the template's tree walk.
struct MacroDefinition {
  std::string name;
  std::vector<std::string> parameters;
  std::vector<ExprPtr> defaults;  // one per parameter; null when the argument is required
  Body body;
  std::string file;
  Position where;
};
struct Macro {
  std::shared_ptr<const MacroDefinition> definition;
};
struct CallBlock {  // {% call(args) macro(...) %}body{% endcall %}: body is the macro's caller()
  ExprPtr call;     // a Call expression
  std::shared_ptr<const MacroDefinition> caller;
};
struct Do {  // {% do expression %}
  ExprPtr expression;
};
struct Docs {  // dbt's {% docs name %}text{% enddocs %}: renders nothing where it stands
  std::string name;
  Body body;
};

struct Node {
  Position where;
  std::variant<Text, Output, If, For, Set, SetBlock, SetAttribute, Macro, CallBlock, Do, Docs> node;
};

}  // namespace strata::transform::jinja::ast
