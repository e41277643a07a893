#include <gtest/gtest.h>

#include "core/error.hpp"
#include "engine/database.hpp"
#include "lake/avro.hpp"
#include "lake/file_io.hpp"
#include "test_support.hpp"

namespace strata::lake::avro {
namespace {

using nlohmann::json;

std::string encoded(void (*write)(Encoder&)) {
  Encoder e;
  write(e);
  return e.data();
}

TEST(Avro, EncodesZigzagVarintsStringsAndBlocks) {
  EXPECT_EQ(encoded([](Encoder& e) { e.int64(0); }), std::string("\x00", 1));
  EXPECT_EQ(encoded([](Encoder& e) { e.int64(-1); }), "\x01");
  EXPECT_EQ(encoded([](Encoder& e) { e.int64(1); }), "\x02");
  EXPECT_EQ(encoded([](Encoder& e) { e.int64(-64); }), "\x7f");
  EXPECT_EQ(encoded([](Encoder& e) { e.int64(64); }), "\x80\x01");
  EXPECT_EQ(encoded([](Encoder& e) { e.int64(INT64_MIN); }),
            "\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01");
  EXPECT_EQ(encoded([](Encoder& e) { e.string("foo"); }),
            "\x06"
            "foo");
  EXPECT_EQ(encoded([](Encoder& e) { e.boolean(true); }), "\x01");
  EXPECT_EQ(encoded([](Encoder& e) { e.float64(1.0); }),
            std::string("\x00\x00\x00\x00\x00\x00\xf0\x3f", 8));
  // An array of two longs: a block of 2, the items, then the empty block that ends it.
  EXPECT_EQ(encoded([](Encoder& e) {
              e.begin_items(2);
              e.int64(1);
              e.int64(2);
              e.end_items();
            }),
            std::string("\x04\x02\x04\x00", 4));
  EXPECT_EQ(encoded([](Encoder& e) {
              e.begin_items(0);
              e.end_items();
            }),
            std::string("\x00", 1));
}

const json& test_schema() {
  static const json schema = json::parse(R"({
    "type": "record", "name": "row", "fields": [
      {"name": "id", "type": "long", "field-id": 1},
      {"name": "name", "type": "string", "field-id": 2},
      {"name": "blob", "type": ["null", "bytes"], "default": null, "field-id": 3},
      {"name": "counts", "type": {"type": "array", "logicalType": "map", "items":
        {"type": "record", "name": "k4_v5", "fields": [
          {"name": "key", "type": "int", "field-id": 4},
          {"name": "value", "type": "long", "field-id": 5}]}}, "field-id": 6},
      {"name": "ratio", "type": "double", "field-id": 7}
    ]})");
  return schema;
}

std::string write_rows(int count) {
  FileWriter writer(test_schema(), {{"purpose", "test"}});
  for (int i = 0; i < count; ++i) {
    Encoder& e = writer.encoder();
    e.int64(i * 1000003LL);
    e.string("row " + std::to_string(i));
    if (i % 2) {
      e.branch(0);
    } else {
      e.branch(1);
      e.bytes(std::string("\x00\xff", 2));
    }
    e.begin_items(2);
    for (int k = 0; k < 2; ++k) {
      e.int32(k);
      e.int64(i + k);
    }
    e.end_items();
    e.float64(i / 4.0);
    writer.end_record();
  }
  return writer.finish();
}

TEST(Avro, ContainerFilesRoundTripThroughOurReader) {
  const std::string bytes = write_rows(3);
  EXPECT_EQ(bytes.substr(0, 4), std::string("Obj\x01", 4));
  ContainerFile file = read_container(bytes, "test.avro");
  EXPECT_EQ(file.metadata["purpose"], "test");
  EXPECT_EQ(file.metadata["avro.codec"], "null");
  EXPECT_EQ(file.schema, test_schema());  // field-id attributes kept in the embedded schema
  ASSERT_EQ(file.records.size(), 3u);
  EXPECT_EQ(file.records[2]["id"], 2000006);
  EXPECT_EQ(file.records[1]["name"], "row 1");
  EXPECT_TRUE(file.records[1]["blob"].is_null());
  EXPECT_EQ(binary_text(file.records[0]["blob"]), std::string("\x00\xff", 2));
  EXPECT_EQ(file.records[2]["counts"][1]["value"], 3);
  EXPECT_DOUBLE_EQ(file.records[2]["ratio"].get<double>(), 0.5);
}

TEST(Avro, ContainerFilesReadByDuckDbsAvroExtension) {
  test::TempDir dir;
  const std::string path = (dir / "rows.avro").string();
  write_file(path, write_rows(5000));
  engine::Database db;
  engine::Connection c = db.connect();
  c.execute("LOAD avro");
  auto rows = c.query(
                   "SELECT count(*), sum(id)::DOUBLE, count(blob), min(name), max(ratio), "
                   "sum(counts[1])::DOUBLE FROM read_avro(" +
                   engine::quote_literal(path) + ")")
                  .fetch_all();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(std::get<int64_t>(rows[0][0]), 5000);
  EXPECT_EQ(std::get<double>(rows[0][1]), 1000003.0 * 4999 * 5000 / 2);
  EXPECT_EQ(std::get<int64_t>(rows[0][2]), 2500);
  EXPECT_EQ(std::get<std::string>(rows[0][3]), "row 0");
  EXPECT_DOUBLE_EQ(std::get<double>(rows[0][4]), 4999 / 4.0);
  EXPECT_EQ(std::get<double>(rows[0][5]), 4999.0 * 5000 / 2 + 5000);
}

TEST(Avro, CorruptFilesAreStorageErrorsNamingTheFile) {
  const std::string bytes = write_rows(2);
  for (const std::string& broken : {std::string("not avro"), bytes.substr(0, bytes.size() - 5),
                                    bytes.substr(0, bytes.size() - 16) + std::string(16, 'x')}) {
    try {
      read_container(broken, "/lake/m.avro");
      FAIL() << "expected an error";
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::kStorage);
      EXPECT_EQ(e.where().file, "/lake/m.avro");
    }
  }
}

}  // namespace
}  // namespace strata::lake::avro
