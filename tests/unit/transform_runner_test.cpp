// Building models into a real lake (SQLite catalog + Parquet files in a temporary directory) with a
// real in-memory DuckDB: order, materializations, failures that keep committed data readable and
// skip what depends on them, error places, selection and run history.
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "core/config.hpp"
#include "core/error.hpp"
#include "core/paths.hpp"
#include "engine/database.hpp"
#include "lake/metastore.hpp"
#include "lake/table_store.hpp"
#include "lake_fixture.hpp"
#include "test_support.hpp"
#include "transform/project.hpp"
#include "transform/runner.hpp"

namespace strata::transform {
namespace {

namespace fs = std::filesystem;
using lake::RunStatus;

class RunnerTest : public test::LakeFixture {
 protected:
  ProjectConfig config = make_config();

  ProjectConfig make_config() {
    ProjectConfig result;
    result.root = dir.path();
    result.name = "test";
    result.models_dir = dir / "models";
    result.lake_dir = dir / "lake";
    SourceConfig raw;
    raw.name = "raw";
    raw.kind = "files";
    FileTableConfig orders;
    orders.name = "orders";
    raw.tables.push_back(orders);
    result.sources.push_back(raw);
    return result;
  }

  void write_model(const std::string& path, const std::string& sql) {
    test::write_text(config.models_dir / path, sql);
  }

  RunSummary run(RunOptions options = {}) {
    const int64_t run_id = store->begin_run("run");
    last_run = run_id;
    return run_models(config, load_models(config), lake, connection, run_id, options);
  }

  int64_t scalar(engine::Connection& c, const std::string& sql) {
    return std::get<int64_t>(c.query(sql).scalar());
  }

  const ModelResult& result(const RunSummary& summary, const std::string& name) {
    for (const ModelResult& model : summary.models) {
      if (model.name == name) return model;
    }
    throw std::runtime_error("no result for " + name);
  }

  void write_chain() {
    write_model("staging/numbers.sql",
                "{{ config(materialized='table') }}\nselect range as n from range(5)");
    write_model("staging/evens.sql", "select n from {{ ref('numbers') }} where n % 2 = 0");
    write_model("marts/total.sql",
                "{{ config(materialized='table') }}\n"
                "select sum(n)::BIGINT as total, count(*) as c from {{ ref('evens') }};\n");
  }

  int64_t last_run = 0;
};

TEST_F(RunnerTest, BuildsAChainInDependencyOrder) {
  write_chain();
  std::vector<std::string> started, finished;
  RunOptions options;
  options.on_model_start = [&](const Model& model) { started.push_back(model.name); };
  options.on_model_done = [&](const ModelResult& model) { finished.push_back(model.name); };
  const RunSummary summary = run(options);

  ASSERT_EQ(summary.models.size(), 3u);
  EXPECT_EQ(summary.models[0].name, "numbers");
  EXPECT_EQ(summary.models[1].name, "evens");
  EXPECT_EQ(summary.models[2].name, "total");
  EXPECT_EQ(started, (std::vector<std::string>{"numbers", "evens", "total"}));
  EXPECT_EQ(finished, started);
  for (const ModelResult& model : summary.models) {
    EXPECT_EQ(model.status, RunStatus::kSuccess) << model.name << ": " << model.error;
    EXPECT_TRUE(model.error.empty());
  }
  EXPECT_TRUE(summary.ok());
  EXPECT_EQ(summary.count(RunStatus::kSuccess), 3u);
  EXPECT_EQ(result(summary, "numbers").rows, 5u);
  EXPECT_EQ(result(summary, "numbers").relation, "staging.numbers");
  EXPECT_EQ(result(summary, "numbers").materialized, "table");
  EXPECT_EQ(result(summary, "evens").materialized, "view");
  EXPECT_EQ(result(summary, "total").rows, 1u);

  // Downstream models read what was just built, in this session and in a fresh one.
  EXPECT_EQ(scalar(connection, "select total from marts.total"), 6);
  engine::Connection fresh = db.connect();
  lake.attach_all(fresh);
  EXPECT_EQ(scalar(fresh, "select c from marts.total"), 3);
  EXPECT_EQ(scalar(fresh, "select count(*) from staging.evens"), 3);

  // Each model is a step of the run.
  const auto steps = store->run_steps(last_run);
  ASSERT_EQ(steps.size(), 3u);
  EXPECT_EQ(steps[0].name, "numbers");
  EXPECT_EQ(steps[0].kind, "model");
  EXPECT_EQ(steps[0].status, "success");
  EXPECT_EQ(steps[0].rows, 5u);

  // The compiled SQL is there to look at.
  const fs::path compiled = dir / "target/compiled/models/marts/total.sql";
  ASSERT_TRUE(fs::exists(compiled));
  EXPECT_NE(paths::read_file(compiled).find("from \"staging\".\"evens\""), std::string::npos);
}

TEST_F(RunnerTest, ViewsAreCatalogedAsViewsAndFollowTheirInputs) {
  write_chain();
  run();
  const auto evens = store->find_table({"staging", "evens"});
  ASSERT_TRUE(evens.has_value());
  EXPECT_EQ(evens->kind, lake::TableKind::kView);
  EXPECT_EQ(store->find_table({"staging", "numbers"})->kind, lake::TableKind::kTable);

  // A view re-reads its input: rebuilding only the table changes what the view returns.
  write_model("staging/numbers.sql",
              "{{ config(materialized='table') }}\nselect range as n from range(10)");
  RunOptions only_numbers;
  only_numbers.select = {"numbers"};
  const RunSummary summary = run(only_numbers);
  ASSERT_EQ(summary.models.size(), 1u);
  EXPECT_EQ(summary.models[0].status, RunStatus::kSuccess) << summary.models[0].error;
  EXPECT_EQ(scalar(connection, "select count(*) from staging.evens"), 5);
}

TEST_F(RunnerTest, FailedModelKeepsItsPreviousVersionAndSkipsDownstream) {
  write_chain();
  write_model("other/independent.sql", "{{ config(materialized='table') }}\nselect 1 as one");
  ASSERT_TRUE(run().ok());

  // Line 5 of the file (line 4 of the compiled SQL, since the comment spans two lines) names a
  // column that does not exist.
  write_model("staging/numbers.sql",
              "{{ config(materialized='table') }}\n"
              "{# this comment\n   spans two lines #}\n"
              "select\n"
              "  nme\n"
              "from range(3) t(n)");
  const RunSummary summary = run();
  EXPECT_FALSE(summary.ok());

  const ModelResult& failed = result(summary, "numbers");
  EXPECT_EQ(failed.status, RunStatus::kFailed);
  EXPECT_EQ(failed.where.file, "models/staging/numbers.sql");
  EXPECT_EQ(failed.where.line, 5);
  EXPECT_NE(failed.error.find("models/staging/numbers.sql:5: "), std::string::npos) << failed.error;
  EXPECT_NE(failed.error.find("Binder Error"), std::string::npos) << failed.error;  // DuckDB's
  EXPECT_NE(failed.error.find("nme"), std::string::npos) << failed.error;
  EXPECT_NE(failed.error.find("compiled SQL line 4 in target/compiled/models/staging/numbers.sql"),
            std::string::npos)
      << failed.error;

  EXPECT_EQ(result(summary, "evens").status, RunStatus::kSkipped);
  EXPECT_EQ(result(summary, "evens").error, "skipped: upstream model 'numbers' failed");
  EXPECT_EQ(result(summary, "total").status, RunStatus::kSkipped);
  EXPECT_EQ(result(summary, "total").error, "skipped: upstream model 'evens' was skipped");
  EXPECT_EQ(result(summary, "independent").status, RunStatus::kSuccess);
  EXPECT_EQ(summary.count(RunStatus::kSkipped), 2u);

  // The previous version stays readable, here and in a fresh session.
  EXPECT_EQ(scalar(connection, "select count(*) from staging.numbers"), 5);
  engine::Connection fresh = db.connect();
  lake.attach_all(fresh);
  EXPECT_EQ(scalar(fresh, "select count(*) from staging.numbers"), 5);
  EXPECT_EQ(scalar(fresh, "select total from marts.total"), 6);

  // Run history records every model, skipped ones included.
  const auto steps = store->run_steps(last_run);
  ASSERT_EQ(steps.size(), 4u);
  std::map<std::string, std::string> statuses;
  for (const auto& step : steps) statuses[step.name] = step.status;
  EXPECT_EQ(statuses["numbers"], "failed");
  EXPECT_EQ(statuses["evens"], "skipped");
  EXPECT_EQ(statuses["independent"], "success");
}

TEST_F(RunnerTest, RuntimeErrorsNameTheModelFile) {
  write_model("staging/bad_cast.sql",
              "{{ config(materialized='table') }}\nselect 'abc'::INTEGER as broken");
  const RunSummary summary = run();
  ASSERT_EQ(summary.models.size(), 1u);
  EXPECT_EQ(summary.models[0].status, RunStatus::kFailed);
  EXPECT_NE(summary.models[0].error.find("models/staging/bad_cast.sql"), std::string::npos)
      << summary.models[0].error;
  EXPECT_NE(summary.models[0].error.find("Conversion Error"), std::string::npos)
      << summary.models[0].error;
  EXPECT_FALSE(store->find_table({"staging", "bad_cast"}).has_value());
}

TEST_F(RunnerTest, BrokenViewIsNotCommitted) {
  write_model("staging/v.sql", "select missing_column from range(3)");
  const RunSummary summary = run();
  ASSERT_EQ(summary.models.size(), 1u);
  EXPECT_EQ(summary.models[0].status, RunStatus::kFailed);
  EXPECT_EQ(summary.models[0].where.line, 1);
  EXPECT_FALSE(store->find_table({"staging", "v"}).has_value());
}

TEST_F(RunnerTest, SelectionNeedsUnselectedInputsToExist) {
  write_chain();
  RunOptions options;
  options.select = {"total"};
  RunSummary summary = run(options);
  ASSERT_EQ(summary.models.size(), 1u);
  EXPECT_EQ(summary.models[0].status, RunStatus::kFailed);
  EXPECT_NE(summary.models[0].error.find("model 'evens' has not been built yet"), std::string::npos)
      << summary.models[0].error;

  options.select = {"+total"};
  summary = run(options);
  EXPECT_EQ(summary.count(RunStatus::kSuccess), 3u);

  // Once built, a model can be rebuilt alone.
  options.select = {"total"};
  summary = run(options);
  EXPECT_EQ(summary.count(RunStatus::kSuccess), 1u) << summary.models[0].error;

  options.select = {"totl"};
  EXPECT_THROW(run(options), Error);
}

TEST_F(RunnerTest, SourcesMustHaveBeenIngested) {
  write_model("staging/orders.sql", "select * from {{ source('raw', 'orders') }}");
  RunSummary summary = run();
  ASSERT_EQ(summary.models.size(), 1u);
  EXPECT_EQ(summary.models[0].status, RunStatus::kFailed);
  EXPECT_NE(summary.models[0].error.find("source raw.orders has no data yet"), std::string::npos)
      << summary.models[0].error;

  lake.append(connection, {"raw", "orders"}, "select 7 as id");
  lake.attach(connection, {"raw", "orders"});
  summary = run();
  EXPECT_EQ(summary.models[0].status, RunStatus::kSuccess) << summary.models[0].error;
  EXPECT_EQ(scalar(connection, "select id from staging.orders"), 7);
}

TEST_F(RunnerTest, CycleIsAnErrorOfTheWholeRun) {
  write_model("a.sql", "select * from {{ ref('b') }}");
  write_model("b.sql", "select * from {{ ref('a') }}");
  try {
    run();
    FAIL() << "a cycle ran";
  } catch (const Error& error) {
    EXPECT_NE(error.message().find("a -> b -> a"), std::string::npos) << error.what();
  }
}

}  // namespace
}  // namespace strata::transform
