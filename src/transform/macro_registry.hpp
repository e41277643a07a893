// The macros a dbt project can call: strata's built-ins (dbt's generate_schema_name,
// generate_alias_name, the generic tests, ...) and the project's own, from the files under its
// macro paths (and `{% test %}` blocks under its test paths). A project macro overrides a built-in
// of the same name, as in dbt. `dispatch` resolves adapter.dispatch('name'): duckdb__name, then
// default__name, then name.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "transform/template.hpp"

namespace strata::transform {

class MacroRegistry {
 public:
  // A registry holding the built-in macros only.
  MacroRegistry();

  // Adds the top-level macros of `source` (a file's text; `file` names it in errors). Throws
  // Error(kInput) for template syntax errors.
  void add_project_file(std::string_view source, const std::string& file);

  // Adds the macros of a file of the local package `package` (packages.yml `local:`): they are
  // reachable as `package.name`, and by bare name when no other macro has it.
  void add_package_file(const std::string& package, std::string_view source,
                        const std::string& file);

  // The macro called `name` (project first), or nullptr.
  const jinja::Value* find(std::string_view name) const;
  // adapter.dispatch(name): the most specific implementation, or nullptr.
  const jinja::Value* dispatch(const std::string& name) const;
  // The macro `name` of a built-in or local package ("dbt_utils"), or nullptr.
  const jinja::Value* find_in_package(std::string_view package, std::string_view name) const;
  // Every macro by name, project macros replacing built-ins; each package as a namespace
  // (`dbt_utils.star`), and dbt's cross-database macros by bare name too.
  void install(jinja::Context& context) const;
  size_t project_macro_count() const { return project_.size(); }
  // The text of every project macro (`{% macro %}` and `{% test %}` blocks, a test named
  // test_<name>, as dbt names them), for the manifest and `state:modified.macros`.
  const std::map<std::string, std::string>& project_sources() const { return project_sources_; }

 private:
  std::map<std::string, jinja::Value, std::less<>> builtin_;
  std::map<std::string, jinja::Value, std::less<>> project_;
  std::map<std::string, jinja::Dict, std::less<>> packages_;
  std::map<std::string, jinja::Value, std::less<>> local_;  // local packages' macros by bare name
  std::map<std::string, std::string> project_sources_;
};

// The top-level `{% macro name %}...{% endmacro %}` and `{% test name %}...{% endtest %}` blocks
// of a file's text, by macro name (tests as test_<name>).
std::map<std::string, std::string> macro_blocks(std::string_view source);

// The names of `macros` that `text` calls (`name(`, and the implementation an
// `adapter.dispatch('name')` resolves to), found in the text as dbt finds a node's macro
// dependencies for state comparison, sorted, each once.
std::vector<std::string> called_macros(std::string_view text,
                                       const std::map<std::string, std::string>& macros);

// The packages strata has built in, under their dbt package names.
const std::vector<std::string>& builtin_package_names();

// The Jinja source of the built-in macros (builtin_macros.cpp).
const char* builtin_macro_source();
// The Jinja source of a built-in package ("dbt", "dbt_utils"; builtin_packages.cpp).
const char* builtin_package_source(const std::string& package);
// The Jinja source of the built-in dbt_expectations (builtin_expectations.cpp).
const char* builtin_expectations_source();

}  // namespace strata::transform
