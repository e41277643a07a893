// The events of a MySQL/MariaDB row-based binary log, as a replica receives them (the v4 event
// format): each event's 19-byte header, its CRC32 checksum checked when the log has checksums
// (the FORMAT_DESCRIPTION event says), and the bodies strata needs for change data capture:
// FORMAT_DESCRIPTION, ROTATE, QUERY (BEGIN, COMMIT, DDL, TRUNCATE), XID, TABLE_MAP, the
// WRITE/UPDATE/DELETE_ROWS events (v1, which MariaDB writes, and v2, MySQL's) and the GTID
// events of both servers. Row images are decoded by ingest/mysql_binlog_values.hpp. Every
// malformed event is a kInput error naming the binlog file and position.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ingest/mysql_wire.hpp"

namespace strata::ingest::mysql {

enum class EventType : uint8_t {
  kQuery = 2,
  kRotate = 4,
  kFormatDescription = 15,
  kXid = 16,
  kTableMap = 19,
  kWriteRowsV1 = 23,
  kUpdateRowsV1 = 24,
  kDeleteRowsV1 = 25,
  kHeartbeat = 27,
  kWriteRowsV2 = 30,
  kUpdateRowsV2 = 31,
  kDeleteRowsV2 = 32,
  kMysqlGtid = 33,
  kMariadbGtid = 162,
};

// The column types of a table map (MYSQL_TYPE_*).
enum ColumnType : uint8_t {
  kTiny = 1,
  kShort = 2,
  kLong = 3,
  kFloat = 4,
  kDouble = 5,
  kNull = 6,
  kTimestamp = 7,
  kLongLong = 8,
  kInt24 = 9,
  kDate = 10,
  kTime = 11,
  kDatetime = 12,
  kYear = 13,
  kNewDate = 14,
  kVarchar = 15,
  kBit = 16,
  kTimestamp2 = 17,
  kDatetime2 = 18,
  kTime2 = 19,
  kJson = 245,
  kNewDecimal = 246,
  kEnum = 247,
  kSet = 248,
  kTinyBlob = 249,
  kMediumBlob = 250,
  kLongBlob = 251,
  kBlob = 252,
  kVarString = 253,
  kString = 254,
  kGeometry = 255,
};

struct EventHeader {
  uint32_t timestamp = 0;
  uint8_t type = 0;
  uint32_t server_id = 0;
  uint32_t size = 0;
  uint32_t next_position = 0;  // the position of the event after this one (0: not in a file)
  uint16_t flags = 0;
};

struct Event {
  EventHeader header;
  std::string_view body;  // after the header, without the checksum
};

// Splits the events of one stream: knows the log's format once its FORMAT_DESCRIPTION was seen.
class EventReader {
 public:
  // `raw`: one event as the server sent it. `where`: "file:position" for messages.
  Event read(std::string_view raw, const std::string& where);
  // The length of the fixed part of an event type's body (from the format description).
  size_t post_header_length(uint8_t type) const;

 private:
  bool format_known_ = false;
  bool checksums_ = false;
  std::vector<uint8_t> post_header_lengths_;
};

struct Rotate {
  uint64_t position = 0;
  std::string file;
};
Rotate parse_rotate(const Event& event, const std::string& where);

struct Query {
  std::string database;
  std::string sql;
};
Query parse_query(const Event& event, const std::string& where);

// A GTID event opens a transaction: MariaDB "domain-server-sequence", MySQL "uuid:number".
struct Gtid {
  std::string text;
  bool standalone = false;  // MariaDB: a DDL or other statement without XID/COMMIT to end it
};
Gtid parse_gtid(const Event& event, const std::string& where);

struct TableMap {
  uint64_t table_id = 0;
  std::string database;
  std::string table;
  std::vector<uint8_t> types;
  std::vector<uint16_t> metadata;  // per column, as the type defines it (0 when none)
};
TableMap parse_table_map(const Event& event, size_t post_header_length, const std::string& where);

enum class RowsKind { kInsert, kUpdate, kDelete };

struct RowsEvent {
  RowsKind kind = RowsKind::kInsert;
  uint64_t table_id = 0;
  uint64_t columns = 0;
  std::vector<bool> present;        // the columns in each (before) image
  std::vector<bool> present_after;  // updates: the columns in each after image
  std::string_view rows;            // the row images, one after another
};
// Whether the event is a WRITE/UPDATE/DELETE_ROWS event (v1 or v2).
bool is_rows_event(uint8_t type);
RowsEvent parse_rows(const Event& event, size_t post_header_length, const std::string& where);

// CRC32 as the binary log computes it (ISO-HDLC, the zlib polynomial).
uint32_t binlog_crc32(std::string_view bytes);

}  // namespace strata::ingest::mysql
