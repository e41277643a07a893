#include "transform/dbt_unit_tests.hpp"

#include <algorithm>
#include <regex>

#include "core/text.hpp"
#include "engine/database.hpp"
#include "transform/dbt_project.hpp"

namespace strata::transform {
namespace {

using jinja::Value;

std::string literal(const Value& value) {
  switch (value.kind()) {
    case Value::Kind::kNone:
    case Value::Kind::kUndefined:
      return "NULL";
    case Value::Kind::kBool:
      return value.as_bool() ? "true" : "false";
    case Value::Kind::kInt:
    case Value::Kind::kDouble:
      return value.str();
    default: {
      std::string out = "'";
      for (char c : value.str()) {
        out += c;
        if (c == '\'') out += '\'';
      }
      return out + "'";
    }
  }
}

// The column names of `rows` (dicts), in order of first appearance.
std::vector<std::string> columns_of(const Value& rows) {
  std::vector<std::string> columns;
  if (!rows.is_list()) return columns;
  for (const Value& row : rows.as_list()) {
    if (!row.is_dict()) continue;
    for (const auto& [name, value] : row.as_dict().entries) {
      if (std::find(columns.begin(), columns.end(), name) == columns.end()) columns.push_back(name);
    }
  }
  return columns;
}

std::string rows_sql(const Value& rows, const std::string& what, const Location& where) {
  const std::vector<std::string> columns = columns_of(rows);
  if (columns.empty()) {
    throw Error(ErrorKind::kInput, what + " needs at least one row with columns", where);
  }
  std::vector<std::string> selects;
  for (const Value& row : rows.as_list()) {
    std::vector<std::string> parts;
    for (const std::string& column : columns) {
      const Value* value = row.is_dict() ? row.as_dict().find(column) : nullptr;
      parts.push_back((value ? literal(*value) : "NULL") + " AS " +
                      engine::quote_identifier(column));
    }
    selects.push_back("select " + join(parts, ", "));
  }
  return join(selects, "\nunion all\n");
}

}  // namespace

std::vector<Model> compile_unit_tests(
    const std::vector<UnitTestSpec>& specs, const std::vector<Model>& nodes,
    const std::map<std::string, jinja::Template>& templates,
    const std::map<std::string, lake::TableName, std::less<>>& relations,
    const ProjectConfig& config, const DbtEnvironment& environment) {
  static const std::regex ref_call(R"(^\s*ref\(\s*['"]([A-Za-z0-9_]+)['"]\s*\)\s*$)");
  std::vector<Model> out;
  for (const UnitTestSpec& spec : specs) {
    auto model = std::find_if(nodes.begin(), nodes.end(),
                              [&](const Model& node) { return node.name == spec.model; });
    if (model == nodes.end() || !templates.contains(spec.model)) {
      throw Error(ErrorKind::kInput,
                  "unit test '" + spec.name + "' tests '" + spec.model + "', which is no model",
                  spec.where);
    }
    std::map<std::string, lake::TableName, std::less<>> mocked = relations;
    std::vector<std::string> ctes, given_names;
    for (const auto& [input, rows] : spec.given) {
      std::smatch match;
      if (!std::regex_match(input, match, ref_call)) {
        throw Error(ErrorKind::kInput,
                    "unit test '" + spec.name + "': given input '" + input +
                        "' is not supported yet (use ref('model'))",
                    spec.where);
      }
      const std::string name = match[1].str();
      const std::string cte = "__dbt__given_" + name;
      mocked[name] = {"", cte};
      given_names.push_back(name);
      ctes.push_back(cte + " as (\n" + rows_sql(rows, "given " + input, spec.where) + "\n)");
    }
    Model tested = *model;
    tested.refs.clear();
    tested.sources.clear();
    DbtEnvironment env = environment;
    for (const auto& [key, value] : spec.vars.entries) env.vars.set(key, value);
    ModelCompilation compilation{config, mocked, tested, false, &env, nullptr};
    std::string sql = templates.at(spec.model).render(dbt_context(compilation));
    for (const std::string& ref : tested.refs) {
      if (std::find(given_names.begin(), given_names.end(), ref) == given_names.end()) {
        throw Error(ErrorKind::kInput,
                    "unit test '" + spec.name + "': no given rows for ref('" + ref + "')",
                    spec.where);
      }
    }
    while (!sql.empty() &&
           (std::isspace(static_cast<unsigned char>(sql.back())) || sql.back() == ';')) {
      sql.pop_back();
    }
    std::vector<std::string> quoted;
    for (const std::string& column : columns_of(spec.expect)) {
      quoted.push_back(engine::quote_identifier(column));
    }
    const std::string columns = join(quoted, ", ");
    ctes.push_back("__dbt__actual as (\n" + sql + "\n)");
    ctes.push_back("__dbt__expected as (\n" + rows_sql(spec.expect, "expect", spec.where) + "\n)");
    Model test;
    test.resource_type = "unit_test";
    test.materialized = "test";
    test.test_name = "unit_test";
    test.name = spec.name;
    test.attached_node = spec.model;
    test.relative_path = spec.where.file;
    test.file = config.root / spec.where.file;
    test.schema = model->schema;
    test.fqn = {environment.project.name, spec.model, spec.name};
    test.compiled_sql =
        "with " + join(ctes, ",\n") + "\nselect 'missing' as diff, * from (select " + columns +
        " from __dbt__expected except all select " + columns +
        " from __dbt__actual)\nunion all\nselect 'unexpected' as diff, * from (select " + columns +
        " from __dbt__actual except all select " + columns + " from __dbt__expected)";
    out.push_back(std::move(test));
  }
  return out;
}

}  // namespace strata::transform
