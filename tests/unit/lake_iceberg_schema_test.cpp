#include <gtest/gtest.h>

#include "core/error.hpp"
#include "engine/column_type.hpp"
#include "engine/database.hpp"
#include "lake/iceberg_bounds.hpp"
#include "lake/iceberg_schema.hpp"
#include "lake/iceberg_schema_evolution.hpp"
#include "lake/iceberg_type_mapping.hpp"

namespace strata::lake::iceberg {
namespace {

std::vector<engine::ResultColumn> describe(const std::string& sql) {
  static engine::Database db;
  engine::Connection c = db.connect();
  return engine::describe_query(c, sql);
}

WritePlan plan(const std::string& sql, const Schema* current = nullptr, int last_id = 0,
               WriteMode mode = WriteMode::kAppend) {
  return plan_write(describe(sql), current, last_id, mode, "s.t");
}

Schema table_schema(const WritePlan& p) {
  return Schema{0, evolve_schema(nullptr, 0, p.file_schema, WriteMode::kAppend, "s.t").fields};
}

TEST(IcebergTypes, DuckDbTypesMapToIcebergTypes) {
  const auto columns = describe(
      "SELECT true AS b, 1::TINYINT AS ti, 1::SMALLINT AS si, 1::INTEGER AS i, 1::BIGINT AS l, "
      "1::UTINYINT AS ut, 1::UINTEGER AS ui, 1::UBIGINT AS ub, 1::HUGEINT AS h, 1::FLOAT AS f, "
      "1::DOUBLE AS d, 1.5::DECIMAL(12,3) AS dec, DATE '2020-01-01' AS dt, TIME '01:02:03' AS tm, "
      "TIMESTAMP '2020-01-01' AS ts, TIMESTAMP_NS '2020-01-01' AS tsn, "
      "TIMESTAMPTZ '2020-01-01 00:00:00+00' AS tz, 'x' AS s, uuid() AS u, 'a'::BLOB AS bl, "
      "INTERVAL 1 DAY AS iv, [1, 2] AS li, [1, 2]::INTEGER[2] AS arr, MAP {'k': 1.5} AS m, "
      "{'a': 1, 'b': ['x']} AS st, NULL AS n");
  std::vector<std::string> names;
  for (const auto& c : columns) names.push_back(type_name(iceberg_type_of(c.type, c.name)));
  const std::vector<std::string> expected = {"boolean",
                                             "int",
                                             "int",
                                             "int",
                                             "long",
                                             "int",
                                             "long",
                                             "decimal(20, 0)",
                                             "decimal(38, 0)",
                                             "float",
                                             "double",
                                             "decimal(12, 3)",
                                             "date",
                                             "time",
                                             "timestamp",
                                             "timestamp",
                                             "timestamptz",
                                             "string",
                                             "uuid",
                                             "binary",
                                             "string",
                                             "list<int>",
                                             "list<int>",
                                             "map<string, decimal(2, 1)>",
                                             "struct<a: int, b: list<string>>",
                                             "int"};  // NULL: int
  EXPECT_EQ(names, expected);
  // Casts only where DuckDB would not write the Iceberg type as it is.
  const WritePlan p = plan("SELECT 1::TINYINT AS ti, 1::INTEGER AS i, [1, 2]::INTEGER[2] AS arr");
  EXPECT_EQ(p.select_list[0], "CAST(\"ti\" AS INTEGER) AS \"ti\"");
  EXPECT_EQ(p.select_list[1], "\"i\"");
  EXPECT_EQ(p.select_list[2], "CAST(\"arr\" AS INTEGER[]) AS \"arr\"");
  try {
    plan("SELECT union_value(a := 1) AS u");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInput);
    EXPECT_NE(e.message().find("'u'"), std::string::npos);
  }
}

TEST(IcebergTypes, NewTablesGetFreshIdsAndSchemaJsonRoundTrips) {
  const WritePlan p =
      plan("SELECT 1 AS id, {'x': 1, 'tags': ['a']} AS s, MAP {'k': 2} AS m, 'v' AS \"we'ird\"");
  const Schema schema = table_schema(p);
  ASSERT_EQ(schema.fields.size(), 4u);
  EXPECT_EQ(schema.fields[0].id, 1);
  EXPECT_EQ(schema.highest_field_id(), 9);
  EXPECT_FALSE(schema.fields[0].required);
  const Field& map = schema.fields[2];
  EXPECT_TRUE(map.type.fields[0].required);   // map keys are required
  EXPECT_FALSE(map.type.fields[1].required);  // values are not
  const nlohmann::json json = schema_to_json(schema);
  EXPECT_EQ(json["fields"][1]["type"]["fields"][1]["type"]["type"], "list");
  EXPECT_EQ(json["fields"][2]["type"]["key-id"], map.type.fields[0].id);
  EXPECT_EQ(schema_from_json(json), schema);
  EXPECT_EQ(type_from_json("decimal(9,2)"), decimal(9, 2));
  EXPECT_EQ(type_to_json(decimal(9, 2)), "decimal(9, 2)");
  EXPECT_EQ(field_ids_sql(schema.fields),
            "{'id': 1, 's': {__duckdb_field_id: 2, 'x': 3, 'tags': {__duckdb_field_id: 4, "
            "'element': 5}}, 'm': {__duckdb_field_id: 6, 'key': 7, 'value': 8}, 'we''ird': 9}");
  EXPECT_EQ(duckdb_type_sql(schema.fields[1].type), "STRUCT(\"x\" INTEGER, \"tags\" VARCHAR[])");
  try {
    type_from_json("timestamp_ns");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kStorage);
  }
}

TEST(IcebergSchemaEvolution, AppendsKeepIdsByNameAndAddNewColumns) {
  const Schema v1 = table_schema(plan("SELECT 1 AS a, {'x': 1} AS s"));
  const WritePlan p = plan("SELECT {'y': 'q', 'x': 2} AS s, 'n' AS b, 5 AS a", &v1, 3);
  ASSERT_EQ(p.file_schema.fields.size(), 3u);
  EXPECT_EQ(p.file_schema.fields[0].id, 2);                 // s
  EXPECT_EQ(p.file_schema.fields[0].type.fields[0].id, 4);  // s.y is new
  EXPECT_EQ(p.file_schema.fields[0].type.fields[1].id, 3);  // s.x kept
  EXPECT_EQ(p.file_schema.fields[1].id, 5);                 // b is new
  EXPECT_EQ(p.file_schema.fields[2].id, 1);                 // a kept
  const EvolvedSchema v2 = evolve_schema(&v1, 3, p.file_schema, WriteMode::kAppend, "s.t");
  EXPECT_EQ(v2.last_column_id, 5);
  ASSERT_EQ(v2.fields.size(), 3u);  // a, s, b: existing order, new columns last
  EXPECT_EQ(v2.fields[0].name, "a");
  EXPECT_EQ(v2.fields[1].type.fields.size(), 2u);
  EXPECT_EQ(v2.fields[2].name, "b");
}

TEST(IcebergSchemaEvolution, WidensNarrowsByCastAndRefusesOtherChanges) {
  const Schema v1 =
      table_schema(plan("SELECT 1::INTEGER AS i, 1::BIGINT AS l, 1.5::DECIMAL(9,2) AS d"));
  // int -> long and a wider decimal widen the table; a narrower type is cast to the table's.
  const WritePlan p =
      plan("SELECT 1::BIGINT AS i, 1::SMALLINT AS l, 1.5::DECIMAL(18,2) AS d", &v1, 3);
  EXPECT_EQ(type_name(p.file_schema.fields[0].type), "long");
  EXPECT_EQ(type_name(p.file_schema.fields[1].type), "long");
  EXPECT_EQ(p.select_list[1], "CAST(\"l\" AS BIGINT) AS \"l\"");
  EXPECT_EQ(type_name(p.file_schema.fields[2].type), "decimal(18, 2)");
  const EvolvedSchema v2 = evolve_schema(&v1, 3, p.file_schema, WriteMode::kAppend, "s.t");
  EXPECT_EQ(type_name(v2.fields[0].type), "long");
  EXPECT_EQ(v2.fields[0].id, 1);

  for (const char* sql : {"SELECT 'x' AS i", "SELECT 1.5::DECIMAL(9,3) AS d",
                          "SELECT {'a': 1} AS l", "SELECT 1.5::DOUBLE AS l"}) {
    try {
      plan(sql, &v1, 3);
      FAIL() << "expected a conflict for " << sql;
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::kConflict) << sql;
      EXPECT_EQ(e.where().object, "s.t");
      EXPECT_NE(e.message().find("column '"), std::string::npos) << e.message();
    }
  }
  // An overwrite replaces every row: the changed column gets a new id instead.
  const WritePlan o = plan("SELECT 'x' AS i, 2 AS l", &v1, 3, WriteMode::kOverwrite);
  EXPECT_EQ(o.file_schema.fields[0].id, 4);
  EXPECT_EQ(o.file_schema.fields[1].id, 2);
  const EvolvedSchema v3 = evolve_schema(&v1, 3, o.file_schema, WriteMode::kOverwrite, "s.t");
  EXPECT_EQ(v3.fields.size(), 2u);  // d is dropped
  EXPECT_EQ(v3.last_column_id, 4);
}

TEST(IcebergSchemaEvolution, IdsTakenByAConcurrentCommitAreAConflict) {
  const Schema v1 = table_schema(plan("SELECT 1 AS a"));
  const WritePlan mine = plan("SELECT 1 AS a, 2 AS b", &v1, 1);  // b gets id 2
  // Meanwhile another writer added c, which took id 2.
  const WritePlan theirs = plan("SELECT 1 AS a, 3 AS c", &v1, 1);
  const EvolvedSchema v2 = evolve_schema(&v1, 1, theirs.file_schema, WriteMode::kAppend, "s.t");
  const Schema current{1, v2.fields};
  EXPECT_THROW(
      evolve_schema(&current, v2.last_column_id, mine.file_schema, WriteMode::kAppend, "s.t"),
      Error);
  // Ids that still fit are merged: a write planned before c existed, adding nothing new.
  const WritePlan same = plan("SELECT 7 AS a", &v1, 1);
  EXPECT_EQ(evolve_schema(&current, v2.last_column_id, same.file_schema, WriteMode::kAppend, "s.t")
                .fields.size(),
            2u);
}

std::string bytes(std::initializer_list<int> values) {
  std::string out;
  for (int v : values) out.push_back(static_cast<char>(v));
  return out;
}

TEST(IcebergBounds, SingleValueBinarySerialization) {
  EXPECT_EQ(lower_bound(primitive(TypeId::kBoolean), "true"), bytes({1}));
  EXPECT_EQ(lower_bound(primitive(TypeId::kInt), "-2"), bytes({0xfe, 0xff, 0xff, 0xff}));
  EXPECT_EQ(lower_bound(primitive(TypeId::kLong), "258"), bytes({2, 1, 0, 0, 0, 0, 0, 0}));
  EXPECT_EQ(lower_bound(primitive(TypeId::kDouble), "1.0"), bytes({0, 0, 0, 0, 0, 0, 0xf0, 0x3f}));
  EXPECT_EQ(lower_bound(primitive(TypeId::kFloat), "1.0"), bytes({0, 0, 0x80, 0x3f}));
  EXPECT_EQ(lower_bound(primitive(TypeId::kDouble), "0.0"), bytes({0, 0, 0, 0, 0, 0, 0, 0x80}));
  EXPECT_FALSE(upper_bound(primitive(TypeId::kDouble), "nan").has_value());
  // Decimals: the unscaled value, big-endian two's complement, fewest bytes.
  EXPECT_EQ(lower_bound(decimal(10, 2), "1.50"), bytes({150 >> 8, 150 & 0xff}));
  EXPECT_EQ(lower_bound(decimal(10, 2), "-1.50"), bytes({0xff, 0x6a}));
  EXPECT_EQ(lower_bound(decimal(5, 0), "127"), bytes({0x7f}));
  EXPECT_EQ(lower_bound(decimal(5, 0), "128"), bytes({0x00, 0x80}));
  EXPECT_EQ(lower_bound(decimal(38, 10), "-0.0000000001"), bytes({0xff}));
  EXPECT_EQ(lower_bound(primitive(TypeId::kDate), "1970-01-02"), bytes({1, 0, 0, 0}));
  EXPECT_EQ(lower_bound(primitive(TypeId::kDate), "1969-12-31"), bytes({0xff, 0xff, 0xff, 0xff}));
  EXPECT_FALSE(lower_bound(primitive(TypeId::kDate), "infinity").has_value());
  EXPECT_EQ(lower_bound(primitive(TypeId::kTime), "00:00:01.5"),
            bytes({0x60, 0xe3, 0x16, 0, 0, 0, 0, 0}));
  // 1970-01-01 00:00:01 UTC is 1,000,000 us; "+01" shifts a timestamptz by an hour.
  EXPECT_EQ(lower_bound(primitive(TypeId::kTimestamp), "1970-01-01 00:00:01"),
            bytes({0x40, 0x42, 0x0f, 0, 0, 0, 0, 0}));
  EXPECT_EQ(lower_bound(primitive(TypeId::kTimestampTz), "1970-01-01 01:00:01+01"),
            bytes({0x40, 0x42, 0x0f, 0, 0, 0, 0, 0}));
  EXPECT_EQ(lower_bound(primitive(TypeId::kUuid), "00010203-0405-0607-0809-0a0b0c0d0e0f"),
            bytes({0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}));
  EXPECT_EQ(lower_bound(primitive(TypeId::kBinary), "00FF"), bytes({0, 0xff}));
  // Strings are cut to 16 characters: a prefix below, the last character incremented above.
  const Type text = primitive(TypeId::kString);
  EXPECT_EQ(lower_bound(text, "short"), "short");
  EXPECT_EQ(lower_bound(text, "abcdefghijklmnopqrstuvwxyz"), "abcdefghijklmnop");
  EXPECT_EQ(upper_bound(text, "abcdefghijklmnopqrstuvwxyz"), "abcdefghijklmnoq");
  EXPECT_EQ(upper_bound(text, "ééééééééééééééééé"), "éééééééééééééééê");
}

}  // namespace
}  // namespace strata::lake::iceberg
