// Loading dbt projects from files: dbt_project.yml folder configs (with and without '+', down to
// a node), properties files (both test forms), config precedence, schema naming by the built-in or
// a project's generate_schema_name, ephemeral models inlined as CTEs, warnings for unknown keys,
// and dbt's selector syntax.
#include <gtest/gtest.h>

#include <algorithm>

#include "core/config.hpp"
#include "core/text.hpp"
#include "test_support.hpp"
#include "transform/model_graph.hpp"
#include "transform/project.hpp"
#include "transform/selector.hpp"

namespace strata::transform {
namespace {

class DbtProjectTest : public ::testing::Test {
 protected:
  test::TempDir dir;

  void write(const std::string& path, const std::string& text) {
    test::write_text(dir / path, text);
  }

  ModelProject load(CompileOptions options = {}) {
    ProjectConfig config;
    config.root = dir.path();
    config.name = "p";
    config.models_dir = dir / "models";
    return load_models(config, options);
  }

  void SetUp() override {
    write("dbt_project.yml",
          "name: shop\nprofile: shop\nvars: {limit: 3, shop: {scoped: yes}}\n"
          "models:\n  shop:\n    +tags: [all]\n    staging:\n      materialized: table\n"
          "      +schema: stg\n      special:\n        +materialized: incremental\n"
          "        +unique_key: id\n");
    write("models/staging/a.sql", "select 1 as id");
    write("models/staging/special/b.sql", "select * from {{ ref('a') }}");
    write("models/marts/c.sql",
          "{{ config(materialized='table', tags=['core']) }}\nselect * from {{ ref('e') }}");
    write("models/marts/e.sql",
          "{{ config(materialized='ephemeral') }}\nselect * from {{ ref('b') }} "
          "where id < {{ var('limit') }} and {{ var('scoped') }}");
  }
};

TEST_F(DbtProjectTest, FolderConfigsWithAndWithoutPlusAndNodeConfigsOverride) {
  const ModelProject project = load();
  ASSERT_TRUE(project.dbt);
  const Model& a = *project.find("a");
  EXPECT_EQ(a.materialized, "table");
  EXPECT_EQ(a.schema, "main_stg");
  EXPECT_EQ(a.tags, std::vector<std::string>{"all"});
  const Model& b = *project.find("b");
  EXPECT_EQ(b.materialized, "incremental");
  EXPECT_EQ(b.config.unique_key, std::vector<std::string>{"id"});
  const Model& c = *project.find("c");
  EXPECT_EQ(c.materialized, "table");
  EXPECT_EQ(c.schema, "main");
  EXPECT_EQ(c.tags, (std::vector<std::string>{"all", "core"}));
}

TEST_F(DbtProjectTest, EphemeralModelsAreInlinedAsCtes) {
  const ModelProject project = load();
  const Model& c = *project.find("c");
  EXPECT_EQ(c.compiled_sql.rfind("with __dbt__cte__e as (\n", 0), 0u) << c.compiled_sql;
  EXPECT_NE(c.compiled_sql.find("from \"main_stg\".\"b\" where id < 3 and True"), std::string::npos)
      << c.compiled_sql;
  EXPECT_NE(c.compiled_sql.find("select * from __dbt__cte__e"), std::string::npos);
  // c depends on what the ephemeral model reads.
  EXPECT_NE(std::find(c.refs.begin(), c.refs.end(), "b"), c.refs.end());
}

TEST_F(DbtProjectTest, ProjectMacroOverridesGenerateSchemaName) {
  write("macros/naming.sql",
        "{% macro generate_schema_name(custom_schema_name, node) -%}\n"
        "{{ custom_schema_name or node.fqn[1] }}\n{%- endmacro %}");
  const ModelProject project = load();
  EXPECT_EQ(project.find("a")->schema, "stg");
  EXPECT_EQ(project.find("c")->schema, "marts");
}

TEST_F(DbtProjectTest, PropertiesFilesGiveTestsInBothForms) {
  write("models/staging/_props.yml",
        "version: 2\nmodels:\n  - name: a\n    description: The a.\n    columns:\n"
        "      - name: id\n        tests: [unique]\n        data_tests:\n"
        "          - accepted_values:\n              values: [1, 2]\n              quote: false\n"
        "          - accepted_values:\n              arguments: {values: [3]}\n"
        "              config: {severity: warn, where: 'id > 0'}\n");
  const ModelProject project = load();
  EXPECT_EQ(project.find("a")->description, "The a.");
  const Model* unique = project.find("unique_a_id");
  ASSERT_NE(unique, nullptr);
  EXPECT_EQ(unique->refs, std::vector<std::string>{"a"});
  EXPECT_NE(unique->compiled_sql.find("group by id"), std::string::npos);
  const Model* first = project.find("accepted_values_a_id__False__1__2");
  ASSERT_NE(first, nullptr) << join(project.names(), ", ");
  EXPECT_NE(first->compiled_sql.find("1, 2"), std::string::npos) << first->compiled_sql;
  const Model* second = project.find("accepted_values_a_id__3");
  ASSERT_NE(second, nullptr) << join(project.names(), ", ");
  EXPECT_EQ(second->config.severity, "warn");
  EXPECT_NE(
      second->compiled_sql.find("(select * from \"main_stg\".\"a\" where id > 0) dbt_subquery"),
      std::string::npos)
      << second->compiled_sql;
}

TEST_F(DbtProjectTest, UnknownConfigKeysWarnWithTheClosestKey) {
  write("models/marts/d.sql", "{{ config(materialized='incremental', uniqe_key='id') }}select 1");
  const ModelProject project = load();
  const std::string warnings = join(project.warnings, "\n");
  EXPECT_NE(warnings.find("models/marts/d.sql:1:4: unknown config key 'uniqe_key' (did you "
                          "mean 'unique_key'?)"),
            std::string::npos)
      << warnings;
  EXPECT_TRUE(project.find("d")->config.unique_key.empty());
}

TEST_F(DbtProjectTest, IsIncrementalFollowsTheRelationAndFullRefresh) {
  write("models/staging/special/b.sql",
        "select 1 as id{% if is_incremental() %} where id > (select max(id) from {{ this }})"
        "{% endif %}");
  CompileOptions options;
  EXPECT_EQ(load(options).find("b")->compiled_sql.find("max(id)"), std::string::npos);
  options.relation_exists = [](const lake::TableName& table) { return table.name == "b"; };
  EXPECT_NE(load(options).find("b")->compiled_sql.find("from \"main_stg\".\"b\""),
            std::string::npos);
  options.full_refresh = true;
  EXPECT_EQ(load(options).find("b")->compiled_sql.find("max(id)"), std::string::npos);
}

TEST_F(DbtProjectTest, VarsFromTheCommandLineOverrideTheProject) {
  CompileOptions options;
  options.vars_yaml = "{limit: 7}";
  EXPECT_NE(load(options).find("c")->compiled_sql.find("id < 7"), std::string::npos);
}

TEST_F(DbtProjectTest, Selectors) {
  const ModelProject project = load();
  const ModelGraph graph = ModelGraph::of(project);
  auto pick = [&](std::vector<std::string> select, std::vector<std::string> exclude = {}) {
    return join(select_nodes(project, graph, select, exclude, {"model"}), ",");
  };
  EXPECT_EQ(pick({"+c"}), "a,b,c");  // the ephemeral e is inlined, never built
  EXPECT_EQ(pick({"1+c"}), "b,c");   // c reads b through the ephemeral e
  EXPECT_EQ(pick({"a+"}), "a,b,c");
  EXPECT_EQ(pick({"a+1"}), "a,b");
  EXPECT_EQ(pick({"tag:core"}), "c");
  EXPECT_EQ(pick({"path:models/staging"}), "a,b");
  EXPECT_EQ(pick({"config.materialized:incremental"}), "b");
  EXPECT_EQ(pick({"tag:all,path:models/marts"}), "c");
  EXPECT_EQ(pick({"a c"}), "a,c");
  EXPECT_EQ(pick({"+c"}, {"a"}), "b,c");
  EXPECT_EQ(pick({"@b"}), "a,b,c");
  EXPECT_EQ(pick({"staging"}), "a,b");  // an fqn folder
  EXPECT_THROW(pick({"nope"}), Error);
}

TEST_F(DbtProjectTest, ProfilesWithOtherAdaptersAreReported) {
  write("profiles.yml", "shop:\n  target: prod\n  outputs:\n    prod:\n      type: snowflake\n");
  try {
    load();
    FAIL() << "no error";
  } catch (const Error& error) {
    EXPECT_NE(error.message().find("'snowflake'"), std::string::npos) << error.what();
    EXPECT_EQ(error.where().file, "profiles.yml");
  }
  write("profiles.yml",
        "shop:\n  target: dev\n  outputs:\n    dev: {type: duckdb, schema: analytics}\n");
  EXPECT_EQ(load().find("a")->schema, "analytics_stg");
}

}  // namespace
}  // namespace strata::transform

namespace strata::transform {
namespace {

TEST_F(DbtProjectTest, BuiltInDbtUtilsMacrosAndTests) {
  write("models/marts/u.sql",
        "select {{ dbt_utils.generate_surrogate_key(['id', 'name']) }} as k,\n"
        "  {{ dbt_utils.safe_add(['a', 'b']) }} as s,\n"
        "  {{ dbt_utils.star(ref('a'), except=['skip'], relation_alias='t') }},\n"
        "  {{ dbt_utils.pivot('status', ['x', 'y']) }}\n"
        "from {{ ref('a') }} t");
  write("models/marts/_u.yml",
        "version: 2\nmodels:\n  - name: u\n    tests:\n"
        "      - dbt_utils.expression_is_true:\n          expression: \"s >= 0\"\n"
        "      - dbt_utils.unique_combination_of_columns:\n"
        "          combination_of_columns: [k, s]\n");
  CompileOptions options;
  options.columns_of = [](const lake::TableName&) {
    return std::vector<std::pair<std::string, std::string>>{
        {"id", "INTEGER"}, {"skip", "INTEGER"}, {"name", "VARCHAR"}};
  };
  const ModelProject project = load(options);
  const std::string& sql = project.find("u")->compiled_sql;
  EXPECT_NE(sql.find("md5(cast(coalesce(cast(id as varchar), '_dbt_utils_surrogate_key_null_') || "
                     "'-' || coalesce(cast(name as varchar), "
                     "'_dbt_utils_surrogate_key_null_') as varchar)) as k"),
            std::string::npos)
      << sql;
  EXPECT_NE(sql.find("coalesce(a, 0) +\n  coalesce(b, 0) as s"), std::string::npos) << sql;
  EXPECT_NE(sql.find("t.\"id\",\n  t.\"name\",\n"), std::string::npos) << sql;
  EXPECT_NE(sql.find("sum(case when status = 'x' then 1 else 0 end) as \"x\","), std::string::npos)
      << sql;
  const Model* expression = project.find("dbt_utils_expression_is_true_u__s_0");
  ASSERT_NE(expression, nullptr) << join(project.names(), ", ");
  EXPECT_NE(expression->compiled_sql.find("where not (s >= 0)"), std::string::npos);
  const Model* combination = project.find("dbt_utils_unique_combination_of_columns_u__k__s");
  ASSERT_NE(combination, nullptr) << join(project.names(), ", ");
  EXPECT_NE(combination->compiled_sql.find("group by k, s"), std::string::npos);
}

}  // namespace
}  // namespace strata::transform

namespace strata::transform {
namespace {

TEST_F(DbtProjectTest, RunQueryAndStatementsAskTheDatabaseOnlyWhenExecuting) {
  write("models/marts/q.sql",
        "{% call statement('ids', fetch_result=True) %}select 7 as x{% endcall %}\n"
        "{% set rows = load_result('ids') %}\n"
        "select {{ rows['data'][0][0] if execute else 0 }} as a,"
        " {{ run_query('select 8')['columns'][0]['values']()[0] if execute else 0 }} as b");
  std::vector<std::string> queries;
  CompileOptions options;
  options.run_query = [&](const std::string& sql) {
    queries.push_back(sql);
    return std::make_pair(std::vector<std::string>{"x"},
                          std::vector<std::vector<std::optional<std::string>>>{
                              {sql.find('7') != std::string::npos ? "7" : "8"}});
  };
  const ModelProject project = load(options);
  const Model& q = *project.find("q");
  EXPECT_NE(q.compiled_sql.find("select 7 as a, 8 as b"), std::string::npos) << q.compiled_sql;
  EXPECT_TRUE(q.introspective);
  EXPECT_EQ(queries, (std::vector<std::string>{"select 7 as x", "select 8"}));
}

}  // namespace
}  // namespace strata::transform

namespace strata::transform {
namespace {

TEST_F(DbtProjectTest, JinjaInProjectAndProfileSettingsIsRendered) {
  setenv("STRATA_TEST_SCHEMA", "analytics", 1);
  write("profiles.yml",
        "shop:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n"
        "      schema: \"{{ env_var('STRATA_TEST_SCHEMA') }}\"\n");
  write("dbt_project.yml",
        "name: shop\nprofile: shop\nvars: {limit: 3, scoped: 1, mart_schema: reporting}\n"
        "models:\n  shop:\n    marts:\n      +schema: \"{{ var('mart_schema') }}\"\n"
        "      +enabled: \"{{ target.name == 'dev' }}\"\n    extra:\n"
        "      +enabled: \"{{ target.name == 'prod' }}\"\n");
  write("models/extra/x.sql", "select 1");
  const ModelProject project = load();
  EXPECT_EQ(project.find("c")->schema, "analytics_reporting");
  EXPECT_EQ(project.find("x"), nullptr);  // disabled outside prod
  unsetenv("STRATA_TEST_SCHEMA");
}

}  // namespace
}  // namespace strata::transform

namespace strata::transform {
namespace {

TEST_F(DbtProjectTest, FromJsonAndToJson) {
  write("models/marts/j.sql",
        "{% set d = fromjson('{\"k\": [1, 2]}') %}select {{ d['k'][1] }} as two, "
        "'{{ tojson({'x': 1}) }}' as j, {{ fromjson('nope', 3) }} as fallback");
  EXPECT_NE(load().find("j")->compiled_sql.find("select 2 as two, '{\"x\":1}' as j, 3 as fallback"),
            std::string::npos)
      << load().find("j")->compiled_sql;
}

}  // namespace
}  // namespace strata::transform

namespace strata::transform {
namespace {

TEST_F(DbtProjectTest, GraphListsNodesWhenExecuting) {
  write("models/marts/g.sql",
        "{% set tables = [] %}{% if execute %}{% for node in graph.nodes.values() %}"
        "{% if node.config.materialized == 'table' %}{% do tables.append(node.name) %}{% endif %}"
        "{% endfor %}{% endif %}select '{{ tables | sort | join(',') }}' as t");
  EXPECT_NE(load().find("g")->compiled_sql.find("select 'a,c' as t"), std::string::npos)
      << load().find("g")->compiled_sql;
}

}  // namespace
}  // namespace strata::transform
