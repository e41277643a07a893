#include <gtest/gtest.h>

#include "engine/database.hpp"
#include "engine/sql_tree.hpp"
#include "lake/file_pruning.hpp"
#include "lake/iceberg_bounds.hpp"
#include "lake/iceberg_bucket.hpp"
#include "lake/iceberg_transforms.hpp"
#include "lake/query_pruning.hpp"
#include "lake/query_scans.hpp"
#include "lake_fixture.hpp"

namespace strata::lake {
namespace {

using iceberg::primitive;
using iceberg::TypeId;
using nlohmann::json;

// Spec, Appendix B: the hash of each type's example value.
TEST(IcebergBucket, HashesMatchTheSpecsTestVectors) {
  using namespace iceberg;
  EXPECT_EQ(hash_long(34), 2017239379);  // int 34 hashes as a long
  EXPECT_EQ(*hash_single_value(primitive(TypeId::kInt), std::string("\x22\0\0\0", 4)), 2017239379);
  EXPECT_EQ(*hash_single_value(primitive(TypeId::kLong), std::string("\x22\0\0\0\0\0\0\0", 8)),
            2017239379);
  // decimal(9,2) 14.20: unscaled 1420 = 0x058c
  EXPECT_EQ(*hash_single_value(decimal(9, 2), *single_value(decimal(9, 2), "14.20")), -500754589);
  EXPECT_EQ(*hash_single_value(primitive(TypeId::kDate),
                               *single_value(primitive(TypeId::kDate), "2017-11-16")),
            -653330422);
  EXPECT_EQ(*hash_single_value(primitive(TypeId::kTime),
                               *single_value(primitive(TypeId::kTime), "22:31:08")),
            -662762989);
  EXPECT_EQ(*hash_single_value(primitive(TypeId::kTimestamp),
                               *single_value(primitive(TypeId::kTimestamp), "2017-11-16 22:31:08")),
            -2047944441);
  EXPECT_EQ(
      *hash_single_value(primitive(TypeId::kTimestampTz),
                         *single_value(primitive(TypeId::kTimestampTz), "2017-11-16 14:31:08-08")),
      -2047944441);
  EXPECT_EQ(hash_bytes("iceberg"), 1210000089);
  EXPECT_EQ(*hash_single_value(
                primitive(TypeId::kUuid),
                *single_value(primitive(TypeId::kUuid), "f79c3e09-677c-4bbd-a479-3f349cb785e7")),
            1488055340);
  EXPECT_EQ(hash_bytes(std::string("\x00\x01\x02\x03", 4)), -188683207);
  // Strings longer than a block and every tail length.
  EXPECT_EQ(murmur3_32(""), 0u);
  EXPECT_EQ(bucket_of(hash_long(34), 16), 2017239379 % 16);
  EXPECT_EQ(bucket_count("bucket[16]"), 16);
  EXPECT_FALSE(bucket_count("bucket[0]"));
  EXPECT_FALSE(bucket_count("truncate[16]"));
}

// --- query_scans --------------------------------------------------------------------------

std::vector<TableReference> scans_of(const std::string& sql, bool* analysed = nullptr) {
  static engine::Database db;
  engine::Connection c = db.connect();
  engine::SqlTree tree = engine::serialize_sql(c, sql);
  EXPECT_TRUE(tree.ok) << sql;
  const ColumnsOf columns = [](const std::string& space, const std::string& name) {
    if (space == "silver" && name == "orders") {
      return std::optional<std::vector<std::string>>({"id", "Region", "ts", "amount"});
    }
    return std::optional<std::vector<std::string>>();
  };
  QueryScans scans = query_scans(tree.tree["statements"][0], columns);
  if (analysed) *analysed = scans.analysed;
  return scans.references;
}

std::string describe(const TableReference& reference) {
  std::string out = reference.schema + "." + reference.name + ":";
  for (const ColumnPredicate& p : reference.predicates) {
    out += " " + p.column + "#" + std::to_string(static_cast<int>(p.op)) + "/" +
           std::to_string(p.constants.size());
  }
  return out;
}

std::vector<std::string> described(const std::string& sql) {
  std::vector<std::string> out;
  for (const TableReference& r : scans_of(sql)) out.push_back(describe(r));
  return out;
}

using Strings = std::vector<std::string>;

TEST(QueryScans, ConjunctsOfTheWhereClauseApplyToTheirTable) {
  EXPECT_EQ(described("SELECT * FROM silver.orders WHERE id = 5 AND region IN ('eu', 'us') AND "
                      "ts BETWEEN DATE '2024-01-01' AND '2024-02-01' AND amount IS NULL"),
            Strings({"silver.orders: id#0/1 Region#5/2 ts#4/1 ts#2/1 amount#6/0"}));
  // Qualified by alias or by full name, constants on the left, nested AND.
  EXPECT_EQ(described("SELECT * FROM silver.orders o WHERE 5 < o.id AND (o.ts >= '2024-01-01' AND "
                      "o.amount IS NOT NULL)"),
            Strings({"silver.orders: id#3/1 ts#4/1 amount#7/0"}));
  EXPECT_EQ(described("SELECT * FROM silver.orders WHERE silver.orders.id <= 5"),
            Strings({"silver.orders: id#2/1"}));
  // Inner join conditions filter too; other tables are listed without predicates.
  EXPECT_EQ(described("SELECT * FROM x JOIN silver.orders o ON o.id = x.id AND o.region = 'eu'"),
            Strings({".x:", "silver.orders: Region#0/1"}));
  // A subquery's WHERE filters its own reference.
  EXPECT_EQ(described("SELECT * FROM x WHERE k IN (SELECT id FROM silver.orders WHERE id > 3)"),
            Strings({".x:", "silver.orders: id#3/1"}));
}

TEST(QueryScans, FiltersThatDoNotBindEveryRowAreIgnored) {
  // OR, NOT, expressions on the column, non-constant sides, <>.
  EXPECT_EQ(described("SELECT * FROM silver.orders WHERE id = 1 OR id = 2"),
            Strings({"silver.orders:"}));
  EXPECT_EQ(described("SELECT * FROM silver.orders WHERE NOT id = 1 AND id + 1 = 2 AND id = "
                      "amount AND id <> 4 AND id = now()"),
            Strings({"silver.orders:"}));
  // The nullable side of an outer join: `p.region IS NULL` keeps rows without a match.
  EXPECT_EQ(described("SELECT * FROM silver.orders o LEFT JOIN silver.orders p ON o.id = p.id "
                      "WHERE p.region IS NULL AND o.id = 3"),
            Strings({"silver.orders: id#0/1", "silver.orders:"}));
  EXPECT_EQ(described("SELECT * FROM x FULL JOIN silver.orders o ON true WHERE o.id = 3"),
            Strings({".x:", "silver.orders:"}));
  EXPECT_EQ(described("SELECT * FROM x POSITIONAL JOIN silver.orders o WHERE o.id = 3"),
            Strings({".x:", "silver.orders:"}));
  // Samples are drawn before WHERE; renamed columns; ambiguous names; outer aliases.
  EXPECT_EQ(described("SELECT * FROM silver.orders WHERE id = 3 USING SAMPLE 10"),
            Strings({"silver.orders:"}));
  EXPECT_EQ(described("SELECT * FROM silver.orders TABLESAMPLE 10% WHERE id = 3"),
            Strings({"silver.orders:"}));
  EXPECT_EQ(described("SELECT * FROM silver.orders o(a, b, c, d) WHERE a = 3"),
            Strings({"silver.orders:"}));
  EXPECT_EQ(described("SELECT * FROM silver.orders a, silver.orders b WHERE id = 3"),
            Strings({"silver.orders:", "silver.orders:"}));
  EXPECT_EQ(
      described("SELECT * FROM silver.orders o WHERE EXISTS (SELECT 1 FROM x WHERE o.id = 3)"),
      Strings({"silver.orders:", ".x:"}));
  // A filter outside the subquery that reads the table.
  EXPECT_EQ(described("SELECT * FROM (SELECT * FROM silver.orders) s WHERE s.id = 3"),
            Strings({"silver.orders:"}));
  bool analysed = true;
  scans_of("SELECT * FROM query('SELECT * FROM silver.orders') WHERE id = 3", &analysed);
  EXPECT_FALSE(analysed);
}

// --- file pruning --------------------------------------------------------------------------

iceberg::Schema orders_schema() {
  return iceberg::Schema{0,
                         {{1, "id", false, primitive(TypeId::kLong)},
                          {2, "region", false, primitive(TypeId::kString)},
                          {3, "ts", false, primitive(TypeId::kTimestampTz)},
                          {4, "amount", false, iceberg::decimal(10, 2)},
                          {5, "score", false, primitive(TypeId::kDouble)}}};
}

std::string value(const iceberg::Type& type, const std::string& text) {
  auto bytes = iceberg::single_value(type, text);
  EXPECT_TRUE(bytes) << text;
  return bytes.value_or("");
}

FilePredicate predicate(int field, PredicateOp op, std::vector<std::string> texts) {
  const iceberg::Field& f = *orders_schema().find_id(field);
  FilePredicate p{field, f.type, op, {}};
  for (const std::string& text : texts) p.values.push_back(value(f.type, text));
  return p;
}

DataFile file_with(int field, std::optional<std::string> lower, std::optional<std::string> upper,
                   int64_t nulls = 0, int64_t values = 10) {
  const iceberg::Field& f = *orders_schema().find_id(field);
  DataFile file;
  file.path = "/x.parquet";
  ColumnMetrics m;
  m.field_id = field;
  m.nulls = nulls;
  m.values = values;
  if (lower) m.lower = iceberg::lower_bound(f.type, *lower);
  if (upper) m.upper = iceberg::upper_bound(f.type, *upper);
  file.metrics.push_back(m);
  return file;
}

SkipReason skip(const DataFile& file, const FilePredicate& p,
                const iceberg::PartitionSpec& spec = {}) {
  return skip_reason(file, spec, orders_schema(), {p});
}

TEST(FilePruning, BoundsSkipFilesOutsideTheRange) {
  const DataFile file = file_with(1, "10", "20");
  const auto kSkip = SkipReason::kStatistics;
  const auto kKeep = SkipReason::kNone;
  EXPECT_EQ(skip(file, predicate(1, PredicateOp::kEq, {"5"})), kSkip);
  EXPECT_EQ(skip(file, predicate(1, PredicateOp::kEq, {"15"})), kKeep);
  EXPECT_EQ(skip(file, predicate(1, PredicateOp::kEq, {"20"})), kKeep);
  EXPECT_EQ(skip(file, predicate(1, PredicateOp::kLt, {"10"})), kSkip);
  EXPECT_EQ(skip(file, predicate(1, PredicateOp::kLe, {"10"})), kKeep);
  EXPECT_EQ(skip(file, predicate(1, PredicateOp::kGt, {"20"})), kSkip);
  EXPECT_EQ(skip(file, predicate(1, PredicateOp::kGe, {"20"})), kKeep);
  EXPECT_EQ(skip(file, predicate(1, PredicateOp::kGe, {"-30"})), kKeep);
  EXPECT_EQ(skip(file, predicate(1, PredicateOp::kIn, {"1", "2", "21"})), kSkip);
  EXPECT_EQ(skip(file, predicate(1, PredicateOp::kIn, {"1", "12"})), kKeep);
  // Null counts.
  EXPECT_EQ(skip(file, predicate(1, PredicateOp::kIsNull, {})), kSkip);
  EXPECT_EQ(skip(file, predicate(1, PredicateOp::kIsNotNull, {})), kKeep);
  const DataFile some_null = file_with(1, "10", "20", 3, 10);
  EXPECT_EQ(skip(some_null, predicate(1, PredicateOp::kIsNull, {})), kKeep);
  const DataFile all_null = file_with(1, std::nullopt, std::nullopt, 10, 10);
  EXPECT_EQ(skip(all_null, predicate(1, PredicateOp::kIsNotNull, {})), kSkip);
  EXPECT_EQ(skip(all_null, predicate(1, PredicateOp::kGe, {"0"})), kSkip);
  EXPECT_EQ(skip(all_null, predicate(1, PredicateOp::kIsNull, {})), kKeep);
  // Unknown statistics keep the file.
  DataFile unknown;
  EXPECT_EQ(skip(unknown, predicate(1, PredicateOp::kEq, {"5"})), kKeep);
  EXPECT_EQ(skip(unknown, predicate(1, PredicateOp::kIsNull, {})), kKeep);
  const DataFile no_upper = file_with(1, "10", std::nullopt);
  EXPECT_EQ(skip(no_upper, predicate(1, PredicateOp::kGt, {"1000"})), kKeep);
  EXPECT_EQ(skip(no_upper, predicate(1, PredicateOp::kLt, {"10"})), kSkip);
}

TEST(FilePruning, WidenedAndTruncatedBoundsStillBound) {
  // Written when the column was an int: 4-byte bounds, read as a long.
  DataFile file = file_with(1, std::nullopt, std::nullopt);
  file.metrics[0].lower = iceberg::lower_bound(primitive(TypeId::kInt), "-7");
  file.metrics[0].upper = iceberg::upper_bound(primitive(TypeId::kInt), "7");
  EXPECT_EQ(skip(file, predicate(1, PredicateOp::kEq, {"-7"})), SkipReason::kNone);
  EXPECT_EQ(skip(file, predicate(1, PredicateOp::kLt, {"-7"})), SkipReason::kStatistics);
  EXPECT_EQ(skip(file, predicate(1, PredicateOp::kGt, {"4294967296"})), SkipReason::kStatistics);
  // Strings: bounds cut to 16 characters (the upper one incremented) still bound the values.
  const std::string a = "aaaaaaaaaaaaaaaaaaaa-long";
  const std::string z = "aaaaaaaaaaaaaaaazzzz";
  const DataFile strings = file_with(2, a, z);
  EXPECT_EQ(skip(strings, predicate(2, PredicateOp::kEq, {a})), SkipReason::kNone);
  EXPECT_EQ(skip(strings, predicate(2, PredicateOp::kEq, {z})), SkipReason::kNone);
  EXPECT_EQ(skip(strings, predicate(2, PredicateOp::kGe, {"aaaaaaaaaaaaaaab"})), SkipReason::kNone);
  EXPECT_EQ(skip(strings, predicate(2, PredicateOp::kGe, {"aaaaaaaaaaaaaaac"})),
            SkipReason::kStatistics);
  EXPECT_EQ(skip(strings, predicate(2, PredicateOp::kLt, {"aaaa"})), SkipReason::kStatistics);
  // Bytes compare unsigned: 'é' (0xC3 0xA9) sorts after 'z'.
  const DataFile accents = file_with(2, "a", "z");
  EXPECT_EQ(skip(accents, predicate(2, PredicateOp::kEq, {"é"})), SkipReason::kStatistics);
  // Decimals by unscaled value; timestamps with zone by their UTC instant.
  const DataFile amounts = file_with(4, "-1.50", "2.25");
  EXPECT_EQ(skip(amounts, predicate(4, PredicateOp::kLt, {"-1.50"})), SkipReason::kStatistics);
  EXPECT_EQ(skip(amounts, predicate(4, PredicateOp::kLe, {"-1.50"})), SkipReason::kNone);
  EXPECT_EQ(skip(amounts, predicate(4, PredicateOp::kGt, {"2.24"})), SkipReason::kNone);
  const DataFile times = file_with(3, "2024-01-01 00:00:00+00", "2024-01-01 10:00:00+00");
  EXPECT_EQ(skip(times, predicate(3, PredicateOp::kGe, {"2024-01-01 11:00:00+02"})),
            SkipReason::kNone);  // 09:00 UTC
  EXPECT_EQ(skip(times, predicate(3, PredicateOp::kGe, {"2024-01-01 13:00:00+02"})),
            SkipReason::kStatistics);  // 11:00 UTC
}

TEST(FilePruning, DoublesPruneOnlyByNullCounts) {
  // NaN lies outside Iceberg's bounds but matches `> x` in DuckDB.
  const DataFile file = file_with(5, "1", "2");
  FilePredicate gt{5, primitive(TypeId::kDouble), PredicateOp::kGt, {std::string(8, '\0')}};
  EXPECT_EQ(skip(file, gt), SkipReason::kNone);
  EXPECT_EQ(skip(file, predicate(5, PredicateOp::kIsNull, {})), SkipReason::kStatistics);
}

iceberg::PartitionSpec spec_of(const std::string& transform, int source) {
  return iceberg::PartitionSpec{1, {{source, 1000, "p", transform}}};
}

DataFile partitioned(json partition) {
  DataFile file;
  file.path = "/p.parquet";
  file.partition_spec_id = 1;
  file.partition.push_back(std::move(partition));
  return file;
}

TEST(FilePruning, PartitionValuesSkipFilesThroughTheirTransform) {
  const auto kSkip = SkipReason::kPartition;
  const auto kKeep = SkipReason::kNone;
  // day(ts) = 19723 is 2024-01-01 (UTC).
  const auto day = spec_of("day", 3);
  const DataFile jan1 = partitioned(19723);
  EXPECT_EQ(skip(jan1, predicate(3, PredicateOp::kEq, {"2024-01-01 23:59:59+00"}), day), kKeep);
  EXPECT_EQ(skip(jan1, predicate(3, PredicateOp::kEq, {"2024-01-02 00:30:00+01"}), day), kKeep);
  EXPECT_EQ(skip(jan1, predicate(3, PredicateOp::kEq, {"2024-01-02 00:00:00+00"}), day), kSkip);
  EXPECT_EQ(skip(jan1, predicate(3, PredicateOp::kGe, {"2024-01-01 12:00:00+00"}), day), kKeep);
  EXPECT_EQ(skip(jan1, predicate(3, PredicateOp::kGe, {"2024-01-02 00:00:00+00"}), day), kSkip);
  EXPECT_EQ(skip(jan1, predicate(3, PredicateOp::kLt, {"2023-12-31 23:00:00+00"}), day), kSkip);
  EXPECT_EQ(skip(jan1, predicate(3, PredicateOp::kLt, {"2024-01-01 00:00:00+00"}), day), kKeep);
  EXPECT_EQ(skip(jan1, predicate(3, PredicateOp::kIsNull, {}), day), kSkip);
  const DataFile nulls = partitioned(nullptr);
  EXPECT_EQ(skip(nulls, predicate(3, PredicateOp::kIsNull, {}), day), kKeep);
  EXPECT_EQ(skip(nulls, predicate(3, PredicateOp::kGe, {"1970-01-01 00:00:00+00"}), day), kSkip);
  // month and year, before the epoch too (floored).
  EXPECT_EQ(skip(partitioned(648), predicate(3, PredicateOp::kEq, {"2023-12-31 23:00:00+00"}),
                 spec_of("month", 3)),
            kSkip);
  EXPECT_EQ(skip(partitioned(648), predicate(3, PredicateOp::kEq, {"2023-12-31 23:00:00-01"}),
                 spec_of("month", 3)),
            kKeep);
  EXPECT_EQ(skip(partitioned(-1), predicate(3, PredicateOp::kEq, {"1969-12-31 23:00:00+00"}),
                 spec_of("year", 3)),
            kKeep);
  EXPECT_EQ(skip(partitioned(-1), predicate(3, PredicateOp::kEq, {"1969-12-31 23:00:00+00"}),
                 spec_of("hour", 3)),
            kKeep);
  // identity, truncate and bucket.
  EXPECT_EQ(
      skip(partitioned("eu"), predicate(2, PredicateOp::kIn, {"us", "eu"}), spec_of("identity", 2)),
      kKeep);
  EXPECT_EQ(skip(partitioned("eu"), predicate(2, PredicateOp::kIn, {"us", "apac"}),
                 spec_of("identity", 2)),
            kSkip);
  EXPECT_EQ(
      skip(partitioned(-10), predicate(1, PredicateOp::kEq, {"-1"}), spec_of("truncate[10]", 1)),
      kKeep);
  EXPECT_EQ(
      skip(partitioned(-10), predicate(1, PredicateOp::kGe, {"0"}), spec_of("truncate[10]", 1)),
      kSkip);
  EXPECT_EQ(
      skip(partitioned("ab"), predicate(2, PredicateOp::kLt, {"abc"}), spec_of("truncate[2]", 2)),
      kKeep);
  EXPECT_EQ(
      skip(partitioned("ab"), predicate(2, PredicateOp::kGt, {"b"}), spec_of("truncate[2]", 2)),
      kSkip);
  const int32_t bucket = iceberg::bucket_of(iceberg::hash_long(34), 16);
  const auto buckets = spec_of("bucket[16]", 1);
  EXPECT_EQ(skip(partitioned(bucket), predicate(1, PredicateOp::kEq, {"34"}), buckets), kKeep);
  EXPECT_EQ(skip(partitioned((bucket + 1) % 16), predicate(1, PredicateOp::kEq, {"34"}), buckets),
            kSkip);
  // A bucket tells nothing about ranges.
  EXPECT_EQ(skip(partitioned((bucket + 1) % 16), predicate(1, PredicateOp::kGe, {"34"}), buckets),
            kKeep);
  // A field of another column, or a partition tuple that does not fit the spec, tells nothing.
  EXPECT_EQ(skip(jan1, predicate(1, PredicateOp::kEq, {"34"}), day), kKeep);
  EXPECT_EQ(skip(jan1, predicate(3, PredicateOp::kEq, {"2030-01-01 00:00:00+00"}), {}), kKeep);
}

// --- attach_for_query ------------------------------------------------------------------------

class QueryPruning : public test::LakeFixture {};

TEST_F(QueryPruning, AttachesOnlyTheFilesAQueryCanRead) {
  const TableName t{"silver", "events"};
  lake.append(connection, t,
              "SELECT 1::BIGINT AS id, 'eu' AS region, TIMESTAMPTZ '2024-01-01 10:00:00+00' AS ts");
  lake.set_partition_spec(t, "day(ts)");
  for (int day = 2; day <= 5; ++day) {
    lake.append(connection, t,
                "SELECT (i + " + std::to_string(day * 100) +
                    ")::BIGINT AS id, 'r' || (i % 3) AS "
                    "region, TIMESTAMPTZ '2024-01-0" +
                    std::to_string(day) +
                    " 10:00:00+00' + i * INTERVAL 1 MINUTE AS ts FROM range(10) r(i)");
  }
  lake.attach_all(connection);
  const auto count = [&](const std::string& where) {
    return std::get<int64_t>(
        connection.query("SELECT count(*) FROM silver.events WHERE " + where).scalar());
  };
  connection.execute("SET TimeZone = 'UTC'");
  const std::string sql =
      "SELECT count(*) FROM silver.events WHERE ts >= '2024-01-04' AND id < 1000";
  auto reports = attach_for_query(lake, connection, sql);
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].files, 5u);
  EXPECT_EQ(reports[0].read, 2u);
  EXPECT_EQ(reports[0].skipped_by_partition, 2u);   // days 2 and 3
  EXPECT_EQ(reports[0].skipped_by_statistics, 1u);  // the unpartitioned first file, by bounds
  EXPECT_EQ(count("ts >= '2024-01-04' AND id < 1000"), 20);
  // The session's time zone reads the literal as the query does. Day 3's rows are 10:00-10:09
  // UTC: in UTC, 20:05 is after all of them (its file is skipped by its bounds); in Brisbane
  // (+10:00) 20:05 is 10:05 UTC, so the file holds matching rows.
  const std::string evening = "ts >= '2024-01-03 20:05:00'";
  lake.attach_all(connection);
  reports = attach_for_query(lake, connection, "SELECT * FROM silver.events WHERE " + evening);
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].read, 2u);
  EXPECT_EQ(count(evening), 20);
  lake.attach_all(connection);
  connection.execute("SET TimeZone = 'Australia/Brisbane'");
  reports = attach_for_query(lake, connection, "SELECT * FROM silver.events WHERE " + evening);
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].read, 3u);
  EXPECT_EQ(count(evening), 25);
  // Through a view or with no usable predicate: nothing is pruned.
  lake.attach_all(connection);
  lake.create_or_replace_view(connection, {"gold", "v"}, "SELECT * FROM silver.events");
  EXPECT_TRUE(attach_for_query(lake, connection,
                               "SELECT * FROM gold.v JOIN silver.events e "
                               "USING (id) WHERE e.id = 1")
                  .empty());
  EXPECT_TRUE(
      attach_for_query(lake, connection, "SELECT * FROM silver.events WHERE id + 0 = 1").empty());
  // A constant whose cast is not the comparison's (an int column against 2.5) prunes nothing.
  EXPECT_TRUE(
      attach_for_query(lake, connection, "SELECT * FROM silver.events WHERE id > 2.5").empty());
  reports = attach_for_query(lake, connection, "SELECT * FROM silver.events WHERE id > 2.0");
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].read, 4u);
}

}  // namespace
}  // namespace strata::lake
