// strata's Jinja template engine, the base of dbt compatibility: a lexer, a parser building a
// syntax tree, and a renderer walking it. It supports `{{ expressions }}`, `{# comments #}`,
// if/elif/else, for/else with `loop`, set (inline and block), raw, whitespace control, filters and
// tests, with Jinja's semantics (undefined variables render as nothing; calling something that is
// not a function is an error). A Template is parsed once and rendered any number of times against
// a Context holding the variables and functions it may use; rendering never modifies the Context.
// Every error is strata::Error(kInput) with the template's file:line:col.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "transform/template_value.hpp"

namespace strata::transform::jinja {

namespace ast {
struct Node;
}

// The variables and functions visible to a template.
class Context {
 public:
  void set(std::string name, Value value);
  void set_function(std::string name, Function function);
  const Value* find(std::string_view name) const;
  // Names of everything set, sorted (for did-you-mean hints).
  std::vector<std::string> names() const;

 private:
  std::map<std::string, Value, std::less<>> values_;
};

class Template {
 public:
  // Parses `source`; `file` is the name errors give (a path relative to the project, usually).
  static Template parse(std::string_view source, std::string file);

  // Renders against `context`. When `source_lines` is given it receives, for every line of the
  // output, the template line it came from (output line i+1 came from template line
  // (*source_lines)[i]), so that errors in generated text can be traced back to the template.
  std::string render(const Context& context, std::vector<int64_t>* source_lines = nullptr) const;

  const std::string& file() const;

  // The macros the template defines at its top level, as callables, in order of definition.
  // They stay valid after the Template is gone.
  std::vector<std::pair<std::string, Value>> macros() const;

 private:
  Template() = default;
  struct Parsed;
  std::shared_ptr<const Parsed> parsed_;
};

// Parses and renders in one step.
std::string render(std::string_view source, const Context& context,
                   std::string file = "<template>");

}  // namespace strata::transform::jinja
