#include <gtest/gtest.h>

#include <filesystem>

#include "core/error.hpp"
#include "engine/database.hpp"
#include "lake/metastore.hpp"
#include "lake/table_store.hpp"
#include "test_support.hpp"

namespace strata::lake {
namespace {

namespace fs = std::filesystem;

int64_t count_rows(engine::Connection& c, const std::string& relation) {
  return std::get<int64_t>(c.query("SELECT count(*) FROM " + relation).scalar());
}

TEST(Metastore, MigratesOnceAndReopens) {
  test::TempDir dir;
  int version = 0;
  {
    auto store = open_sqlite_metastore(dir / "catalog.db");
    version = store->schema_version();
    EXPECT_GE(version, 2);  // 2 added the tables' Iceberg metadata locations
    EXPECT_TRUE(store->list_tables().empty());
  }
  auto again = open_sqlite_metastore(dir / "catalog.db");
  EXPECT_EQ(again->schema_version(), version);
}

TEST(Metastore, RecordsRunsAndSteps) {
  test::TempDir dir;
  auto store = open_sqlite_metastore(dir / "catalog.db");
  int64_t run = store->begin_run("ingest");
  int64_t step = store->begin_step(run, "internal.movies", "ingest");
  store->finish_step(step, RunStatus::kFailed, 12, "boom");
  store->finish_run(run, RunStatus::kFailed, "1 table failed");
  auto runs = store->recent_runs(5);
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].status, "failed");
  EXPECT_GE(runs[0].finished_at_ms, runs[0].started_at_ms);
  auto steps = store->run_steps(run);
  ASSERT_EQ(steps.size(), 1u);
  EXPECT_EQ(steps[0].rows, 12u);
  EXPECT_EQ(steps[0].error, "boom");
}

TEST(Metastore, CommitIsCompareAndSwapAndAtomicAcrossTables) {
  test::TempDir dir;
  auto store = open_sqlite_metastore(dir / "catalog.db");
  TableName a{"s", "a"}, b{"s", "b"};
  Commit first;
  first.tables.push_back(
      {a, TableKind::kTable, WriteMode::kAppend, "/x", "", 0, {{"/x/1", 5, 10}}});
  int64_t snap = store->commit(first)[0];
  EXPECT_GT(snap, 0);

  // A commit that expects a stale snapshot of `a` fails as a whole: `b` and the state stay out.
  Commit stale;
  stale.tables.push_back(
      {b, TableKind::kTable, WriteMode::kAppend, "/y", "", std::nullopt, {{"/y/1", 1, 1}}});
  stale.tables.push_back({a, TableKind::kTable, WriteMode::kAppend, "/x", "", 0, {{"/x/2", 1, 1}}});
  stale.state.push_back({"files:s.a", "/data/f1", "1:2"});
  try {
    store->commit(stale);
    FAIL() << "expected a conflict";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kConflict);
    EXPECT_EQ(e.where().object, "s.a");
  }
  EXPECT_FALSE(store->find_table(b).has_value());
  EXPECT_FALSE(store->state("files:s.a", "/data/f1").has_value());
  EXPECT_EQ(store->table_files(*store->find_table(a)).size(), 1u);
}

TEST(Metastore, OverwriteKeepsOldSnapshotsReadable) {
  test::TempDir dir;
  auto store = open_sqlite_metastore(dir / "catalog.db");
  TableName t{"s", "t"};
  Commit c1;
  c1.tables.push_back({t, TableKind::kTable, WriteMode::kAppend, "/t", "", {}, {{"/t/1", 3, 1}}});
  int64_t s1 = store->commit(c1)[0];
  Commit c2;
  c2.tables.push_back({t, TableKind::kTable, WriteMode::kAppend, "/t", "", {}, {{"/t/2", 4, 1}}});
  int64_t s2 = store->commit(c2)[0];
  Commit c3;
  c3.tables.push_back(
      {t, TableKind::kTable, WriteMode::kOverwrite, "/t", "", {}, {{"/t/3", 9, 1}}});
  int64_t s3 = store->commit(c3)[0];
  TableInfo info = *store->find_table(t);
  EXPECT_EQ(info.current_snapshot, s3);
  EXPECT_EQ(store->table_files(info, s1).size(), 1u);
  EXPECT_EQ(store->table_files(info, s2).size(), 2u);
  ASSERT_EQ(store->table_files(info).size(), 1u);
  EXPECT_EQ(store->table_files(info)[0].path, "/t/3");
  auto history = store->snapshots(info);
  ASSERT_EQ(history.size(), 3u);
  EXPECT_EQ(history[1].total_rows, 7u);
  EXPECT_EQ(history[2].operation, "overwrite");
  EXPECT_EQ(history[2].total_rows, 9u);
}

class LakeTest : public ::testing::Test {
 protected:
  test::TempDir dir;
  std::unique_ptr<MetadataStore> store = open_sqlite_metastore(dir / "catalog.db");
  Lake lake{dir / "lake", *store};
  engine::Database db;
  engine::Connection c = db.connect();
};

TEST_F(LakeTest, AppendOverwriteAndAttach) {
  TableName t{"bronze", "numbers"};
  uint64_t rows = 0;
  lake.append(c, t, "SELECT range AS n FROM range(1000)", &rows);
  EXPECT_EQ(rows, 1000u);
  lake.append(c, t, "SELECT range AS n FROM range(1000, 1500)");
  lake.attach(c, t);
  EXPECT_EQ(count_rows(c, "bronze.numbers"), 1500);
  lake.overwrite(c, t, "SELECT 42 AS n");
  lake.attach(c, t);
  EXPECT_EQ(count_rows(c, "bronze.numbers"), 1);
  // A fresh session sees the same committed state.
  engine::Connection other = db.connect();
  lake.attach_all(other);
  EXPECT_EQ(std::get<int64_t>(other.query("SELECT n FROM bronze.numbers").scalar()), 42);
}

TEST_F(LakeTest, UncommittedFilesAreInvisibleAndCleanedUp) {
  TableName t{"bronze", "events"};
  lake.append(c, t, "SELECT 1 AS id");
  // A writer that dies between writing and committing leaves files nobody references.
  WriteResult orphan = lake.write_files(c, t, "SELECT 2 AS id");
  ASSERT_EQ(orphan.files.size(), 1u);
  lake.attach(c, t);
  EXPECT_EQ(count_rows(c, "bronze.events"), 1);
  EXPECT_EQ(lake.remove_orphan_files(std::chrono::hours(1)), 0u);  // too recent: maybe in flight
  EXPECT_EQ(lake.remove_orphan_files(std::chrono::seconds(0)), 1u);
  EXPECT_FALSE(fs::exists(orphan.files[0].path));
  EXPECT_EQ(count_rows(c, "bronze.events"), 1);
}

TEST_F(LakeTest, ViewsAreCatalogedAndReattached) {
  lake.append(c, {"bronze", "t"}, "SELECT range AS n FROM range(10)");
  lake.attach(c, {"bronze", "t"});
  lake.create_or_replace_view(c, {"staging", "even"}, "SELECT n FROM bronze.t WHERE n % 2 = 0");
  lake.create_or_replace_view(c, {"staging", "even_big"}, "SELECT n FROM staging.even WHERE n > 4");
  engine::Connection fresh = db.connect();
  lake.attach_all(fresh);
  EXPECT_EQ(count_rows(fresh, "staging.even_big"), 2);
  EXPECT_THROW(lake.create_or_replace_view(c, {"staging", "bad"}, "SELECT * FROM missing"), Error);
  EXPECT_FALSE(store->find_table({"staging", "bad"}).has_value());
}

TEST_F(LakeTest, NestedTypesRoundTrip) {
  TableName t{"bronze", "nested"};
  lake.append(c, t,
              "SELECT {'a': 1, 'b': [1, 2, 3]} AS s, MAP {'k': 'v'} AS m, 12.345::DECIMAL(10,3) "
              "AS d, TIMESTAMPTZ '2021-12-25 07:00:00+01' AS ts, 'a1b2'::BLOB AS bin");
  lake.attach(c, t);
  auto rows = c.query(
                   "SELECT s.b[3], m['k'], d::VARCHAR, epoch(ts)::BIGINT, bin::VARCHAR FROM "
                   "bronze.nested")
                  .fetch_all();
  EXPECT_EQ(std::get<int64_t>(rows[0][0]), 3);
  EXPECT_EQ(std::get<std::string>(rows[0][1]), "v");
  EXPECT_EQ(std::get<std::string>(rows[0][2]), "12.345");
  EXPECT_EQ(std::get<int64_t>(rows[0][3]), 1640412000);
  EXPECT_EQ(std::get<std::string>(rows[0][4]), "a1b2");
}

}  // namespace
}  // namespace strata::lake
