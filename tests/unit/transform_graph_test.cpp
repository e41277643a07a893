// Models as a project: loading and two-pass compilation with dbt's context (ref, source, config,
// var, this, target), and the dependency graph (order, cycles, selection).
#include <gtest/gtest.h>

#include <string>

#include "core/config.hpp"
#include "core/error.hpp"
#include "test_support.hpp"
#include "transform/model_graph.hpp"
#include "transform/project.hpp"

namespace strata::transform {
namespace {

namespace fs = std::filesystem;

ProjectConfig sample_config(const fs::path& root = "/project") {
  ProjectConfig config;
  config.root = root;
  config.name = "shop";
  config.models_dir = root / "models";
  config.vars["start_date"] = "2024-01-01";
  SourceConfig raw;
  raw.name = "raw";
  raw.kind = "files";
  for (const char* table : {"orders", "customers"}) {
    FileTableConfig file;
    file.name = table;
    raw.tables.push_back(file);
  }
  config.sources.push_back(raw);
  return config;
}

using Files = std::vector<std::pair<std::string, std::string>>;

Error compile_error(const Files& files, const ProjectConfig& config = sample_config()) {
  try {
    compile_models(config, files);
  } catch (const Error& error) {
    return error;
  }
  ADD_FAILURE() << "no error";
  return Error(ErrorKind::kInternal, "no error");
}

void expect_message(const Error& error, const std::string& fragment) {
  EXPECT_NE(error.message().find(fragment), std::string::npos)
      << "message: " << error.message() << "\nexpected to contain: " << fragment;
}

// --- project compilation ----------------------------------------------------------------------

TEST(ModelProject, NamesSchemasAndRelations) {
  const ModelProject project =
      compile_models(sample_config(),
                     {{"staging/stg_orders.sql", "select * from {{ source('raw', 'orders') }}"},
                      {"marts/core/fct_orders.sql",
                       "{{ config(materialized='table') }}select * from {{ ref('stg_orders') }} "
                       "join {{ ref('stg_orders') }} using (id) join {{ ref('top') }} using (id)"},
                      {"top.sql", "select 1 as id"}});
  ASSERT_EQ(project.names(), (std::vector<std::string>{"fct_orders", "stg_orders", "top"}));

  const Model& stg = *project.find("stg_orders");
  EXPECT_EQ(stg.schema, "staging");
  EXPECT_EQ(stg.materialized, "view");  // dbt's default
  EXPECT_EQ(stg.relative_path, fs::path("models/staging/stg_orders.sql"));
  EXPECT_EQ(stg.file, fs::path("/project/models/staging/stg_orders.sql"));
  EXPECT_EQ(stg.compiled_sql, "select * from \"raw\".\"orders\"");
  EXPECT_EQ(stg.sources, (std::vector<lake::TableName>{{"raw", "orders"}}));
  EXPECT_TRUE(stg.refs.empty());

  const Model& fct = *project.find("fct_orders");
  EXPECT_EQ(fct.schema, "marts");
  EXPECT_EQ(fct.materialized, "table");
  EXPECT_EQ(fct.compiled_sql,
            "select * from \"staging\".\"stg_orders\" join \"staging\".\"stg_orders\" using (id) "
            "join \"main\".\"top\" using (id)");
  EXPECT_EQ(fct.refs, (std::vector<std::string>{"stg_orders", "top"}));
  EXPECT_EQ(project.find("top")->schema, "main");
  EXPECT_EQ(project.find("nope"), nullptr);
}

TEST(ModelProject, ConfiguredSchemaIsSeenByEveryRef) {
  // `a_reader` compiles before `z_source` alphabetically, yet sees its configured schema.
  const ModelProject project = compile_models(
      sample_config(),
      {{"staging/a_reader.sql", "select * from {{ ref('z_source') }} -- {{ this }}"},
       {"staging/z_source.sql",
        "{{ config(schema='custom', materialized='table', tags=['nightly']) }}select 1 -- "
        "{{ this.schema }}.{{ this.name }}"}});
  EXPECT_EQ(project.find("a_reader")->compiled_sql,
            "select * from \"custom\".\"z_source\" -- \"staging\".\"a_reader\"");
  const Model& source = *project.find("z_source");
  EXPECT_EQ(source.schema, "custom");
  EXPECT_EQ(source.tags, (std::vector<std::string>{"nightly"}));
  EXPECT_EQ(source.compiled_sql, "select 1 -- custom.z_source");
}

TEST(ModelProject, VarsTargetAndEnvVar) {
  const ModelProject project = compile_models(
      sample_config(), {{"m.sql",
                         "where d >= '{{ var('start_date') }}' and x = {{ var('limit', 10) }} "
                         "-- {{ target.name }} {{ target.type }} {{ target.schema }} "
                         "{{ env_var('STRATA_TEST_SURELY_UNSET', 'dflt') }} "
                         "{{ is_incremental() }}"}});
  EXPECT_EQ(project.find("m")->compiled_sql,
            "where d >= '2024-01-01' and x = 10 -- dev duckdb main dflt False");
}

TEST(ModelProject, LineMapFollowsTheTemplate) {
  const ModelProject project = compile_models(
      sample_config(),
      {{"m.sql", "{{ config(materialized='view') }}\n{#\n comment\n#}\nselect\n  1"}});
  const Model& model = *project.find("m");
  EXPECT_EQ(model.compiled_sql, "\n\nselect\n  1");
  EXPECT_EQ(model.source_line(3), 5);
  EXPECT_EQ(model.source_line(4), 6);
  EXPECT_EQ(model.source_line(99), 0);
}

TEST(ModelProjectErrors, UnknownRefWithHintAndPlace) {
  const Error error =
      compile_error({{"staging/stg_movies.sql", "select 1"},
                     {"marts/report.sql", "select *\nfrom {{ ref('stg_movis') }}"}});
  EXPECT_EQ(error.kind(), ErrorKind::kInput);
  EXPECT_EQ(error.where().file, "models/marts/report.sql");
  EXPECT_EQ(error.where().line, 2);
  EXPECT_EQ(error.where().column, 9);
  expect_message(error,
                 "ref('stg_movis'): there is no model named 'stg_movis' (did you mean "
                 "'stg_movies'?)");
}

TEST(ModelProjectErrors, UndeclaredSources) {
  Error error = compile_error({{"m.sql", "select * from {{ source('rwa', 'orders') }}"}});
  EXPECT_EQ(error.where().str(), "models/m.sql:1:18");
  expect_message(error, "there is no source named 'rwa'");
  expect_message(error, "(did you mean 'raw'?)");
  error = compile_error({{"m.sql", "select * from {{ source('raw', 'order') }}"}});
  expect_message(error, "source 'raw' has no table 'order' (did you mean 'orders'?)");
}

TEST(ModelProjectErrors, InvalidConfig) {
  Error error = compile_error({{"m.sql", "{{ config(materialised='table') }}"}});
  EXPECT_EQ(error.where().str(), "models/m.sql:1:4");
  expect_message(error, "config() has no setting 'materialised' (did you mean 'materialized'?)");
  error = compile_error({{"m.sql", "{{ config(materialized='tabel') }}"}});
  expect_message(error, "unknown materialization 'tabel' (did you mean 'table'?)");
  error = compile_error({{"m.sql", "{{ config(materialized='incremental') }}"}});
  expect_message(error, "materialized='incremental' is not supported yet");
  error = compile_error({{"m.sql", "{{ config('table') }}"}});
  expect_message(error, "config() takes settings by name");
}

TEST(ModelProjectErrors, MissingVar) {
  const Error error = compile_error({{"m.sql", "\n  {{ var('start_dat') }}"}});
  EXPECT_EQ(error.where().str(), "models/m.sql:2:6");
  expect_message(error, "var('start_dat') is not set");
  expect_message(error, "(did you mean 'start_date'?)");
}

TEST(ModelProjectErrors, TemplateSyntaxErrorNamesTheModelFile) {
  const Error error = compile_error({{"staging/bad.sql", "select\n{% if x %}1"}});
  EXPECT_EQ(error.where().str(), "models/staging/bad.sql:2:1");
  expect_message(error, "`{% if %}` is never closed");
}

TEST(ModelProjectFiles, LoadsRecursivelyAndRejectsDuplicateNames) {
  test::TempDir dir;
  const ProjectConfig config = sample_config(dir.path());
  EXPECT_TRUE(load_models(config).models.empty());  // no models folder yet

  test::write_text(dir / "models/staging/a.sql", "select 1 as x\n");
  test::write_text(dir / "models/staging/deeper/b.sql", "select * from {{ ref('a') }}");
  test::write_text(dir / "models/notes.md", "not a model");
  ModelProject project = load_models(config);
  ASSERT_EQ(project.names(), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(project.find("b")->schema, "staging");
  EXPECT_EQ(project.find("b")->compiled_sql, "select * from \"staging\".\"a\"");
  EXPECT_EQ(project.find("a")->compiled_sql, "select 1 as x");  // Jinja drops the final newline
  EXPECT_EQ(project.find("a")->raw_sql, "select 1 as x\n");

  test::write_text(dir / "models/marts/a.sql", "select 2");
  try {
    load_models(config);
    FAIL() << "duplicate model names accepted";
  } catch (const Error& error) {
    expect_message(error, "two models are named 'a'");
    expect_message(error, "models/marts/a.sql");
    expect_message(error, "models/staging/a.sql");
  }
}

// --- the graph --------------------------------------------------------------------------------

TEST(ModelGraph, OrderIsTopologicalAndAlphabeticalAmongReadyModels) {
  const ModelGraph graph(Dependencies{{"b", {"a"}},
                                      {"c", {"a"}},
                                      {"d", {"c", "b"}},
                                      {"a", {}},
                                      {"z", {}},
                                      {"m", {"z"}},
                                      {"y", {}}});
  EXPECT_EQ(graph.order(), (std::vector<std::string>{"a", "b", "c", "d", "y", "z", "m"}));
  EXPECT_EQ(graph.parents("d"), (std::vector<std::string>{"b", "c"}));
  EXPECT_EQ(graph.children("a"), (std::vector<std::string>{"b", "c"}));
  EXPECT_TRUE(graph.contains("m"));
  EXPECT_FALSE(graph.contains("q"));
}

TEST(ModelGraph, CycleIsPrintedAlongTheDataFlow) {
  try {
    // b reads a, c reads b, a reads c: a -> b -> c -> a. d only hangs off the cycle.
    ModelGraph(Dependencies{{"a", {"c"}}, {"b", {"a"}}, {"c", {"b"}}, {"d", {"c"}}, {"e", {}}});
    FAIL() << "cycle accepted";
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::kInput);
    EXPECT_EQ(error.message(), "models depend on each other in a cycle: a -> b -> c -> a");
  }
  try {
    ModelGraph(Dependencies{{"self", {"self"}}});
    FAIL() << "self-reference accepted";
  } catch (const Error& error) {
    EXPECT_EQ(error.message(), "models depend on each other in a cycle: self -> self");
  }
}

TEST(ModelGraph, CycleInAProjectNamesAModelFile) {
  const ModelProject project =
      compile_models(sample_config(), {{"staging/x.sql", "select * from {{ ref('y') }}"},
                                       {"staging/y.sql", "select * from {{ ref('x') }}"}});
  try {
    ModelGraph::of(project);
    FAIL() << "cycle accepted";
  } catch (const Error& error) {
    EXPECT_EQ(error.where().file, "models/staging/x.sql");
    expect_message(error, "x -> y -> x");
  }
}

TEST(ModelGraph, UnknownDependency) {
  try {
    ModelGraph(Dependencies{{"a", {"bb"}}, {"b", {}}});
    FAIL() << "unknown dependency accepted";
  } catch (const Error& error) {
    expect_message(error, "model 'a' reads unknown model 'bb' (did you mean 'b'?)");
  }
}

TEST(ModelGraph, ClosuresAndSelection) {
  // raw -> stg -> fct -> report, and stg -> other; lone stands apart.
  const ModelGraph graph(Dependencies{{"raw", {}},
                                      {"stg", {"raw"}},
                                      {"fct", {"stg"}},
                                      {"report", {"fct"}},
                                      {"other", {"stg"}},
                                      {"lone", {}}});
  EXPECT_EQ(graph.upstream("fct"), (std::set<std::string>{"raw", "stg"}));
  EXPECT_EQ(graph.downstream("stg"), (std::set<std::string>{"fct", "other", "report"}));
  EXPECT_TRUE(graph.upstream("raw").empty());

  EXPECT_EQ(graph.select({}), graph.order());
  EXPECT_EQ(graph.select({"fct"}), (std::vector<std::string>{"fct"}));
  EXPECT_EQ(graph.select({"+fct"}), (std::vector<std::string>{"raw", "stg", "fct"}));
  EXPECT_EQ(graph.select({"stg+"}), (std::vector<std::string>{"stg", "fct", "other", "report"}));
  EXPECT_EQ(graph.select({"+fct+", "lone"}),
            (std::vector<std::string>{"lone", "raw", "stg", "fct", "report"}));
  try {
    graph.select({"fctt"});
    FAIL() << "unknown selection accepted";
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::kUsage);
    expect_message(error, "no model named 'fctt' to select (did you mean 'fct'?)");
  }
}

}  // namespace
}  // namespace strata::transform
