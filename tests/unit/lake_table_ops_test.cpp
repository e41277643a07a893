// Row-level changes and maintenance of lake tables: copy-on-write delete and merge, conflict
// detection, rollback, time travel, expiry and compaction. Every state is also read by DuckDB's
// iceberg extension from the metadata file alone, which must see exactly strata's rows.
#include <gtest/gtest.h>

#include <filesystem>
#include <set>

#include "core/error.hpp"
#include "engine/database.hpp"
#include "lake/file_io.hpp"
#include "lake/iceberg_scan.hpp"
#include "lake/table_store.hpp"
#include "test_support.hpp"

namespace strata::lake {
namespace {

namespace fs = std::filesystem;
using engine::quote_literal;

class TableOpsTest : public ::testing::Test {
 protected:
  void SetUp() override { c.execute("LOAD iceberg"); }

  std::string metadata_location() { return store->find_table(t)->metadata_location; }
  int64_t scalar(const std::string& sql) { return std::get<int64_t>(c.query(sql).scalar()); }
  std::string text(const std::string& sql) { return std::get<std::string>(c.query(sql).scalar()); }
  // The rows as "k:v" sorted, as strata reads them and as the iceberg extension does.
  std::string rows(const std::string& relation) {
    return text("SELECT coalesce(string_agg(k || ':' || v, ',' ORDER BY k), '') FROM " + relation);
  }
  void expect_rows(const std::string& expected) {
    lake.attach(c, t);
    EXPECT_EQ(rows("silver.t"), expected);
    EXPECT_EQ(rows("iceberg_scan(" + quote_literal(metadata_location()) + ")"), expected);
  }
  std::set<std::string> file_paths() {
    std::set<std::string> out;
    for (const DataFile& f : lake.live_files(t)) out.insert(f.path);
    return out;
  }
  std::string operation() {
    auto metadata = lake.table_metadata(t);
    return metadata->snapshot(*metadata->current_snapshot_id())->summary.at("operation");
  }

  test::TempDir dir;
  std::unique_ptr<MetadataStore> store = open_sqlite_metastore(dir / "catalog.db");
  Lake lake{dir / "lake", *store};
  engine::Database db;
  engine::Connection c = db.connect();
  const TableName t{"silver", "t"};
};

TEST_F(TableOpsTest, DeleteRewritesOnlyTheFilesHoldingMatchingRows) {
  lake.append(c, t, "SELECT i AS k, 'a' AS v FROM range(0, 5) r(i)");
  lake.append(c, t, "SELECT i AS k, 'b' AS v FROM range(5, 10) r(i)");
  const std::set<std::string> before = file_paths();
  ASSERT_EQ(before.size(), 2u);

  RewriteResult r = lake.delete_where(c, t, "k IN (1, 3)");
  EXPECT_EQ(r.rows_deleted, 2u);
  EXPECT_EQ(r.files_removed, 1u);
  EXPECT_EQ(operation(), "overwrite");
  const std::set<std::string> after = file_paths();
  std::vector<std::string> kept;
  std::set_intersection(before.begin(), before.end(), after.begin(), after.end(),
                        std::back_inserter(kept));
  EXPECT_EQ(kept.size(), 1u);  // the file of keys 5..9 was not touched
  expect_rows("0:a,2:a,4:a,5:b,6:b,7:b,8:b,9:b");

  auto metadata = lake.table_metadata(t);
  auto summary = metadata->snapshot(*metadata->current_snapshot_id())->summary;
  EXPECT_EQ(summary.at("deleted-records"), "5");
  EXPECT_EQ(summary.at("added-records"), "3");
  EXPECT_EQ(summary.at("total-records"), "8");

  // No match: nothing committed. Every row of a file: the file just leaves ("delete").
  EXPECT_EQ(lake.delete_where(c, t, "k > 100").snapshot_id, 0);
  r = lake.delete_where(c, t, "v = 'b'");
  EXPECT_EQ(r.files_added, 0u);
  EXPECT_EQ(operation(), "delete");
  expect_rows("0:a,2:a,4:a");
  lake.delete_where(c, t, "true");
  expect_rows("");
}

TEST_F(TableOpsTest, RewritesSeeColumnsAddedAfterTheirFilesWereWritten) {
  lake.append(c, t, "SELECT i AS k, 'a' AS v FROM range(0, 3) r(i)");
  lake.append(c, t, "SELECT 9 AS k, 'b' AS v, 1.5 AS extra");
  // Only the first file matches, and it has no `extra` column: it reads as NULL.
  EXPECT_EQ(lake.delete_where(c, t, "extra IS NULL AND k = 0").rows_deleted, 1u);
  lake.merge(c, t, "SELECT 1 AS k, 'm' AS v, 2.5 AS extra", {"k"});
  expect_rows("1:m,2:a,9:b");
  EXPECT_EQ(scalar("SELECT count(*) FROM silver.t WHERE extra IS NULL"), 1);
}

TEST_F(TableOpsTest, MergeUpsertsOnSingleAndCompositeKeys) {
  lake.append(c, t, "SELECT i AS k, 'old' AS v FROM range(0, 4) r(i)");
  RewriteResult r = lake.merge(c, t, "SELECT i AS k, 'new' AS v FROM range(2, 6) r(i)", {"k"});
  EXPECT_EQ(r.rows_updated, 2u);
  EXPECT_EQ(r.rows_inserted, 2u);
  expect_rows("0:old,1:old,2:new,3:new,4:new,5:new");

  // CDC: a delete marker removes its key and is not inserted.
  MergeOptions cdc;
  cdc.delete_condition = "op = 'D'";
  r = lake.merge(c, t,
                 "SELECT * FROM (VALUES (0, 'cdc', 'U'), (1, 'x', 'D'), (9, 'x', 'D')) s(k, v, op)",
                 {"k"}, cdc);
  EXPECT_EQ(r.rows_deleted, 1u);
  EXPECT_EQ(r.rows_updated, 1u);
  EXPECT_EQ(r.rows_inserted, 0u);
  lake.attach(c, t);
  EXPECT_EQ(scalar("SELECT count(*) FROM silver.t WHERE k = 1 OR k = 9"), 0);
  EXPECT_EQ(text("SELECT v FROM silver.t WHERE k = 0"), "cdc");

  const TableName pairs{"silver", "pairs"};
  lake.append(c, pairs, "SELECT i % 2 AS a, i // 2 AS b, i AS n FROM range(6) r(i)");
  lake.merge(c, pairs, "SELECT 1 AS a, 1 AS b, 100 AS n UNION ALL SELECT 1, 7, 107", {"a", "b"});
  lake.attach(c, pairs);
  EXPECT_EQ(scalar("SELECT count(*) FROM silver.pairs"), 7);
  EXPECT_EQ(scalar("SELECT n FROM silver.pairs WHERE a = 1 AND b = 1"), 100);
  EXPECT_EQ(scalar("SELECT n FROM silver.pairs WHERE a = 0 AND b = 1"), 2);

  try {
    lake.merge(c, t, "SELECT 1 AS k, 'a' AS v UNION ALL SELECT 1, 'b'", {"k"});
    FAIL() << "a source with a duplicate key must be refused";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInput);
    EXPECT_NE(std::string(e.what()).find("silver.t"), std::string::npos) << e.what();
  }
}

TEST_F(TableOpsTest, ARewriteWhoseFilesAConcurrentCommitRemovedConflicts) {
  lake.append(c, t, "SELECT i AS k, 'a' AS v FROM range(0, 5) r(i)");
  const int64_t read = *lake.table_metadata(t)->current_snapshot_id();
  const std::vector<DataFile> seen = lake.live_files(t);
  // This writer prepared a rewrite of the file; another one deletes from it first.
  WriteResult written = lake.write_files(c, t, "SELECT 1 AS k, 'z' AS v");
  lake.delete_where(c, t, "k = 0");
  Commit late;
  late.tables.push_back({.table = t, .added_files = written.files});
  late.tables[0].removed_files = {seen[0].path};
  late.tables[0].operation = "overwrite";
  try {
    lake.commit(late);
    FAIL() << "the removed file is gone: the commit must conflict";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kConflict);
    EXPECT_NE(std::string(e.what()).find(seen[0].path), std::string::npos) << e.what();
  }
  expect_rows("1:a,2:a,3:a,4:a");

  // An overwrite computed at `read` conflicts with the delete committed since ...
  Commit overwrite;
  overwrite.tables.push_back(
      {.table = t, .mode = WriteMode::kOverwrite, .added_files = written.files});
  overwrite.tables[0].read_snapshot = read;
  EXPECT_THROW(lake.commit(overwrite), Error);
  // ... but not with appends only.
  const int64_t now = *lake.table_metadata(t)->current_snapshot_id();
  lake.append(c, t, "SELECT 7 AS k, 'c' AS v");
  overwrite.tables[0].read_snapshot = now;
  lake.commit(overwrite);
  expect_rows("1:z");
}

TEST_F(TableOpsTest, RollbackTimeTravelExpiryAndCompaction) {
  const int64_t s1 = lake.append(c, t, "SELECT 1 AS k, 'a' AS v");
  const int64_t t1 = lake.table_metadata(t)->snapshot(s1)->timestamp_ms;
  const int64_t s2 = lake.append(c, t, "SELECT 2 AS k, 'b' AS v");
  const int64_t s3 = lake.append(c, t, "SELECT 3 AS k, 'c' AS v");

  lake.attach_time_travel(c, "SELECT * FROM silver.\"t@" + std::to_string(s2) + "\"");
  EXPECT_EQ(rows("silver.\"t@" + std::to_string(s2) + "\""), "1:a,2:b");
  EXPECT_EQ(lake.snapshot_at_time(t, t1), s1);
  EXPECT_THROW(lake.snapshot_at_time(t, t1 - 60000), Error);
  EXPECT_THROW(lake.attach_time_travel(c, "SELECT * FROM silver.\"t@12345\""), Error);
  EXPECT_TRUE(lake.attach_time_travel(c, "SELECT x.\"a@b\", 'silver.\"t@1\"' FROM silver.t x")
                  .empty());  // a column and a string, not tables

  lake.rollback(t, s1);
  expect_rows("1:a");
  const int64_t s4 = lake.append(c, t, "SELECT 4 AS k, 'd' AS v");
  expect_rows("1:a,4:d");
  EXPECT_EQ(lake.table_metadata(t)->snapshot(s4)->parent_snapshot_id, s1);
  try {
    lake.rollback(t, 42);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInput);
    EXPECT_NE(std::string(e.what()).find("snapshot 42"), std::string::npos);
  }

  // s2 and s3 are off the current history; their files go with them.
  const std::vector<DataFile> orphaned = lake.live_files(t, s3);
  ExpireOptions options;
  options.retain_last = 2;  // s4 and s1
  ExpireResult expired = lake.expire_snapshots(t, options);
  EXPECT_EQ(std::set<int64_t>(expired.expired_snapshots.begin(), expired.expired_snapshots.end()),
            (std::set<int64_t>{s2, s3}));
  EXPECT_EQ(expired.data_files_deleted, 2u);
  for (const DataFile& f : orphaned) {
    if (f.path.find(lake.live_files(t, s1)[0].path) == std::string::npos) {
      EXPECT_FALSE(fs::exists(f.path)) << f.path;
    }
  }
  EXPECT_FALSE(lake.table_metadata(t)->snapshot(s2));
  expect_rows("1:a,4:d");

  lake.append(c, t, "SELECT 5 AS k, 'e' AS v");
  const RewriteResult compacted = lake.compact(c, t);
  EXPECT_EQ(compacted.files_removed, 3u);
  EXPECT_EQ(compacted.files_added, 1u);
  EXPECT_EQ(operation(), "replace");
  EXPECT_EQ(lake.live_files(t).size(), 1u);
  expect_rows("1:a,4:d,5:e");
}

TEST_F(TableOpsTest, LongHistoriesStayBounded) {
  for (int i = 0; i < 40; ++i) lake.append(c, t, "SELECT " + std::to_string(i) + " AS k, 'a' AS v");
  auto metadata = lake.table_metadata(t);
  const auto snapshot = *metadata->snapshot(*metadata->current_snapshot_id());
  // Older manifests are merged once there are more than 32; every row is still there once.
  EXPECT_LE(iceberg::read_manifest_list(snapshot.manifest_list).size(), 33u);
  EXPECT_EQ(lake.live_files(t).size(), 40u);
  EXPECT_EQ(scalar("SELECT count(DISTINCT k) FROM iceberg_scan(" +
                   quote_literal(metadata_location()) + ")"),
            40);
  for (int i = 40; i < 105; ++i)
    lake.append(c, t, "SELECT " + std::to_string(i) + " AS k, 'a' AS v");
  EXPECT_EQ(lake.table_metadata(t)->previous_files().size(), 100u);
  expect_rows(text("SELECT string_agg(i || ':a', ',' ORDER BY i) FROM range(105) r(i)"));
}

TEST_F(TableOpsTest, DamagedFilesAreErrorsNamingTheFile) {
  lake.append(c, t, "SELECT 1 AS k, 'a' AS v");
  lake.append(c, t, "SELECT 2 AS k, 'b' AS v");
  const auto metadata = *lake.table_metadata(t);
  const std::string list = metadata.snapshot(*metadata.current_snapshot_id())->manifest_list;
  const std::string manifest = iceberg::read_manifest_list(list)[0].path;
  write_file(manifest, "not avro");
  try {
    lake.live_files(t);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kStorage);
    EXPECT_NE(std::string(e.what()).find(manifest), std::string::npos) << e.what();
  }
  // The damaged table fails the queries that read it; the session still opens.
  lake.attach_all(c);
  try {
    c.query("SELECT * FROM silver.t");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(manifest), std::string::npos) << e.what();
  }
  fs::remove(metadata_location());
  Lake fresh{dir / "lake", *store};  // nothing cached
  try {
    fresh.live_files(t);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kStorage);
    EXPECT_NE(std::string(e.what()).find(metadata_location()), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace strata::lake
