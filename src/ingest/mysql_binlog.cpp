#include "ingest/mysql_binlog.hpp"

#include <zlib.h>

#include <cstdio>

#include "core/text.hpp"

namespace strata::ingest::mysql {

namespace {

constexpr size_t kHeaderLength = 19;
constexpr size_t kChecksumLength = 4;
constexpr uint8_t kChecksumCrc32 = 1;

std::string in_log(const std::string& what, const std::string& where) {
  return what + " at binlog position " + where;
}

std::vector<bool> bitmap(ByteReader& reader, uint64_t bits) {
  const std::string_view bytes = reader.bytes((bits + 7) / 8);
  std::vector<bool> out(bits);
  for (uint64_t i = 0; i < bits; ++i) {
    out[i] = (static_cast<uint8_t>(bytes[i / 8]) >> (i % 8)) & 1;
  }
  return out;
}

}  // namespace

uint32_t binlog_crc32(std::string_view bytes) {
  return static_cast<uint32_t>(
      crc32(0L, reinterpret_cast<const Bytef*>(bytes.data()), static_cast<uInt>(bytes.size())));
}

Event EventReader::read(std::string_view raw, const std::string& where) {
  ByteReader reader(raw, in_log("an event", where));
  Event event;
  event.header.timestamp = static_cast<uint32_t>(reader.uint_le(4));
  event.header.type = reader.u8();
  event.header.server_id = static_cast<uint32_t>(reader.uint_le(4));
  event.header.size = static_cast<uint32_t>(reader.uint_le(4));
  event.header.next_position = static_cast<uint32_t>(reader.uint_le(4));
  event.header.flags = static_cast<uint16_t>(reader.uint_le(2));
  if (event.header.size != raw.size()) {
    throw Error(ErrorKind::kInput,
                in_log(std::string("an event of ").append(std::to_string(raw.size())) +
                           " bytes says it has " + std::to_string(event.header.size),
                       where));
  }
  bool checked = checksums_;
  if (event.header.type == static_cast<uint8_t>(EventType::kFormatDescription)) {
    // Its own checksum setting: the byte before the last four (servers since MySQL 5.6.1).
    checked = raw.size() >= kHeaderLength + 57 + 5 &&
              static_cast<uint8_t>(raw[raw.size() - 5]) == kChecksumCrc32;
  } else if (!format_known_ && raw.size() >= kHeaderLength + kChecksumLength) {
    // Before the format description (the server's rotate to the first file): checked when it
    // carries one.
    const std::string_view stored = raw.substr(raw.size() - kChecksumLength);
    ByteReader crc(stored, "a checksum");
    checked = crc.uint_le(4) == binlog_crc32(raw.substr(0, raw.size() - kChecksumLength));
  }
  size_t end = raw.size();
  if (checked) {
    if (raw.size() < kHeaderLength + kChecksumLength) {
      throw Error(ErrorKind::kInput, in_log("an event too short for its checksum", where));
    }
    end -= kChecksumLength;
    ByteReader crc(raw.substr(end), "a checksum");
    const uint32_t stored = static_cast<uint32_t>(crc.uint_le(4));
    const uint32_t computed = binlog_crc32(raw.substr(0, end));
    if (stored != computed) {
      char text[64];
      std::snprintf(text, sizeof text, "stored %08x, computed %08x", stored, computed);
      throw Error(
          ErrorKind::kInput,
          in_log(std::string("binlog event of type ").append(std::to_string(event.header.type)) +
                     " has a wrong CRC32 checksum (" + text + ")",
                 where));
    }
  }
  event.body = raw.substr(kHeaderLength, end - kHeaderLength);
  if (event.header.type == static_cast<uint8_t>(EventType::kFormatDescription)) {
    ByteReader body(event.body, in_log("a format description", where));
    body.skip(2 + 50 + 4);  // binlog version, server version, creation time
    if (body.u8() != kHeaderLength) {
      throw Error(ErrorKind::kInput, in_log("a binary log with an unknown header length", where));
    }
    // The post-header lengths, one per event type, then the checksum algorithm (1 byte; the
    // checksum itself is already cut off when it is CRC32, else it is 4 more bytes).
    const size_t tail = checked ? 1 : 1 + kChecksumLength;
    const std::string_view lengths =
        body.bytes(body.remaining() > tail ? body.remaining() - tail : body.remaining());
    post_header_lengths_.assign(lengths.begin(), lengths.end());
    checksums_ = checked;
    format_known_ = true;
  }
  return event;
}

size_t EventReader::post_header_length(uint8_t type) const {
  if (type == 0 || type > post_header_lengths_.size()) return 0;
  return post_header_lengths_[type - 1];
}

Rotate parse_rotate(const Event& event, const std::string& where) {
  ByteReader body(event.body, in_log("a rotate event", where));
  Rotate rotate;
  rotate.position = body.uint_le(8);
  rotate.file = std::string(body.rest());
  return rotate;
}

Query parse_query(const Event& event, const std::string& where) {
  ByteReader body(event.body, in_log("a query event", where));
  body.skip(4 + 4);  // thread id, execution time
  const size_t database_length = body.u8();
  body.skip(2);  // error code
  const size_t status_length = body.uint_le(2);
  body.skip(status_length);
  Query query;
  query.database = std::string(body.bytes(database_length));
  body.skip(1);
  query.sql = std::string(body.rest());
  return query;
}

Gtid parse_gtid(const Event& event, const std::string& where) {
  ByteReader body(event.body, in_log("a GTID event", where));
  Gtid gtid;
  if (event.header.type == static_cast<uint8_t>(EventType::kMariadbGtid)) {
    const uint64_t sequence = body.uint_le(8);
    const uint64_t domain = body.uint_le(4);
    const uint8_t flags = body.u8();
    gtid.standalone = flags & 0x01;
    gtid.text = std::to_string(domain) + "-" + std::to_string(event.header.server_id) + "-" +
                std::to_string(sequence);
    return gtid;
  }
  body.skip(1);  // flags
  const std::string_view sid = body.bytes(16);
  const uint64_t number = body.uint_le(8);
  // The server's UUID in its usual 8-4-4-4-12 form.
  for (size_t i = 0; i < sid.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) gtid.text += '-';
    append_hex(gtid.text, sid.substr(i, 1));
  }
  gtid.text += ':';
  gtid.text += std::to_string(number);
  return gtid;
}

TableMap parse_table_map(const Event& event, size_t post_header_length, const std::string& where) {
  ByteReader body(event.body, in_log("a table map event", where));
  TableMap map;
  map.table_id = body.uint_le(post_header_length == 6 ? 4 : 6);
  body.skip(2);  // flags
  map.database = std::string(body.bytes(body.u8()));
  body.skip(1);
  map.table = std::string(body.bytes(body.u8()));
  body.skip(1);
  const uint64_t columns = body.lenenc();
  const std::string_view types = body.bytes(columns);
  map.types.assign(types.begin(), types.end());
  ByteReader metadata(body.lenenc_string(), in_log("a table map's column metadata", where));
  map.metadata.assign(columns, 0);
  for (uint64_t i = 0; i < columns; ++i) {
    switch (map.types[i]) {
      case kFloat:
      case kDouble:
      case kTimestamp2:
      case kDatetime2:
      case kTime2:
      case kJson:
      case kTinyBlob:
      case kMediumBlob:
      case kLongBlob:
      case kBlob:
      case kGeometry:
        map.metadata[i] = metadata.u8();
        break;
      case kVarchar:
      case kVarString:
      case kBit:
        map.metadata[i] = static_cast<uint16_t>(metadata.uint_le(2));
        break;
      case kNewDecimal:
      case kString:
      case kEnum:
      case kSet:
        // Two bytes, the first the more significant (precision, scale; real type, length).
        map.metadata[i] = static_cast<uint16_t>(metadata.uint_be(2));
        break;
      default:
        break;
    }
  }
  return map;
}

bool is_rows_event(uint8_t type) {
  return (type >= static_cast<uint8_t>(EventType::kWriteRowsV1) &&
          type <= static_cast<uint8_t>(EventType::kDeleteRowsV1)) ||
         (type >= static_cast<uint8_t>(EventType::kWriteRowsV2) &&
          type <= static_cast<uint8_t>(EventType::kDeleteRowsV2));
}

RowsEvent parse_rows(const Event& event, size_t post_header_length, const std::string& where) {
  ByteReader body(event.body, in_log("a rows event", where));
  const uint8_t type = event.header.type;
  const bool v2 = type >= static_cast<uint8_t>(EventType::kWriteRowsV2);
  const uint8_t base = v2 ? static_cast<uint8_t>(EventType::kWriteRowsV2)
                          : static_cast<uint8_t>(EventType::kWriteRowsV1);
  RowsEvent rows;
  rows.kind = static_cast<RowsKind>(type - base);
  rows.table_id = body.uint_le(post_header_length == 6 ? 4 : 6);
  body.skip(2);  // flags
  if (v2) {
    const size_t extra = body.uint_le(2);
    body.skip(extra >= 2 ? extra - 2 : 0);
  }
  rows.columns = body.lenenc();
  rows.present = bitmap(body, rows.columns);
  if (rows.kind == RowsKind::kUpdate) rows.present_after = bitmap(body, rows.columns);
  rows.rows = body.rest();
  return rows;
}

}  // namespace strata::ingest::mysql
