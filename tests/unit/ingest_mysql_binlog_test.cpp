// The MySQL binary log decoding (ingest/mysql_binlog.hpp, ingest/mysql_binlog_values.hpp) on byte
// strings built here by hand from the event and value formats: checksummed events, DECIMAL's
// binary form, the MySQL 5.6 temporal formats, MySQL's binary JSON (which MariaDB, the server of
// the end-to-end tests, does not write) and a row image with NULLs. Reading a real server's log is
// tested end to end in tests/e2e/test_mysql_cdc.py.
#include <gtest/gtest.h>

#include <string>

#include "core/error.hpp"
#include "ingest/mysql_binlog.hpp"
#include "ingest/mysql_binlog_values.hpp"

namespace strata::ingest::mysql {
namespace {

std::string bytes(std::initializer_list<int> values) {
  std::string out;
  for (int v : values) out.push_back(static_cast<char>(v));
  return out;
}

std::string be(uint64_t value, int size) {
  std::string out;
  for (int i = size - 1; i >= 0; --i) out.push_back(static_cast<char>((value >> (8 * i)) & 0xff));
  return out;
}

std::string le(uint64_t value, int size) {
  std::string out;
  put_uint_le(out, value, static_cast<size_t>(size));
  return out;
}

// An event: the 19-byte header, the body, and its CRC32 when `checksum`.
std::string event(uint8_t type, const std::string& body, bool checksum, uint32_t next = 0) {
  std::string out = le(0, 4) + std::string(1, static_cast<char>(type)) + le(1, 4) +
                    le(19 + body.size() + (checksum ? 4 : 0), 4) + le(next, 4) + le(0, 2) + body;
  if (checksum) out += le(binlog_crc32(out), 4);
  return out;
}

std::string format_description() {
  std::string body = le(4, 2) + std::string(50, '\0') + le(0, 4) + std::string(1, 19);
  body += std::string(40, '\x08');  // post-header lengths
  body += std::string(1, 1);        // CRC32
  return event(15, body, true);
}

TEST(MysqlBinlog, ChecksumsAreCheckedOnceTheFormatSaysSo) {
  EventReader reader;
  reader.read(format_description(), "log.000001:4");
  EXPECT_EQ(reader.post_header_length(19), 8u);
  std::string xid = event(16, le(42, 8), true, 500);
  const Event e = reader.read(xid, "log.000001:400");
  EXPECT_EQ(e.header.next_position, 500u);
  EXPECT_EQ(e.body.size(), 8u);  // the checksum is cut off
  xid[20] ^= 1;
  try {
    reader.read(xid, "log.000001:400");
    FAIL() << "a corrupted event was accepted";
  } catch (const Error& error) {
    EXPECT_NE(error.message().find("CRC32"), std::string::npos) << error.message();
    EXPECT_NE(error.message().find("log.000001:400"), std::string::npos) << error.message();
  }
}

TEST(MysqlBinlog, RotateAndTruncatedEvents) {
  EventReader reader;
  const std::string raw = event(4, le(4, 8) + "log.000002", false);  // events view their bytes
  const Event e = reader.read(raw, "log.000001:900");
  const Rotate rotate = parse_rotate(e, "log.000001:900");
  EXPECT_EQ(rotate.file, "log.000002");
  EXPECT_EQ(rotate.position, 4u);
  std::string short_event = event(16, le(42, 8), false);
  short_event.resize(short_event.size() - 3);
  EXPECT_THROW(reader.read(short_event, "log.000001:950"), Error);
}

TEST(MysqlBinlog, DecimalBinaryForm) {
  // DECIMAL(14,4): 1234567890.1234 and its negative, as MySQL's documentation shows them.
  const std::string positive = bytes({0x81, 0x0D, 0xFB, 0x38, 0xD2, 0x04, 0xD2});
  ByteReader a(positive, "a value");
  EXPECT_EQ(decode_decimal(a, 14, 4), "1234567890.1234");
  const std::string negative = bytes({0x7E, 0xF2, 0x04, 0xC7, 0x2D, 0xFB, 0x2D});
  ByteReader b(negative, "a value");
  EXPECT_EQ(decode_decimal(b, 14, 4), "-1234567890.1234");
  const std::string zero = bytes({0x80, 0x00, 0x00});  // DECIMAL(5,2) 0.00
  ByteReader c(zero, "a value");
  EXPECT_EQ(decode_decimal(c, 5, 2), "0.00");
}

TEST(MysqlBinlog, BinaryJsonToText) {
  // {"a": 1, "b": [true, "x"]}: a small object with an inlined int16 and a small array holding
  // an inlined literal and a string.
  std::string array = le(2, 2) + le(12, 2) + bytes({0x04}) + le(1, 2) + bytes({0x0c}) + le(10, 2) +
                      bytes({1}) + "x";
  std::string object = le(2, 2) + le(20 + array.size(), 2) + le(18, 2) + le(1, 2) + le(19, 2) +
                       le(1, 2) + bytes({0x05}) + le(1, 2) + bytes({0x02}) + le(20, 2) + "ab" +
                       array;
  EXPECT_EQ(binary_json_to_text(bytes({0x00}) + object, "doc"), R"({"a":1,"b":[true,"x"]})");
  EXPECT_EQ(binary_json_to_text(bytes({0x0c, 3}) + "q\"\n", "doc"), R"("q\"\u000a")");
  EXPECT_EQ(binary_json_to_text(bytes({0x09}) + le(static_cast<uint64_t>(-5), 8), "doc"), "-5");
  EXPECT_THROW(binary_json_to_text(bytes({0x0f, 10, 0}), "doc"), Error);  // opaque
}

TEST(MysqlBinlog, RowImageWithTemporalValuesAndNulls) {
  TableMap map;
  map.types = {3, 15, 18, 19, 17, 246, 254, 1};  // INT, VARCHAR, DATETIME2, TIME2, TIMESTAMP2,
                                                 // DECIMAL, CHAR/ENUM, TINYINT UNSIGNED
  map.metadata = {0, 100, 3, 0, 6, (5 << 8) | 2, (247 << 8) | 1, 0};
  std::vector<ColumnInfo> columns(8);
  columns[6].elements = {"red", "green"};
  columns[7].is_unsigned = true;
  const uint64_t ymd = ((2024ULL * 13 + 1) << 5) | 2;
  const uint64_t datetime = ((ymd << 17) | (3 << 12) | (4 << 6) | 5) + 0x8000000000ULL;
  const uint64_t time = ((12ULL << 12) | (34 << 6) | 56) + 0x800000ULL;
  std::string image = bytes({0x02});           // the second column is NULL
  image += le(static_cast<uint32_t>(-7), 4);   // INT -7
  image += be(datetime, 5) + be(6780, 2);      // 2024-01-02 03:04:05.678
  image += be(time, 3);                        // 12:34:56
  image += be(1700000000, 4) + be(123456, 3);  // a TIMESTAMP(6), UTC
  image += bytes({0x80, 0x66, 0x2D});          // DECIMAL(5,2) 102.45
  image += bytes({0x02});                      // ENUM index 2
  image += bytes({0xFF});                      // 255 unsigned
  ByteReader reader(image, "an image");
  const TextRow row = decode_row_image(reader, map, std::vector<bool>(8, true), columns, "here");
  EXPECT_TRUE(reader.at_end());
  EXPECT_EQ(row[0], "-7");
  EXPECT_FALSE(row[1].has_value());
  EXPECT_EQ(row[2], "2024-01-02 03:04:05.678");
  EXPECT_EQ(row[3], "12:34:56");
  EXPECT_EQ(row[4], "2023-11-14 22:13:20.123456");
  EXPECT_EQ(row[5], "102.45");
  EXPECT_EQ(row[6], "green");
  EXPECT_EQ(row[7], "255");
}

}  // namespace
}  // namespace strata::ingest::mysql
