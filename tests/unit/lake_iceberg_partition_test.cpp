#include <gtest/gtest.h>

#include "core/error.hpp"
#include "engine/database.hpp"
#include "lake/iceberg_manifest.hpp"
#include "lake/iceberg_partition.hpp"
#include "test_support.hpp"

namespace strata::lake::iceberg {
namespace {

using nlohmann::json;

Schema events_schema() {
  return Schema{0,
                {{1, "id", false, primitive(TypeId::kLong)},
                 {2, "ts", false, primitive(TypeId::kTimestamp)},
                 {3, "tstz", false, primitive(TypeId::kTimestampTz)},
                 {4, "day", false, primitive(TypeId::kDate)},
                 {5, "region", false, primitive(TypeId::kString)},
                 {6, "amount", false, decimal(10, 2)}}};
}

// The value DuckDB computes for `field` over a one-row table of the events schema.
int64_t transformed(const PartitionField& field, const std::string& ts, const std::string& tstz,
                    const std::string& day) {
  static engine::Database db;
  engine::Connection c = db.connect();
  const std::string column = field.source_id == 2 ? "ts" : field.source_id == 3 ? "tstz" : "day";
  engine::Result r = c.query("SELECT " + partition_value_sql(field, events_schema(), column) +
                             " FROM (SELECT TIMESTAMP '" + ts + "' AS ts, TIMESTAMPTZ '" + tstz +
                             "' AS tstz, DATE '" + day + "' AS day)");
  auto chunk = r.next_chunk();
  return chunk->get_int64(0, 0);
}

PartitionField field_of(const std::string& text) {
  return parse_partition_fields(text, events_schema(), 999, "s.t").at(0);
}

TEST(IcebergPartition, TemporalTransformsMatchTheSpecsExamples) {
  // Spec, "Partition Transforms": 2017-11-16T22:31:08 is year 47, month 574, day 17486, hour
  // 419686 (counted from 1970-01-01T00:00 UTC).
  const char* ts = "2017-11-16 22:31:08";
  EXPECT_EQ(transformed(field_of("year(ts)"), ts, ts, "2017-11-16"), 47);
  EXPECT_EQ(transformed(field_of("month(ts)"), ts, ts, "2017-11-16"), 574);
  EXPECT_EQ(transformed(field_of("day(ts)"), ts, ts, "2017-11-16"), 17486);
  EXPECT_EQ(transformed(field_of("hour(ts)"), ts, ts, "2017-11-16"), 419686);
  EXPECT_EQ(transformed(field_of("year(day)"), ts, ts, "2017-11-16"), 47);
  EXPECT_EQ(transformed(field_of("month(day)"), ts, ts, "2017-11-16"), 574);
  EXPECT_EQ(transformed(field_of("day(day)"), ts, ts, "2017-11-16"), 17486);
  EXPECT_EQ(transformed(field_of("identity(day)"), ts, ts, "2017-11-16"), 17486);
  // A timestamptz is partitioned by its UTC time: 22:31 at -08:00 is the next day at 06:31 UTC.
  const char* west = "2017-11-16 22:31:08-08:00";
  EXPECT_EQ(transformed(field_of("day(tstz)"), ts, west, "2017-11-16"), 17487);
  EXPECT_EQ(transformed(field_of("hour(tstz)"), ts, west, "2017-11-16"), 17487 * 24 + 6);
  // Before the epoch, values are floored, not truncated towards zero.
  const char* before = "1969-12-31 23:59:59";
  EXPECT_EQ(transformed(field_of("year(ts)"), before, west, "1969-12-31"), -1);
  EXPECT_EQ(transformed(field_of("month(ts)"), before, west, "1969-12-31"), -1);
  EXPECT_EQ(transformed(field_of("day(ts)"), before, west, "1969-12-31"), -1);
  EXPECT_EQ(transformed(field_of("hour(ts)"), before, west, "1969-12-31"), -1);
  EXPECT_EQ(transformed(field_of("day(day)"), before, west, "1969-12-31"), -1);
}

// The value DuckDB computes for `field` (a truncate) of `value` (SQL).
std::string truncated(const std::string& text, const std::string& value) {
  static engine::Database db;
  engine::Connection c = db.connect();
  const PartitionField field = field_of(text);
  const std::string column = field.source_id == 1 ? "id" : "region";
  engine::Result r = c.query("SELECT CAST(" + partition_value_sql(field, events_schema(), column) +
                             " AS VARCHAR) FROM (SELECT " + value + " AS " + column + ")");
  auto chunk = r.next_chunk();
  return std::string(chunk->get_string(0, 0));
}

TEST(IcebergPartition, TruncateMatchesTheSpecsExamples) {
  // Spec, "Truncate Transform Details": W=10: 1 -> 0, -1 -> -10; strings keep W code points.
  EXPECT_EQ(truncated("truncate[10](id)", "1::BIGINT"), "0");
  EXPECT_EQ(truncated("truncate[10](id)", "-1::BIGINT"), "-10");
  EXPECT_EQ(truncated("truncate[10](id)", "25::BIGINT"), "20");
  EXPECT_EQ(truncated("truncate[3](region)", "'iceberg'"), "ice");
  EXPECT_EQ(truncated("truncate[2](region)", "'\u00e9t\u00e9'"), "\u00e9t");
  EXPECT_EQ(field_of("truncate[3](region)").name, "region_trunc");
  EXPECT_EQ(partition_result_type(field_of("truncate[3](region)"), events_schema()).id,
            TypeId::kString);
}

TEST(IcebergPartition, ParsesFieldsWithNamesIdsAndResultTypes) {
  const Schema schema = events_schema();
  const auto fields = parse_partition_fields(" day(ts), region ,HOUR(tstz)", schema, 1001, "s.t");
  ASSERT_EQ(fields.size(), 3u);
  EXPECT_EQ(fields[0], (PartitionField{2, 1002, "ts_day", "day"}));
  EXPECT_EQ(fields[1], (PartitionField{5, 1003, "region", "identity"}));
  EXPECT_EQ(fields[2], (PartitionField{3, 1004, "tstz_hour", "hour"}));
  EXPECT_EQ(partition_result_type(fields[0], schema).id, TypeId::kDate);
  EXPECT_EQ(partition_result_type(fields[1], schema).id, TypeId::kString);
  EXPECT_EQ(partition_result_type(fields[2], schema).id, TypeId::kInt);

  const PartitionSpec spec{3, fields};
  EXPECT_EQ(partition_spec_text(spec, schema), "day(ts), identity(region), hour(tstz)");
  EXPECT_EQ(partition_spec_from_json(partition_spec_to_json(spec), "m.json"), spec);
  EXPECT_EQ(partition_spec_to_json(spec)["fields"][0],
            json::parse(R"({"name":"ts_day","transform":"day","source-id":2,"field-id":1002})"));
  EXPECT_TRUE(parse_partition_fields("", schema, 999, "s.t").empty());
}

void expect_input_error(const std::string& text, const std::string& message) {
  try {
    parse_partition_fields(text, events_schema(), 999, "silver.events");
    ADD_FAILURE() << text << " was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInput);
    EXPECT_NE(e.message().find(message), std::string::npos) << e.message();
    EXPECT_EQ(e.where().object, "silver.events");
  }
}

TEST(IcebergPartition, RefusesFieldsThatDoNotApplyNamingTheTable) {
  expect_input_error("day(regoin)", "no column 'regoin'");
  expect_input_error("day(regoin)", "region");  // did you mean
  expect_input_error("hour(day)", "hour() needs a timestamp column");
  expect_input_error("month(region)", "needs a date or timestamp column");
  expect_input_error("identity(amount)", "identity partitioning of decimal(10, 2)");
  expect_input_error("bucket[0](id)", "unsupported transform 'bucket[0]'");
  expect_input_error("bucket(16, id", "closing ')'");
  expect_input_error("day(ts), day(ts)", "given twice");
  expect_input_error("day(ts", "closing ')'");
  expect_input_error("truncate[0](id)", "unsupported transform 'truncate[0]'");
  expect_input_error("truncate[4](ts)", "truncate needs an int, long or string column");
  EXPECT_THROW(partition_spec_from_json(json::parse(R"({"spec-id":1,"fields":[{"name":"b",
      "transform":"zorder","source-id":1,"field-id":1000}]})"),
                                        "m.json"),
               Error);
}

TEST(IcebergPartition, BucketFieldsParseInBothSpellings) {
  const auto fields = parse_partition_fields(
      "bucket(16, id), bucket[4](region), truncate(3, region)", events_schema(), 999, "s.t");
  ASSERT_EQ(fields.size(), 3u);
  EXPECT_EQ(fields[0].transform, "bucket[16]");
  EXPECT_EQ(fields[0].name, "id_bucket");
  EXPECT_EQ(fields[1].transform, "bucket[4]");
  EXPECT_EQ(fields[2].transform, "truncate[3]");
  EXPECT_EQ(partition_result_type(fields[0], events_schema()).id, TypeId::kInt);
}

TEST(IcebergPartition, ValuesUseTheSingleValueBinarySerialization) {
  EXPECT_EQ(partition_value_bytes(primitive(TypeId::kInt), json(1)), std::string("\x01\0\0\0", 4));
  EXPECT_EQ(partition_value_bytes(primitive(TypeId::kDate), json(-1)), "\xff\xff\xff\xff");
  EXPECT_EQ(partition_value_bytes(primitive(TypeId::kLong), json(258)),
            std::string("\x02\x01\0\0\0\0\0\0", 8));
  EXPECT_EQ(partition_value_bytes(primitive(TypeId::kString), json("r1")), "r1");
  EXPECT_EQ(partition_value_bytes(primitive(TypeId::kBoolean), json(true)), "\x01");
  EXPECT_EQ(partition_value_from_text(primitive(TypeId::kDate), "17486"), json(17486));
  EXPECT_EQ(partition_value_from_text(primitive(TypeId::kString), "a/b"), json("a/b"));
  EXPECT_TRUE(partition_value_from_text(primitive(TypeId::kInt), std::nullopt).is_null());
}

TEST(IcebergPartition, ManifestsKeepPartitionTuplesAndSummarizeThem) {
  test::TempDir dir;
  const Schema schema = events_schema();
  const PartitionSpec spec{1, parse_partition_fields("day(ts), region", schema, 999, "s.t")};
  std::vector<ManifestEntry> entries;
  for (const auto& [day, region] : std::vector<std::pair<json, json>>{
           {json(17487), json("r2")}, {json(17486), json(nullptr)}, {json(17490), json("r0")}}) {
    ManifestEntry entry;
    entry.file.path = (dir.path() / "f.parquet").string();
    entry.file.rows = 1;
    entry.file.partition_spec_id = 1;
    entry.file.partition = {day, region};
    entries.push_back(entry);
  }
  const std::string location = (dir.path() / "m.avro").string();
  ManifestFile manifest = write_manifest(location, schema, spec, entries, 7, 3);
  EXPECT_EQ(manifest.partition_spec_id, 1);
  ASSERT_EQ(manifest.partitions.size(), 2u);
  EXPECT_FALSE(manifest.partitions[0].contains_null);
  EXPECT_EQ(manifest.partitions[0].lower, partition_value_bytes(primitive(TypeId::kInt), 17486));
  EXPECT_EQ(manifest.partitions[0].upper, partition_value_bytes(primitive(TypeId::kInt), 17490));
  EXPECT_TRUE(manifest.partitions[1].contains_null);
  EXPECT_EQ(manifest.partitions[1].lower, "r0");
  EXPECT_EQ(manifest.partitions[1].upper, "r2");

  const std::vector<ManifestEntry> read = read_manifest(manifest);
  ASSERT_EQ(read.size(), 3u);
  for (size_t i = 0; i < read.size(); ++i) {
    EXPECT_EQ(read[i].file.partition_spec_id, 1);
    EXPECT_EQ(read[i].file.partition, entries[i].file.partition);
  }

  const std::string list = (dir.path() / "snap.avro").string();
  write_manifest_list(list, {manifest}, 7, std::nullopt, 3);
  const std::vector<ManifestFile> listed = read_manifest_list(list);
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].partition_spec_id, 1);
  ASSERT_EQ(listed[0].partitions.size(), 2u);
  EXPECT_EQ(listed[0].partitions[0].lower, manifest.partitions[0].lower);
  EXPECT_EQ(listed[0].partitions[1].upper, "r2");
  EXPECT_TRUE(listed[0].partitions[1].contains_null);
}

}  // namespace
}  // namespace strata::lake::iceberg
