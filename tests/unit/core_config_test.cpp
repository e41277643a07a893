#include <gtest/gtest.h>

#include "core/config.hpp"
#include "core/error.hpp"
#include "core/log.hpp"
#include "core/text.hpp"
#include "test_support.hpp"

namespace strata {
namespace {

Error parse_error(const std::string& yaml) {
  try {
    parse_project(yaml, "/p", "/p/strata.yml");
  } catch (const Error& e) {
    return e;
  }
  ADD_FAILURE() << "expected an error for:\n" << yaml;
  return Error(ErrorKind::kInternal, "no error");
}

TEST(Config, ParsesSourcesTablesAndDefaults) {
  ProjectConfig config = parse_project(R"(name: shop
sources:
  internal:
    kind: files
    tables:
      movies:
        path: data/movies/*.csv
        columns: {title: VARCHAR, minutes: INTEGER}
      reviews: data/reviews.ndjson
engine:
  threads: 2
)",
                                       "/p", "/p/strata.yml");
  EXPECT_EQ(config.name, "shop");
  EXPECT_EQ(config.lake_dir, "/p/.strata/lake");
  EXPECT_EQ(config.catalog_file, "/p/.strata/catalog.db");
  EXPECT_EQ(config.models_dir, "/p/models");
  EXPECT_EQ(config.engine.threads, 2);
  ASSERT_EQ(config.sources.size(), 1u);
  const auto& tables = config.sources[0].tables;
  ASSERT_EQ(tables.size(), 2u);
  EXPECT_EQ(tables[0].format, FileFormat::kCsv);
  ASSERT_EQ(tables[0].columns.size(), 2u);
  EXPECT_EQ(tables[0].columns[1].first, "minutes");
  EXPECT_EQ(tables[0].columns[1].second, "INTEGER");
  EXPECT_EQ(tables[1].format, FileFormat::kNdjson);
  EXPECT_EQ(tables[1].path, "data/reviews.ndjson");
}

TEST(Config, UnknownKeyNamesLineColumnAndClosestKey) {
  Error e = parse_error("name: shop\nsources:\n  s:\n    tables:\n      t:\n        pth: a.csv\n");
  EXPECT_EQ(e.kind(), ErrorKind::kConfig);
  EXPECT_EQ(e.where().file, "/p/strata.yml");
  EXPECT_EQ(e.where().line, 6);
  EXPECT_EQ(e.where().column, 9);
  EXPECT_NE(std::string(e.what()).find("did you mean 'path'"), std::string::npos) << e.what();
}

TEST(Config, RejectsBadValuesWithTheirPlace) {
  EXPECT_EQ(parse_error("sources: {}\n").message(), "missing required key 'name'");
  Error format = parse_error("name: x\nsources:\n  s:\n    tables:\n      t: {path: a.xyz}\n");
  EXPECT_NE(format.message().find("cannot tell the format"), std::string::npos);
  EXPECT_EQ(format.where().line, 5);
  Error kind = parse_error("name: x\nsources:\n  s:\n    kind: kafka\n    tables: {t: a.csv}\n");
  EXPECT_NE(kind.message().find("not supported yet"), std::string::npos);
  EXPECT_EQ(kind.where().line, 4);
  Error name = parse_error("name: 9lives\n");
  EXPECT_NE(name.message().find("must start with a letter"), std::string::npos);
  Error threads = parse_error("name: x\nengine: {threads: many}\n");
  EXPECT_NE(threads.message().find("whole number"), std::string::npos);
}

TEST(Config, YamlSyntaxErrorNamesLineAndColumn) {
  Error e = parse_error("name: x\nsources:\n  s: [unclosed\n");
  EXPECT_EQ(e.kind(), ErrorKind::kConfig);
  EXPECT_GT(e.where().line, 2);
  EXPECT_NE(std::string(e.what()).find("/p/strata.yml:"), std::string::npos);
}

TEST(Config, MissingProjectIsAClearError) {
  test::TempDir dir;
  try {
    load_project(dir.path());
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kConfig);
    EXPECT_NE(e.message().find("no strata.yml"), std::string::npos);
  }
}

TEST(Config, DbtProjectDirectoryRunsOnDefaults) {
  test::TempDir dir;
  test::write_text(dir / "dbt_project.yml", "name: jaffle\n");
  ProjectConfig config = load_project(dir.path());
  EXPECT_EQ(config.models_dir, dir.path() / "models");
  EXPECT_TRUE(config.config_file.empty());
}

TEST(Text, SuggestsCloseNamesOnly) {
  EXPECT_EQ(closest_match("unique_kye", {"unique_key", "materialized"}), "unique_key");
  EXPECT_EQ(closest_match("zzzzzz", {"unique_key", "materialized"}), "");
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
  EXPECT_EQ(format_count(1234567), "1,234,567");
  EXPECT_EQ(format_bytes(1500000), "1.5 MB");
  EXPECT_EQ(split("a,,b", ','), (std::vector<std::string>{"a", "", "b"}));
}

TEST(Log, JsonLinesAreParseableAndCarryFields) {
  std::string line = log::render(log::Level::kWarn, "file changed", {{"table", "s.t"}, {"n", 3}},
                                 log::Format::kJson, false);
  nlohmann::json parsed = nlohmann::json::parse(line);
  EXPECT_EQ(parsed["level"], "warn");
  EXPECT_EQ(parsed["msg"], "file changed");
  EXPECT_EQ(parsed["table"], "s.t");
  EXPECT_EQ(parsed["n"], 3);
  std::string text =
      log::render(log::Level::kInfo, "loaded", {{"rows", 5}}, log::Format::kText, false);
  EXPECT_NE(text.find("info  loaded rows=5"), std::string::npos) << text;
  EXPECT_THROW(log::parse_format("xml"), Error);
}

}  // namespace
}  // namespace strata
