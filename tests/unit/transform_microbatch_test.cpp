// Microbatch planning (batch bounds for each batch_size, begin, lookback, explicit ranges, month
// and year arithmetic) and the row replacement the insert_overwrite and microbatch strategies
// commit with, on a real lake: only the slice is replaced, in one snapshot, other files untouched.
#include <gtest/gtest.h>

#include <set>

#include "core/error.hpp"
#include "core/time_text.hpp"
#include "engine/database.hpp"
#include "lake/metastore.hpp"
#include "lake/table_store.hpp"
#include "lake_fixture.hpp"
#include "test_support.hpp"
#include "transform/microbatch.hpp"
#include "transform/row_replace.hpp"

namespace strata::transform {
namespace {

int64_t at(const std::string& text) {
  return *parse_instant(text, TimeZone::utc());
}

Model batch_model(const std::string& size, const std::string& begin, int64_t lookback = 1) {
  Model model;
  model.name = "events";
  model.relative_path = "models/events.sql";
  model.config.incremental_strategy = "microbatch";
  model.config.event_time = "event_at";
  model.config.batch_size = size;
  model.config.begin = begin;
  model.config.lookback = lookback;
  return model;
}

std::vector<std::string> bounds(const std::vector<BatchWindow>& batches) {
  std::vector<std::string> out;
  for (const BatchWindow& batch : batches) {
    out.push_back(batch_time_text(batch.start) + " - " + batch_time_text(batch.end));
  }
  return out;
}

TEST(MicrobatchPlan, FirstBuildRunsFromBeginToTheBatchHoldingNow) {
  const auto batches =
      plan_batches(batch_model("day", "2026-11-20"), false, {}, at("2026-11-22T13:05:00Z"));
  EXPECT_EQ(bounds(batches),
            (std::vector<std::string>{"2026-11-20 00:00:00 - 2026-11-21 00:00:00",
                                      "2026-11-21 00:00:00 - 2026-11-22 00:00:00",
                                      "2026-11-22 00:00:00 - 2026-11-23 00:00:00"}));
  EXPECT_FALSE(batches[0].incremental);  // the first batch creates the table
  EXPECT_TRUE(batches[1].incremental);
}

TEST(MicrobatchPlan, IncrementalBuildsTheCurrentBatchAndLookback) {
  const Model model = batch_model("hour", "2026-01-01", 2);
  EXPECT_EQ(bounds(plan_batches(model, true, {}, at("2026-11-22T13:05:00Z"))),
            (std::vector<std::string>{"2026-11-22 11:00:00 - 2026-11-22 12:00:00",
                                      "2026-11-22 12:00:00 - 2026-11-22 13:00:00",
                                      "2026-11-22 13:00:00 - 2026-11-22 14:00:00"}));
  // At a batch boundary the current batch is the one that just ended.
  EXPECT_EQ(bounds(plan_batches(model, true, {}, at("2026-11-22T13:00:00Z"))),
            (std::vector<std::string>{"2026-11-22 10:00:00 - 2026-11-22 11:00:00",
                                      "2026-11-22 11:00:00 - 2026-11-22 12:00:00",
                                      "2026-11-22 12:00:00 - 2026-11-22 13:00:00"}));
}

TEST(MicrobatchPlan, MonthsAndYearsAndExplicitRanges) {
  const BatchRange range{at("2025-11-15"), at("2026-02-03")};
  EXPECT_EQ(bounds(plan_batches(batch_model("month", ""), true, range, 0)),
            (std::vector<std::string>{"2025-11-01 00:00:00 - 2025-12-01 00:00:00",
                                      "2025-12-01 00:00:00 - 2026-01-01 00:00:00",
                                      "2026-01-01 00:00:00 - 2026-02-01 00:00:00",
                                      "2026-02-01 00:00:00 - 2026-03-01 00:00:00"}));
  EXPECT_EQ(bounds(plan_batches(batch_model("year", ""), true, range, 0)),
            (std::vector<std::string>{"2025-01-01 00:00:00 - 2026-01-01 00:00:00",
                                      "2026-01-01 00:00:00 - 2027-01-01 00:00:00"}));
  // An explicit range on an existing table: every batch replaces its window.
  for (const BatchWindow& batch : plan_batches(batch_model("month", ""), true, range, 0)) {
    EXPECT_TRUE(batch.incremental);
  }
}

TEST(MicrobatchPlan, MissingSettingsNameTheModel) {
  Model model = batch_model("day", "");
  try {
    plan_batches(model, false, {}, at("2026-11-22"));
    FAIL() << "no begin";
  } catch (const Error& error) {
    EXPECT_NE(std::string(error.what()).find("microbatch model 'events' needs config begin"),
              std::string::npos)
        << error.what();
    EXPECT_EQ(error.where().file, "models/events.sql");
  }
  model.config.batch_size.clear();
  EXPECT_THROW(plan_batches(model, true, {}, 0), Error);
  EXPECT_THROW(parse_event_time("yesterday", "--event-time-start"), Error);
}

class RowReplaceTest : public test::LakeFixture {
 protected:
  lake::TableName table{"main", "sales"};

  std::vector<std::string> rows() {
    lake.attach_all(connection);
    std::vector<std::string> out;
    for (const auto& row :
         connection
             .query("SELECT day::VARCHAR || '/' || shop || '/' || amount FROM main.sales "
                    "ORDER BY ALL")
             .fetch_all()) {
      out.push_back(std::get<std::string>(row[0]));
    }
    return out;
  }
};

TEST_F(RowReplaceTest, ReplacesOnlyThePartitionsTheNewRowsTouch) {
  connection.execute(lake::create_schema_sql("main"));
  const std::string first =
      "SELECT * FROM (VALUES (DATE '2026-11-01', 'a', 1), (DATE '2026-11-01', 'b', 2), "
      "(DATE '2026-11-02', 'a', 3), (DATE '2026-11-03', 'a', 4)) v(day, shop, amount)";
  EXPECT_EQ(overwrite_partitioned(lake, connection, table, first, {"day"}), 4u);
  EXPECT_EQ(lake.table_metadata(table)->default_partition_spec().fields.size(), 1u);
  const std::vector<lake::DataFile> before = lake.live_files(table);
  EXPECT_EQ(before.size(), 3u);  // one file per day

  // New rows for 2026-11-01 (shop b gone) and 2026-11-04: day 2 and 3 stay as they were.
  connection.execute(
      "CREATE TEMP TABLE incoming AS SELECT * FROM (VALUES (DATE '2026-11-01', 'a', 10), "
      "(DATE '2026-11-04', 'c', 5)) v(day, shop, amount)");
  const std::string predicate = touched_partitions_predicate(lake, table, "incoming");
  ASSERT_FALSE(predicate.empty());
  const int64_t snapshots = lake.table_metadata(table)->snapshots().size();
  EXPECT_EQ(replace_rows(lake, connection, table, predicate, "SELECT * FROM incoming"), 2u);
  EXPECT_EQ(rows(), (std::vector<std::string>{"2026-11-01/a/10", "2026-11-02/a/3", "2026-11-03/a/4",
                                              "2026-11-04/c/5"}));
  EXPECT_EQ(static_cast<int64_t>(lake.table_metadata(table)->snapshots().size()), snapshots + 1);
  std::set<std::string> after;
  for (const lake::DataFile& file : lake.live_files(table)) after.insert(file.path);
  size_t untouched = 0;
  for (const lake::DataFile& file : before) untouched += after.contains(file.path) ? 1 : 0;
  EXPECT_EQ(untouched, 2u);  // the files of 2026-11-02 and 2026-11-03
}

TEST_F(RowReplaceTest, AFailingReplacementCommitsNothing) {
  connection.execute(lake::create_schema_sql("main"));
  overwrite_partitioned(lake, connection, table,
                        "SELECT DATE '2026-11-01' AS day, 'a' AS shop, 1 AS amount", {});
  const auto snapshot = lake.table_metadata(table)->current_snapshot_id();
  EXPECT_THROW(replace_rows(lake, connection, table, "t.day = DATE '2026-11-01'",
                            "SELECT DATE '2026-11-01' AS day, 'b' AS shop, 1 / 0 AS amount, "
                            "error('boom') AS broken"),
               std::exception);
  EXPECT_EQ(lake.table_metadata(table)->current_snapshot_id(), snapshot);
  EXPECT_EQ(rows(), (std::vector<std::string>{"2026-11-01/a/1"}));
}

}  // namespace
}  // namespace strata::transform
