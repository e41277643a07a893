// Lake tables read back by an independent Iceberg reader: DuckDB's iceberg extension, which knows
// nothing of strata's catalog and reads only the metadata files strata wrote.
#include <gtest/gtest.h>

#include <filesystem>
#include <set>

#include "core/error.hpp"
#include "engine/database.hpp"
#include "lake/avro.hpp"
#include "lake/file_io.hpp"
#include "lake/iceberg_manifest.hpp"
#include "lake/table_store.hpp"
#include "test_support.hpp"

namespace strata::lake {
namespace {

using engine::quote_literal;
using nlohmann::json;

class IcebergTableTest : public ::testing::Test {
 protected:
  void SetUp() override { c.execute("LOAD iceberg"); }

  std::string metadata_location(const TableName& t) {
    return store->find_table(t)->metadata_location;
  }
  json metadata_json(const TableName& t) { return json::parse(read_file(metadata_location(t))); }
  std::string iceberg_scan(const TableName& t, const std::string& extra = "") {
    return "iceberg_scan(" + quote_literal(metadata_location(t)) + extra + ")";
  }
  int64_t count(const std::string& relation) {
    return std::get<int64_t>(c.query("SELECT count(*) FROM " + relation).scalar());
  }
  // Rows of `a` and `b` (projected to `columns`) as JSON text, compared as multisets.
  void expect_same_rows(const std::string& a, const std::string& b, const std::string& columns) {
    const std::string sql_a =
        "SELECT to_json(r)::VARCHAR FROM (SELECT " + columns + " FROM " + a + ") r";
    const std::string sql_b =
        "SELECT to_json(r)::VARCHAR FROM (SELECT " + columns + " FROM " + b + ") r";
    EXPECT_EQ(count("(" + sql_a + ")"), count("(" + sql_b + ")"));
    EXPECT_EQ(count("((" + sql_a + " EXCEPT ALL " + sql_b + ") UNION ALL (" + sql_b +
                    " EXCEPT ALL " + sql_a + "))"),
              0)
        << a << " differs from " << b;
  }

  test::TempDir dir;
  std::unique_ptr<MetadataStore> store = open_sqlite_metastore(dir / "catalog.db");
  Lake lake{dir / "lake", *store};
  engine::Database db;
  engine::Connection c = db.connect();
};

constexpr const char* kTypedRows =
    "SELECT i::INTEGER AS id, (i * 1000000007)::BIGINT AS big, (i / 7)::DECIMAL(12,3) AS amount, "
    "(i * 1.5)::DECIMAL(38,6) AS wide, i / 3 AS ratio, (i / 3)::FLOAT AS ratio32, i % 2 = 0 AS "
    "even, "
    "CASE WHEN i % 5 = 0 THEN NULL ELSE 'name ' || i END AS name, "
    "DATE '2021-12-01' + i::INTEGER AS day, TIME '07:00:00' + INTERVAL (i) SECOND AS at_time, "
    "TIMESTAMP '2021-12-25 07:00:00' + INTERVAL (i) MINUTE AS local_ts, "
    "TIMESTAMPTZ '2021-12-25 07:00:00+01' + INTERVAL (i) HOUR AS ts, "
    "('00000000-0000-4000-8000-' || lpad(i::VARCHAR, 12, '0'))::UUID AS uid, "
    "('\\x00\\xFF' || i::VARCHAR)::BLOB AS raw, "
    "{'title': 'book ' || i, 'rating': (i % 5)::TINYINT, 'tags': ['a', 'b' || i]} AS doc, "
    "[i, i + 1, NULL] AS numbers, MAP {'k' || i: i::DOUBLE} AS attrs, i::UTINYINT AS small "
    "FROM range(";

constexpr const char* kTypedColumns =
    "id, big, amount, wide, ratio, ratio32, even, name, day, at_time, local_ts, ts, uid, raw, doc, "
    "numbers, attrs, small";

TEST_F(IcebergTableTest, IcebergExtensionReadsExactlyWhatStrataWrote) {
  const TableName t{"bronze", "typed"};
  lake.append(c, t, std::string(kTypedRows) + "0, 100) t(i)");
  lake.append(c, t, std::string(kTypedRows) + "100, 250) t(i)");
  lake.attach(c, t);
  expect_same_rows("bronze.typed", iceberg_scan(t), kTypedColumns);
  EXPECT_EQ(count(iceberg_scan(t)), 250);
  // The table's directory works too, through metadata/version-hint.text.
  const std::string table_dir = lake.table_location(t).string();
  EXPECT_EQ(count("iceberg_scan(" + quote_literal(table_dir) + ")"), 250);
  const std::string hint = read_file(table_dir + "/metadata/version-hint.text");
  EXPECT_EQ(std::filesystem::path(metadata_location(t)).filename().string(),
            hint + ".metadata.json");
}

TEST_F(IcebergTableTest, MetadataDescribesSnapshotsAndOverwritesAsTheSpecSays) {
  const TableName t{"silver", "numbers"};
  const int64_t s1 = lake.append(c, t, "SELECT range AS n FROM range(100)");
  const std::string v1 = metadata_location(t);
  const int64_t s2 = lake.append(c, t, "SELECT range AS n FROM range(100, 150)");
  const std::string v2 = metadata_location(t);
  const int64_t s3 = lake.overwrite(c, t, "SELECT 42 AS n");
  const json m = metadata_json(t);

  EXPECT_EQ(m["format-version"], 2);
  EXPECT_EQ(m["location"], lake.table_location(t).string());
  EXPECT_EQ(m["table-uuid"].get<std::string>().size(), 36u);
  EXPECT_EQ(m["last-sequence-number"], 3);
  EXPECT_EQ(m["current-snapshot-id"], s3);
  EXPECT_EQ(m["refs"]["main"]["snapshot-id"], s3);
  EXPECT_EQ(m["refs"]["main"]["type"], "branch");
  EXPECT_EQ(m["default-spec-id"], 0);
  EXPECT_EQ(m["partition-specs"][0]["fields"], json::array());
  EXPECT_EQ(m["last-partition-id"], 999);
  EXPECT_EQ(m["sort-orders"][0]["order-id"], 0);
  EXPECT_EQ(m["last-column-id"], 1);
  EXPECT_EQ(m["schemas"].size(), 1u);  // the same schema, reused
  EXPECT_EQ(m["schemas"][0]["fields"][0]["type"], "long");
  ASSERT_EQ(m["snapshots"].size(), 3u);
  const json& snapshots = m["snapshots"];
  EXPECT_EQ(snapshots[0]["snapshot-id"], s1);
  EXPECT_FALSE(snapshots[0].contains("parent-snapshot-id"));
  EXPECT_EQ(snapshots[1]["parent-snapshot-id"], s1);
  EXPECT_EQ(snapshots[2]["parent-snapshot-id"], s2);
  EXPECT_EQ(snapshots[2]["sequence-number"], 3);
  EXPECT_EQ(snapshots[1]["summary"]["operation"], "append");
  EXPECT_EQ(snapshots[1]["summary"]["total-records"], "150");
  EXPECT_EQ(snapshots[1]["summary"]["total-data-files"], "2");
  const json& overwrite = snapshots[2]["summary"];
  EXPECT_EQ(overwrite["operation"], "overwrite");
  EXPECT_EQ(overwrite["added-records"], "1");
  EXPECT_EQ(overwrite["deleted-records"], "150");
  EXPECT_EQ(overwrite["deleted-data-files"], "2");
  EXPECT_EQ(overwrite["total-records"], "1");
  EXPECT_EQ(overwrite["total-data-files"], "1");
  EXPECT_EQ(m["snapshot-log"].size(), 3u);
  ASSERT_EQ(m["metadata-log"].size(), 2u);
  EXPECT_EQ(m["metadata-log"][0]["metadata-file"], v1);
  EXPECT_EQ(m["metadata-log"][1]["metadata-file"], v2);
  EXPECT_EQ(std::filesystem::path(metadata_location(t)).filename().string().substr(0, 7),
            "v00003-");

  // The overwrite's manifest list: the new file, and the two old ones marked deleted with the
  // sequence numbers they were added with.
  const auto manifests =
      iceberg::read_manifest_list(snapshots[2]["manifest-list"].get<std::string>());
  ASSERT_EQ(manifests.size(), 2u);
  EXPECT_EQ(manifests[0].added_files, 1);
  EXPECT_EQ(manifests[1].deleted_files, 2);
  EXPECT_EQ(manifests[1].deleted_rows, 150);
  const auto deleted = iceberg::read_manifest(manifests[1]);
  ASSERT_EQ(deleted.size(), 2u);
  EXPECT_EQ(deleted[0].status, iceberg::EntryStatus::kDeleted);
  EXPECT_EQ(deleted[0].snapshot_id, s3);
  std::set<int64_t> sequences{*deleted[0].sequence_number, *deleted[1].sequence_number};
  EXPECT_EQ(sequences, (std::set<int64_t>{1, 2}));
  EXPECT_EQ(deleted[0].file_sequence_number, deleted[0].sequence_number);

  // Iceberg readers and strata agree on every snapshot.
  EXPECT_EQ(count(iceberg_scan(t)), 1);
  lake.attach_at(c, t, s2, "numbers_at_s2");
  EXPECT_EQ(count("numbers_at_s2"), 150);
  expect_same_rows("numbers_at_s2", iceberg_scan(t, ", snapshot_from_id => " + std::to_string(s2)),
                   "n");
  lake.attach_at(c, t, s1, "numbers_at_s1");
  expect_same_rows("numbers_at_s1", iceberg_scan(t, ", snapshot_from_id => " + std::to_string(s1)),
                   "n");
  try {
    lake.attach_at(c, t, 12345, "nowhere");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInput);
  }
}

TEST_F(IcebergTableTest, ManifestsCarryFieldIdsSchemaAndColumnStatistics) {
  const TableName t{"bronze", "stats"};
  lake.append(c, t,
              "SELECT range::INTEGER AS n, CASE WHEN range = 3 THEN NULL ELSE 'v' || range END AS "
              "s, [range] AS l FROM range(10)");
  const json m = metadata_json(t);
  const auto manifests =
      iceberg::read_manifest_list(m["snapshots"][0]["manifest-list"].get<std::string>());
  ASSERT_EQ(manifests.size(), 1u);
  const avro::ContainerFile file =
      avro::read_container(read_file(manifests[0].path), manifests[0].path);
  EXPECT_EQ(file.metadata.at("format-version"), "2");
  EXPECT_EQ(file.metadata.at("content"), "data");
  EXPECT_EQ(file.metadata.at("partition-spec"), "[]");
  EXPECT_EQ(file.metadata.at("partition-spec-id"), "0");
  EXPECT_EQ(json::parse(file.metadata.at("schema")), m["schemas"][0]);  // Iceberg JSON, not Avro
  EXPECT_NE(file.metadata.at("avro.schema").find("\"field-id\":134"), std::string::npos);

  const auto entries = iceberg::read_manifest(manifests[0]);
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].status, iceberg::EntryStatus::kAdded);
  EXPECT_EQ(entries[0].file.rows, 10u);
  EXPECT_EQ(entries[0].file.bytes, std::filesystem::file_size(entries[0].file.path));
  std::map<int, ColumnMetrics> by_id;
  for (const ColumnMetrics& metric : entries[0].file.metrics) by_id[metric.field_id] = metric;
  EXPECT_EQ(by_id[1].values, 10);
  EXPECT_EQ(by_id[1].nulls, 0);
  EXPECT_EQ(by_id[1].lower, std::string("\x00\x00\x00\x00", 4));
  EXPECT_EQ(by_id[1].upper, std::string("\x09\x00\x00\x00", 4));
  EXPECT_EQ(by_id[2].nulls, 1);
  EXPECT_EQ(by_id[2].lower, "v0");
  EXPECT_EQ(by_id[2].upper, "v9");
  EXPECT_TRUE(by_id[4].size_bytes.has_value());  // l.element: only its size
  EXPECT_FALSE(by_id[4].values.has_value());
  EXPECT_FALSE(by_id[4].lower.has_value());

  // The extension prunes with these bounds and still finds the row.
  EXPECT_EQ(count(iceberg_scan(t) + " WHERE n = 7"), 1);
  EXPECT_EQ(count(iceberg_scan(t) + " WHERE n = 70"), 0);
}

TEST_F(IcebergTableTest, SchemaEvolvesByFieldIdAndReadersFollow) {
  const TableName t{"bronze", "evolving"};
  const int64_t first = lake.append(c, t, "SELECT 1::INTEGER AS a, {'x': 1} AS s");
  lake.append(c, t, "SELECT 2::BIGINT AS a, {'x': 2, 'y': 'new'} AS s, 'b' AS b");
  const json m = metadata_json(t);
  EXPECT_EQ(m["schemas"].size(), 2u);
  EXPECT_EQ(m["current-schema-id"], 1);
  EXPECT_EQ(m["last-column-id"], 5);
  EXPECT_EQ(m["schemas"][1]["fields"][0]["type"], "long");  // a widened, same id
  EXPECT_EQ(m["schemas"][1]["fields"][0]["id"], 1);
  EXPECT_EQ(m["snapshots"][0]["schema-id"], 0);
  EXPECT_EQ(m["snapshots"][1]["schema-id"], 1);
  auto rows = c.query("SELECT a, s.y, b FROM " + iceberg_scan(t) + " ORDER BY a").fetch_all();
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(std::get<int64_t>(rows[0][0]), 1);
  EXPECT_TRUE(std::holds_alternative<std::monostate>(rows[0][1]));
  EXPECT_TRUE(std::holds_alternative<std::monostate>(rows[0][2]));
  EXPECT_EQ(std::get<std::string>(rows[1][1]), "new");

  // A change that is not a widening is refused and commits nothing.
  const int64_t before = store->find_table(t)->current_snapshot;
  try {
    lake.append(c, t, "SELECT 'text' AS a");
    FAIL() << "expected a conflict";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kConflict);
    EXPECT_EQ(e.where().object, "bronze.evolving");
    EXPECT_NE(e.message().find("column 'a'"), std::string::npos);
  }
  EXPECT_EQ(store->find_table(t)->current_snapshot, before);
  EXPECT_NE(first, before);
}

TEST_F(IcebergTableTest, CommitsBuildOnTheVersionCurrentAtCommitTime) {
  const TableName t{"bronze", "shared"};
  lake.append(c, t, "SELECT 1 AS id");
  // Two writers write files against the same version; the second commits on top of the first.
  WriteResult mine = lake.write_files(c, t, "SELECT 2 AS id, 'm' AS mine");
  WriteResult theirs = lake.write_files(c, t, "SELECT 3 AS id");
  Commit their_commit;
  their_commit.tables.push_back({.table = t, .added_files = theirs.files});
  lake.commit(their_commit);
  Commit my_commit;
  my_commit.tables.push_back({.table = t, .added_files = mine.files});
  lake.commit(my_commit);
  EXPECT_EQ(count(iceberg_scan(t)), 3);
  EXPECT_EQ(metadata_json(t)["snapshots"].size(), 3u);

  // Files whose new column took an id another writer has since given to a different column
  // cannot be committed.
  WriteResult stale = lake.write_files(c, t, "SELECT 4 AS id, 'x' AS other");
  lake.append(c, t, "SELECT 5 AS id, 'y' AS third");  // takes the id `other` was planned with
  Commit stale_commit;
  stale_commit.tables.push_back({.table = t, .added_files = stale.files});
  try {
    lake.commit(stale_commit);
    FAIL() << "expected a conflict";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kConflict);
  }
  // An expected snapshot that is no longer current fails rather than building on the new one.
  Commit expecting;
  expecting.tables.push_back(
      {.table = t, .expected_snapshot = int64_t{1}, .added_files = mine.files});
  EXPECT_THROW(lake.commit(expecting), Error);
  EXPECT_EQ(count(iceberg_scan(t)), 4);
}

}  // namespace
}  // namespace strata::lake
