#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "core/error.hpp"
#include "engine/database.hpp"
#include "engine/duckdb_api.hpp"

namespace strata::engine {
namespace {

TEST(Engine, LoadsThePinnedLibraryVersion) {
  const auto& api = duckdb();
  EXPECT_EQ(api.version, std::string("v") + pinned_duckdb_version());
}

TEST(Engine, QueriesWithTypedStreamingAccess) {
  Database db;
  Connection c = db.connect();
  Result r = c.query(
      "SELECT i::INTEGER AS i, i * 1.5 AS d, 'row ' || i AS s, i % 2 = 0 AS even, "
      "CASE WHEN i = 3 THEN NULL ELSE i END AS maybe FROM range(5000) t(i)");
  ASSERT_EQ(r.column_count(), 5u);
  EXPECT_EQ(r.column_names()[2], "s");
  EXPECT_EQ(r.column_type(0), DUCKDB_TYPE_INTEGER);
  uint64_t rows = 0;
  int chunks = 0;
  while (auto chunk = r.next_chunk()) {
    ++chunks;
    for (uint64_t row = 0; row < chunk->size(); ++row, ++rows) {
      ASSERT_EQ(chunk->get_int64(0, row), static_cast<int64_t>(rows));
      ASSERT_DOUBLE_EQ(chunk->get_double(1, row), rows * 1.5);
      ASSERT_EQ(chunk->get_string(2, row), "row " + std::to_string(rows));
      ASSERT_EQ(chunk->get_bool(3, row), rows % 2 == 0);
      ASSERT_EQ(chunk->is_null(4, row), rows == 3);
    }
  }
  EXPECT_EQ(rows, 5000u);
  EXPECT_GT(chunks, 1);  // streamed in several chunks, not one block
}

TEST(Engine, PreparedStatementsBindValuesNotSql) {
  Database db;
  Connection c = db.connect();
  c.execute("CREATE TABLE t(name VARCHAR, n BIGINT)");
  c.query("INSERT INTO t VALUES ($1, $2)", {std::string("x'); DROP TABLE t; --"), int64_t{7}});
  Result r = c.query("SELECT name, n FROM t WHERE n = $1", {int64_t{7}});
  auto rows = r.fetch_all();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(std::get<std::string>(rows[0][0]), "x'); DROP TABLE t; --");
  PreparedStatement p = c.prepare("SELECT $1::DOUBLE + $2");
  EXPECT_EQ(p.parameter_count(), 2u);
  p.bind(1, 1.25).bind(2, int64_t{2});
  EXPECT_DOUBLE_EQ(std::get<double>(p.execute().scalar()), 3.25);
}

TEST(Engine, AppenderWritesRows) {
  Database db;
  Connection c = db.connect();
  c.execute("CREATE TABLE a(i BIGINT, s VARCHAR, d DOUBLE, b BOOLEAN)");
  {
    Appender appender = c.appender("main", "a");
    for (int64_t i = 0; i < 10000; ++i) {
      std::string text = "v";
      text += std::to_string(i);
      appender.append(i).append(text);
      appender.append(i % 7 == 0 ? Value{} : Value{i / 2.0}).append(i % 2 == 0);
      appender.end_row();
    }
    appender.flush();
  }
  auto rows = c.query("SELECT count(*), sum(i), count(d), sum(b::INT) FROM a").fetch_all();
  EXPECT_EQ(std::get<int64_t>(rows[0][0]), 10000);
  EXPECT_EQ(std::get<int64_t>(rows[0][1]), 49995000);  // a HUGEINT that fits
  EXPECT_EQ(std::get<int64_t>(rows[0][2]), 10000 - 1429);
  EXPECT_EQ(std::get<int64_t>(rows[0][3]), 5000);
}

TEST(Engine, SqlErrorsAreEngineErrorsWithDuckDbsMessage) {
  Database db;
  Connection c = db.connect();
  try {
    c.query("SELECT * FROM no_such_table");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kEngine);
    EXPECT_NE(e.message().find("no_such_table"), std::string::npos) << e.message();
  }
  EXPECT_THROW(c.prepare("SELEC 1"), Error);
}

TEST(Engine, InterruptStopsALongQueryFromAnotherThread) {
  Database db;
  Connection c = db.connect();
  std::thread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    c.interrupt();
  });
  const auto start = std::chrono::steady_clock::now();
  EXPECT_THROW(c.query("SELECT count(*) FROM range(100000000000) a, range(1000) b"), Error);
  stopper.join();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(30));
}

TEST(Engine, ExtensionsLoadOfflineFromThePinnedDirectory) {
  Database db;
  Connection c = db.connect();
  c.execute("LOAD iceberg");
  auto rows = c.query("SELECT loaded FROM duckdb_extensions() WHERE extension_name = 'iceberg'")
                  .fetch_all();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_TRUE(std::get<bool>(rows[0][0]));
  auto tz = c.query("SELECT current_setting('TimeZone')").fetch_all();
  EXPECT_EQ(std::get<std::string>(tz[0][0]), "UTC");
}

TEST(Engine, QuotingMakesAnyNameSafe) {
  EXPECT_EQ(quote_identifier("we\"ird"), "\"we\"\"ird\"");
  EXPECT_EQ(quote_literal("it's"), "'it''s'");
  Database db;
  Connection c = db.connect();
  auto rows =
      c.query("SELECT " + quote_literal("it's") + " AS " + quote_identifier("a\"b")).fetch_all();
  EXPECT_EQ(std::get<std::string>(rows[0][0]), "it's");
}

}  // namespace
}  // namespace strata::engine
