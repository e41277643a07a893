#include "transform/dbt_tests.hpp"

#include <algorithm>
#include <regex>
#include <set>

#include "core/text.hpp"
#include "transform/dbt_project.hpp"
#include "transform/macro_registry.hpp"

namespace strata::transform {
namespace {

using jinja::Value;

// What one generic test is attached to.
struct Target {
  std::string node;  // model or seed name; empty for sources
  const SourceTable* source = nullptr;
  std::string column;
  Location where;
};

// As dbt names tests: every run of characters other than letters, digits and '_' becomes '_'.
std::string sanitize(const std::string& text) {
  std::string out;
  bool in_run = false;
  for (char c : text) {
    const bool keep = std::isalnum(static_cast<unsigned char>(c)) || c == '_';
    if (keep) {
      out += c;
    } else if (!in_run) {
      out += '_';
    }
    in_run = !keep;
  }
  return out;
}

std::string test_node_name(const TestSpec& spec, const Target& target) {
  if (!spec.custom_name.empty()) return spec.custom_name;
  std::string base = spec.name;
  if (const size_t dot = base.rfind('.'); dot != std::string::npos) {
    base = base.substr(0, dot) + "_" + base.substr(dot + 1);
  }
  std::string name = target.source ? "source_" + base + "_" + target.source->source_name + "_" +
                                         target.source->name
                                   : base + "_" + target.node;
  if (!target.column.empty()) name += "_" + target.column;
  std::vector<std::pair<std::string, Value>> arguments = spec.arguments.entries;
  std::sort(arguments.begin(), arguments.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  for (const auto& [key, value] : arguments) {
    if (value.is_list()) {
      for (const Value& item : value.as_list()) name += "__" + sanitize(item.str());
    } else {
      name += "__" + sanitize(value.str());
    }
  }
  if (name.size() > 80) name = name.substr(0, 80);
  return name;
}

// A string argument written as Jinja (`ref('x')`, `"{{ var('y') }}"`) evaluated in `context`.
Value render_argument(const Value& value, const jinja::Context& context, const std::string& file) {
  if (!value.is_string()) return value;
  const std::string& text = value.as_string();
  static const std::regex call(R"(^\s*(ref|source|var)\s*\(.*\)\s*$)");
  if (std::regex_match(text, call)) {
    const jinja::Template parsed = jinja::Template::parse(
        "{% macro __argument() %}{{ return(" + text + ") }}{% endmacro %}", file);
    return call_with_context(parsed.macros().front().second, context, {});
  }
  if (text.find("{{") != std::string::npos) {
    return jinja::Template::parse(text, file).render(context);
  }
  return value;
}

Model make_test(const DbtEnvironment& environment, const TestSpec& spec, const Target& target,
                const std::map<std::string, lake::TableName, std::less<>>& relations,
                const ProjectConfig& config, std::vector<std::string>& warnings) {
  Model test;
  test.resource_type = "test";
  test.materialized = "test";
  test.test_name = spec.name;
  test.attached_node = target.node;
  test.column_name = target.column;
  test.name = test_node_name(spec, target);
  test.schema = environment.project.target_schema + "_dbt_test__audit";
  test.relative_path = target.where.file;
  test.file = config.root / target.where.file;
  test.fqn = {environment.project.name, test.name};
  apply_folder_configs(environment.project, environment.project.tests, {}, test.config);
  for (const auto& [key, value] : spec.config.entries) {
    std::string warning;
    if (!apply_config(test.config, key, value, spec.where, warning)) {
      warnings.push_back(spec.where.str() + ": " + warning);
    }
  }
  test.tags = test.config.tags;
  if (!test.config.enabled) return test;

  // The macro: project test blocks first, then built-ins; `package.name` looks up test_name.
  std::string macro_name = spec.name, package;
  if (const size_t dot = macro_name.rfind('.'); dot != std::string::npos) {
    package = macro_name.substr(0, dot);
    macro_name = macro_name.substr(dot + 1);
  }
  const Value* macro = package.empty() || package == environment.project.name
                           ? environment.macros.find("test_" + macro_name)
                           : environment.macros.find_in_package(package, "test_" + macro_name);
  if (!macro) macro = environment.macros.dispatch("test_" + macro_name);
  if (!macro) {
    throw Error(ErrorKind::kInput,
                "unknown test '" + spec.name + "': no `{% test " + macro_name +
                    "(...) %}` block in the project and no built-in test of that name "
                    "(built-in: unique, not_null, accepted_values, relationships, and "
                    "dbt_utils.expression_is_true, unique_combination_of_columns, "
                    "accepted_range, not_constant, at_least_one, not_empty_string, and "
                    "dbt_expectations.expect_* (README lists them))",
                spec.where);
  }
  ModelCompilation compilation{config, relations, test, false, &environment, &warnings};
  const jinja::Context context = dbt_context(compilation);
  Value model_relation;
  if (target.source) {
    const lake::TableName table{target.source->schema, target.source->identifier};
    test.sources.push_back(table);
    model_relation = relation_value(table);
  } else {
    test.refs.push_back(target.node);
    model_relation = relation_value(relations.at(target.node));
  }
  if (!test.config.where.empty()) {
    jinja::Dict attributes = model_relation.as_dict();
    model_relation =
        Value::object(std::move(attributes), "(select * from " + model_relation.str() + " where " +
                                                 test.config.where + ") dbt_subquery");
  }
  std::vector<std::pair<std::string, Value>> keyword = {{"model", model_relation}};
  if (!target.column.empty()) keyword.emplace_back("column_name", target.column);
  for (const auto& [key, value] : spec.arguments.entries) {
    keyword.emplace_back(key, render_argument(value, context, spec.where.file));
  }
  try {
    test.compiled_sql = call_with_context(*macro, context, {}, std::move(keyword)).str();
  } catch (const Error& error) {
    throw Error(error.kind(), "in test '" + test.name + "': " + error.message(),
                error.where().empty() ? spec.where : error.where());
  }
  return test;
}

void add_tests(const DbtEnvironment& environment, const std::vector<TestSpec>& specs,
               const Target& target,
               const std::map<std::string, lake::TableName, std::less<>>& relations,
               const ProjectConfig& config, std::vector<std::string>& warnings,
               std::vector<Model>& out) {
  for (const TestSpec& spec : specs) {
    Target located = target;
    located.where = spec.where;
    Model test = make_test(environment, spec, located, relations, config, warnings);
    if (test.config.enabled) out.push_back(std::move(test));
  }
}

}  // namespace

std::vector<Model> generic_tests(
    const DbtEnvironment& environment, const Properties& properties,
    const std::vector<Model>& nodes,
    const std::map<std::string, lake::TableName, std::less<>>& relations,
    const ProjectConfig& config, std::vector<std::string>& warnings) {
  std::vector<Model> out;
  std::set<std::string> names;
  for (const Model& node : nodes) names.insert(node.name);
  for (const auto* group : {&properties.seeds, &properties.models}) {
    for (const auto& [name, node] : *group) {
      if (!names.contains(name)) {
        warnings.push_back(node.where.str() + ": properties for '" + name +
                           "', but there is no such model or seed");
        continue;
      }
      add_tests(environment, node.tests, Target{name, nullptr, "", node.where}, relations, config,
                warnings, out);
      for (const ColumnProperties& column : node.columns) {
        add_tests(environment, column.tests, Target{name, nullptr, column.name, node.where},
                  relations, config, warnings, out);
      }
    }
  }
  for (const SourceTable& source : properties.sources) {
    add_tests(environment, source.tests, Target{"", &source, "", source.where}, relations, config,
              warnings, out);
    for (const ColumnProperties& column : source.columns) {
      add_tests(environment, column.tests, Target{"", &source, column.name, source.where},
                relations, config, warnings, out);
    }
  }
  // Names must be unique: number repeats.
  std::map<std::string, int> counts;
  for (Model& test : out) {
    const int seen = counts[test.name]++;
    if (seen > 0 || names.contains(test.name)) test.name += "_" + std::to_string(seen + 1);
  }
  return out;
}

std::string test_result_sql(const Model& test) {
  std::string sql = test.compiled_sql;
  while (!sql.empty() &&
         (std::isspace(static_cast<unsigned char>(sql.back())) || sql.back() == ';')) {
    sql.pop_back();
  }
  if (test.config.limit) sql += "\nlimit " + std::to_string(*test.config.limit);
  const std::string calc = test.config.fail_calc;
  return "select " + calc + " as failures, (" + calc + ") " + test.config.warn_if +
         " as should_warn, (" + calc + ") " + test.config.error_if + " as should_error from (\n" +
         sql + "\n) dbt_internal_test";
}

}  // namespace strata::transform
