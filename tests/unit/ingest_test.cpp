#include <gtest/gtest.h>

#include <filesystem>
#include <tuple>

#include "core/config.hpp"
#include "ingest/file_source.hpp"
#include "lake/metastore.hpp"
#include "lake/table_store.hpp"
#include "lake_fixture.hpp"
#include "test_support.hpp"

namespace strata::ingest {
namespace {

class IngestTest : public test::LakeFixture {
 protected:
  engine::Connection& c = connection;

  ProjectConfig project(const std::string& yaml) {
    return parse_project(yaml, dir.path(), (dir / "strata.yml").string());
  }
  LoadResult load(const ProjectConfig& config, size_t table, LoadOptions options = {}) {
    const auto& source = config.sources.at(0);
    LoadResult result =
        load_file_table(config, source, source.tables.at(table), lake, c, options, nullptr);
    lake.attach_all(c);
    return result;
  }
  int64_t scalar(const std::string& sql) { return std::get<int64_t>(c.query(sql).scalar()); }
};

TEST_F(IngestTest, CsvBadLinesAreQuarantinedWithTheirPlace) {
  test::write_text(dir / "data/a.csv", "id,size\n1,10.5\n2,twelve\n3,7\n4,1,extra\n5,\n");
  auto config = project(
      "name: t\nsources:\n  src:\n    tables:\n      sizes:\n        path: data/*.csv\n"
      "        columns: {id: INTEGER, size: DOUBLE}\n");
  LoadResult r = load(config, 0);
  EXPECT_EQ(r.files_loaded, 1u);
  EXPECT_EQ(r.rows_loaded, 3u);
  EXPECT_EQ(r.rows_quarantined, 2u);
  EXPECT_EQ(r.rows_read(), 5u);
  EXPECT_EQ(scalar("SELECT count(*) FROM src.sizes WHERE size IS NULL"), 1);
  auto bad = c.query("SELECT line, reason, raw, source_file FROM src._quarantine ORDER BY line")
                 .fetch_all();
  ASSERT_EQ(bad.size(), 2u);
  EXPECT_EQ(std::get<int64_t>(bad[0][0]), 3);
  EXPECT_NE(std::get<std::string>(bad[0][1]).find("CAST"), std::string::npos);
  EXPECT_EQ(std::get<std::string>(bad[0][2]), "2,twelve");
  EXPECT_EQ(std::get<int64_t>(bad[1][0]), 5);
  EXPECT_NE(std::get<std::string>(bad[1][3]).find("a.csv"), std::string::npos);
  // Lineage columns on every bronze row.
  EXPECT_EQ(scalar("SELECT count(DISTINCT _strata_batch_id) FROM src.sizes"), 1);
  EXPECT_EQ(scalar("SELECT count(*) FROM src.sizes WHERE _strata_source_file LIKE '%a.csv' AND "
                   "_strata_loaded_at IS NOT NULL"),
            3);
}

TEST_F(IngestTest, OnlyNewFilesAreLoadedAndChangedFilesAreReported) {
  test::write_text(dir / "data/1.csv", "id\n1\n2\n");
  auto config = project("name: t\nsources:\n  src:\n    tables:\n      t: data/*.csv\n");
  EXPECT_EQ(load(config, 0).rows_loaded, 2u);
  LoadResult again = load(config, 0);
  EXPECT_EQ(again.files_loaded, 0u);
  EXPECT_EQ(again.files_skipped, 1u);
  test::write_text(dir / "data/2.csv", "id\n3\n");
  EXPECT_EQ(load(config, 0).rows_loaded, 1u);
  EXPECT_EQ(scalar("SELECT count(*) FROM src.t"), 3);
  test::write_text(dir / "data/1.csv", "id\n1\n2\n99\n");
  LoadResult changed = load(config, 0);
  EXPECT_EQ(changed.files_loaded, 0u);
  ASSERT_EQ(changed.changed_files.size(), 1u);
  EXPECT_EQ(scalar("SELECT count(*) FROM src.t"), 3);
  LoadOptions reload;
  reload.reload_changed = true;
  EXPECT_EQ(load(config, 0, reload).rows_loaded, 3u);
  EXPECT_EQ(scalar("SELECT count(*) FROM src.t"), 6);
}

TEST_F(IngestTest, NdjsonBrokenLineNeverTakesItsNeighbour) {
  test::write_text(dir / "data/r.ndjson",
                   "{\"id\":1,\"tags\":[\"a\"],\"who\":{\"name\":\"x\"}}\n"
                   "{\"id\":2,\"tags\":[],\"who\":{\"name\":\n"
                   "{\"id\":3,\"tags\":[\"b\",\"c\"],\"who\":null}\n"
                   "\n"
                   "[1,2]\n"
                   "{\"id\":-4,\"extra\":true,\"who\":{\"name\":\"y\"}}\n");
  auto config = project("name: t\nsources:\n  src:\n    tables:\n      r: data/r.ndjson\n");
  LoadResult r = load(config, 0);
  EXPECT_EQ(r.rows_loaded, 3u);
  EXPECT_EQ(r.rows_quarantined, 2u);
  EXPECT_EQ(scalar("SELECT sum(id) FROM src.r"), 0);
  EXPECT_EQ(scalar("SELECT len(tags) FROM src.r WHERE id = 3"), 2);
  EXPECT_EQ(scalar("SELECT count(*) FROM src.r WHERE who.name = 'y' AND extra"), 1);
  auto bad = c.query("SELECT line, reason FROM src._quarantine ORDER BY line").fetch_all();
  ASSERT_EQ(bad.size(), 2u);
  EXPECT_EQ(std::get<int64_t>(bad[0][0]), 2);
  EXPECT_EQ(std::get<std::string>(bad[0][1]), "invalid JSON");
  EXPECT_EQ(std::get<int64_t>(bad[1][0]), 5);
  EXPECT_EQ(std::get<std::string>(bad[1][1]), "not a JSON object");
}

TEST_F(IngestTest, NdjsonQuarantineHasExactLinesAndByteOffsets) {
  const std::string text =
      "{\"id\":1}\n"              // offset 0
      "not json\n"                // offset 9
      "\n"                        // offset 18: an empty line is no row
      "\"a string\"\n"            // offset 19: valid JSON, not an object
      "{\"id\":2,\"s\":\"x\"}\n"  // offset 30
      "{\"id\":3,\n";             // offset 47: truncated
  test::write_text(dir / "data/e.ndjson", text);
  auto config = project("name: t\nsources:\n  src:\n    tables:\n      e: data/e.ndjson\n");
  LoadResult r = load(config, 0);
  EXPECT_EQ(r.rows_loaded, 2u);
  EXPECT_EQ(r.rows_quarantined, 3u);
  auto bad = c.query("SELECT line, byte_offset, reason, raw FROM src._quarantine ORDER BY line")
                 .fetch_all();
  ASSERT_EQ(bad.size(), 3u);
  const std::vector<std::tuple<int64_t, int64_t, std::string, std::string>> expected = {
      {2, 9, "invalid JSON", "not json"},
      {4, 19, "not a JSON object", "\"a string\""},
      {6, 47, "invalid JSON", "{\"id\":3,"}};
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(std::get<int64_t>(bad[i][0]), std::get<0>(expected[i]));
    EXPECT_EQ(std::get<int64_t>(bad[i][1]), std::get<1>(expected[i]));
    EXPECT_EQ(std::get<std::string>(bad[i][2]), std::get<2>(expected[i]));
    EXPECT_EQ(std::get<std::string>(bad[i][3]), std::get<3>(expected[i]));
    EXPECT_EQ(text.substr(std::get<1>(expected[i]), std::get<3>(expected[i]).size()),
              std::get<3>(expected[i]));
  }
}

TEST_F(IngestTest, NdjsonLinesAfterARejectedLineKeepTheirNumbers) {
  // Line 2 is not UTF-8 (the line reader rejects it); line 4 is not JSON. Nothing is lost.
  test::write_text(dir / "data/u.ndjson",
                   "{\"id\":1}\n{\"id\":2,\"s\":\"\xff\"}\n{\"id\":3}\n{oops\n{\"id\":5}\n");
  auto config = project("name: t\nsources:\n  src:\n    tables:\n      u: data/u.ndjson\n");
  LoadResult r = load(config, 0);
  EXPECT_EQ(r.rows_loaded, 3u);
  EXPECT_EQ(r.rows_quarantined, 2u);
  EXPECT_EQ(scalar("SELECT sum(id) FROM src.u"), 9);
  auto bad =
      c.query("SELECT line, byte_offset, reason FROM src._quarantine ORDER BY line").fetch_all();
  ASSERT_EQ(bad.size(), 2u);
  EXPECT_EQ(std::get<int64_t>(bad[0][0]), 2);
  EXPECT_EQ(std::get<int64_t>(bad[0][1]), 9);
  EXPECT_NE(std::get<std::string>(bad[0][2]).find("INVALID ENCODING"), std::string::npos);
  EXPECT_EQ(std::get<int64_t>(bad[1][0]), 4);
  EXPECT_EQ(std::get<std::string>(bad[1][2]), "invalid JSON");
}

TEST_F(IngestTest, GzipAndZstdCompressedFilesAreRead) {
  // DuckDB writes the compressed files; strata must read them as the plain ones.
  std::filesystem::create_directories(dir / "data");
  auto write = [&](const std::string& rows, const std::string& file, const std::string& codec) {
    c.execute("COPY (SELECT * FROM (VALUES " + rows + ") t(line)) TO '" +
              (dir / "data" / file).string() +
              "' (FORMAT csv, HEADER false, QUOTE '', ESCAPE '', DELIMITER '\x01', COMPRESSION " +
              codec + ")");
  };
  write("('{\"id\": 1}'), ('broken'), ('{\"id\": 2}')", "a.ndjson.gz", "gzip");
  write("('{\"id\": 3}'), ('{\"id\": 4, \"x\": \"y\"}'), ('[1]')", "b.ndjson.zst", "zstd");
  write("('id,v'), ('1,a'), ('2,b'), ('x,c')", "c.csv.zst", "zstd");
  auto config = project(
      "name: t\nsources:\n  src:\n    tables:\n      j: {path: data/*.ndjson.*, format: ndjson}\n"
      "      c:\n        path: data/c.csv.zst\n        columns: {id: INTEGER, v: VARCHAR}\n");
  LoadResult j = load(config, 0);
  EXPECT_EQ(j.files_loaded, 2u);
  EXPECT_EQ(j.rows_loaded, 4u);
  EXPECT_EQ(j.rows_quarantined, 2u);
  EXPECT_EQ(scalar("SELECT sum(id) FROM src.j"), 10);
  EXPECT_EQ(scalar("SELECT count(*) FROM src._quarantine WHERE (source_file LIKE '%a.ndjson.gz' "
                   "AND line = 2) OR (source_file LIKE '%b.ndjson.zst' AND line = 3)"),
            2);
  LoadResult csv = load(config, 1);
  EXPECT_EQ(csv.rows_loaded, 2u);
  EXPECT_EQ(csv.rows_quarantined, 1u);
  EXPECT_EQ(scalar("SELECT sum(id) FROM src.c"), 3);
}

TEST_F(IngestTest, LaterFilesWithNarrowerInferredTypesAreCastToTheTable) {
  test::write_text(dir / "data/1.csv", "id,amount,code\n1,10.5,A1\n");
  test::write_text(dir / "data/1.ndjson", "{\"id\":1,\"code\":\"A1\",\"x\":1.5}\n");
  auto config = project(
      "name: t\nsources:\n  src:\n    tables:\n      c: data/*.csv\n      j: data/*.ndjson\n");
  load(config, 0);
  load(config, 1);
  // Whole numbers where the table has DOUBLE, numbers where it has VARCHAR.
  test::write_text(dir / "data/2.csv", "id,amount,code\n2,20,7\n");
  test::write_text(dir / "data/2.ndjson", "{\"id\":2,\"code\":7,\"x\":2}\n");
  EXPECT_EQ(load(config, 0).rows_loaded, 1u);
  EXPECT_EQ(load(config, 1).rows_loaded, 1u);
  EXPECT_EQ(
      std::get<std::string>(
          c.query("SELECT list(amount ORDER BY id)::VARCHAR || list(code ORDER BY id)::VARCHAR "
                  "FROM src.c")
              .scalar()),
      "[10.5, 20.0][A1, 7]");
  EXPECT_EQ(std::get<std::string>(
                c.query("SELECT list(x ORDER BY id)::VARCHAR || list(code ORDER BY id)::VARCHAR "
                        "FROM src.j")
                    .scalar()),
            "[1.5, 2.0][A1, 7]");
}

TEST_F(IngestTest, AnInterruptedLoadCommitsNothingAndReloadsCleanly) {
  test::write_text(dir / "data/1.csv", "id\n1\n2\n");
  auto config = project("name: t\nsources:\n  src:\n    tables:\n      t: data/*.csv\n");
  // Simulate a crash after the data files were written but before the commit.
  lake.write_files(c, {"src", "t"}, "SELECT 1 AS id");
  EXPECT_FALSE(store->find_table({"src", "t"}).has_value());
  EXPECT_EQ(load(config, 0).rows_loaded, 2u);
  EXPECT_EQ(scalar("SELECT count(*) FROM src.t"), 2);
}

}  // namespace
}  // namespace strata::ingest
