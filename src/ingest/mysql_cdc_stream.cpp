#include "ingest/mysql_cdc_stream.hpp"

#include <regex>

#include "core/ids.hpp"
#include "core/interrupt.hpp"
#include "core/text.hpp"
#include "ingest/database_connection.hpp"

namespace strata::ingest::mysql {

namespace {

std::string upper(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

// The names of an ENUM or SET column type: enum('a','b''c') -> a, b'c.
std::vector<std::string> element_names(const std::string& column_type) {
  std::vector<std::string> names;
  const size_t open = column_type.find('(');
  if (open == std::string::npos) return names;
  std::string name;
  bool quoted = false;
  for (size_t i = open + 1; i < column_type.size(); ++i) {
    const char c = column_type[i];
    if (!quoted) {
      if (c == '\'') quoted = true;
      if (c == ')') break;
      continue;
    }
    if (c == '\'' && i + 1 < column_type.size() && column_type[i + 1] == '\'') {
      name += '\'';
      ++i;
    } else if (c == '\\' && i + 1 < column_type.size()) {
      name += column_type[++i];
    } else if (c == '\'') {
      names.push_back(std::move(name));
      name.clear();
      quoted = false;
    } else {
      name += c;
    }
  }
  return names;
}

bool is_binary_type(const std::string& data_type) {
  static const std::vector<std::string> kBinary = {"bit",  "binary",     "varbinary", "tinyblob",
                                                   "blob", "mediumblob", "longblob",  "geometry"};
  return std::find(kBinary.begin(), kBinary.end(), to_lower(data_type)) != kBinary.end();
}

// What a QUERY event does to the target table.
enum class Statement { kBegin, kCommit, kRollback, kTruncate, kDdl, kOther };

Statement classify(const Query& query, const StreamTarget& target) {
  const std::string sql = upper(trim(query.sql));
  if (sql == "BEGIN" || starts_with(sql, "XA START")) return Statement::kBegin;
  if (sql == "COMMIT" || starts_with(sql, "XA COMMIT")) return Statement::kCommit;
  if (sql == "ROLLBACK") return Statement::kRollback;
  // Is the statement about the table? `db`.`t`, db.t, or t in the table's database.
  static const std::regex kDdl(
      R"(^\s*(TRUNCATE|ALTER|DROP|RENAME|CREATE|OPTIMIZE|REPAIR)\b[^`\w]*(?:TABLE\s+)?(?:IF\s+(?:NOT\s+)?EXISTS\s+)?(?:`?([^`\s.]+)`?\.)?`?([^`\s(;]+)`?)",
      std::regex::icase);
  std::smatch match;
  const std::string text(query.sql);
  if (!std::regex_search(text, match, kDdl)) return Statement::kOther;
  const std::string database = match[2].matched ? match[2].str() : query.database;
  if (database != target.database || match[3].str() != target.table) return Statement::kOther;
  return upper(match[1].str()) == "TRUNCATE" ? Statement::kTruncate : Statement::kDdl;
}

// MariaDB's GTID state: the last GTID of each replication domain.
class GtidState {
 public:
  explicit GtidState(const std::string& text) {
    for (const std::string& gtid : split(text, ',')) {
      if (!gtid.empty()) set(std::string(trim(gtid)));
    }
  }
  void set(const std::string& gtid) {
    const std::string domain = gtid.substr(0, gtid.find('-'));
    for (std::string& known : gtids_) {
      if (known.substr(0, known.find('-')) == domain) {
        known = gtid;
        return;
      }
    }
    gtids_.push_back(gtid);
  }
  std::string text() const { return join(gtids_, ","); }

 private:
  std::vector<std::string> gtids_;
};

struct PendingChange {
  std::string op;
  TextRow values;
};

}  // namespace

std::string BinlogPosition::text() const {
  return file + ":" + std::to_string(position);
}

BinlogPosition BinlogPosition::parse(const std::string& text) {
  const size_t colon = text.rfind(':');
  BinlogPosition position;
  if (colon == std::string::npos || colon == 0) {
    throw Error(ErrorKind::kInput, "'" + text + "' is not a binlog position (file:position)");
  }
  position.file = text.substr(0, colon);
  position.position = std::stoull(text.substr(colon + 1));
  return position;
}

std::vector<CdcColumn> binlog_lineage_columns() {
  return {{"_strata_op", "VARCHAR"},
          {"_strata_binlog_file", "VARCHAR"},
          {"_strata_binlog_pos", "BIGINT"},
          {"_strata_gtid", "VARCHAR"},
          {"_strata_seq", "BIGINT"}};
}

std::vector<std::string> binlog_order_columns() {
  return {"_strata_binlog_file", "_strata_binlog_pos", "_strata_seq"};
}

std::vector<ColumnInfo> read_columns(Client& client, const StreamTarget& target) {
  const database::Dialect& dialect = database::dialect_of("mysql");
  const TextResult result = client.query(
      "SELECT COLUMN_NAME, DATA_TYPE, COLUMN_TYPE FROM information_schema.COLUMNS WHERE "
      "TABLE_SCHEMA = " +
      dialect.quote_literal(target.database) +
      " AND TABLE_NAME = " + dialect.quote_literal(target.table) + " ORDER BY ORDINAL_POSITION");
  if (result.rows.empty()) {
    throw Error(ErrorKind::kInput, "table " + target.database + "." + target.table +
                                       " does not exist on MySQL server " + client.server() +
                                       " (or the user may not see it)");
  }
  std::vector<ColumnInfo> columns;
  for (const TextRow& row : result.rows) {
    ColumnInfo column;
    column.name = row.at(0).value_or("");
    const std::string data_type = to_lower(row.at(1).value_or(""));
    const std::string column_type = to_lower(row.at(2).value_or(""));
    column.is_unsigned = column_type.find("unsigned") != std::string::npos;
    if (data_type == "enum" || data_type == "set") column.elements = element_names(column_type);
    const auto bronze = target.bronze_types.find(column.name);
    column.binary =
        bronze == target.bronze_types.end() ? is_binary_type(data_type) : bronze->second == "BLOB";
    columns.push_back(std::move(column));
  }
  return columns;
}

BinlogBatch read_binlog_batch(Client& client, const StreamTarget& target,
                              const BinlogPosition& from) {
  std::vector<ColumnInfo> columns = read_columns(client, target);
  std::vector<size_t> key_indexes;
  for (const std::string& key : target.primary_key) {
    for (size_t i = 0; i < columns.size(); ++i) {
      if (columns[i].name == key) key_indexes.push_back(i);
    }
  }
  client.execute("SET @master_binlog_checksum = @@global.binlog_checksum");
  if (client.is_mariadb()) client.execute("SET @mariadb_slave_capability = 4");
  // A replica id of its own: a server drops an older connection with the same id.
  client.start_binlog_dump(from.file, from.position,
                           static_cast<uint32_t>(ids::random_u64() % 0x7fff0000u) + 0x10000u);

  BinlogBatch batch;
  batch.changes.lineage = binlog_lineage_columns();
  batch.changes.order_by = binlog_order_columns();
  for (const ColumnInfo& column : columns) batch.changes.columns.push_back(column.name);
  batch.next = from;
  GtidState gtids(from.gtid);
  EventReader reader;
  std::string file = from.file;
  uint64_t at = from.position;
  std::optional<TableMap> map;  // the target's latest table map
  std::vector<PendingChange> pending;
  bool in_transaction = false;
  bool begun = false;  // BEGIN seen (or a MariaDB GTID that opens a transaction)
  std::string gtid;
  const std::string table_name = target.database + "." + target.table;

  auto end_transaction = [&](uint64_t next_position) {
    for (size_t seq = 0; seq < pending.size(); ++seq) {
      batch.changes.rows.push_back({{engine::Value(pending[seq].op), engine::Value(file),
                                     engine::Value(static_cast<int64_t>(next_position)),
                                     gtid.empty() ? engine::Value() : engine::Value(gtid),
                                     engine::Value(static_cast<int64_t>(seq))},
                                    std::move(pending[seq].values)});
    }
    if (!gtid.empty() && client.is_mariadb()) gtids.set(gtid);
    batch.next = {file, next_position, gtids.text()};
    ++batch.transactions;
    pending.clear();
    in_transaction = begun = false;
    gtid.clear();
  };

  for (;;) {
    check_interrupt();
    std::optional<std::string> raw = client.next_binlog_event();
    if (!raw) {
      batch.at_end = true;
      break;
    }
    const std::string where = file + ":" + std::to_string(at);
    const Event event = reader.read(*raw, where);
    if (event.header.next_position != 0) at = event.header.next_position;
    const auto type = static_cast<EventType>(event.header.type);
    if (type == EventType::kRotate) {
      const Rotate rotate = parse_rotate(event, where);
      file = rotate.file;
      at = rotate.position;
      if (!in_transaction) batch.next = {file, rotate.position, gtids.text()};
    } else if (type == EventType::kMariadbGtid || type == EventType::kMysqlGtid) {
      const Gtid parsed = parse_gtid(event, where);
      gtid = parsed.text;
      in_transaction = true;
      begun = type == EventType::kMariadbGtid && !parsed.standalone;
    } else if (type == EventType::kXid) {
      end_transaction(event.header.next_position);
    } else if (type == EventType::kQuery) {
      const Query query = parse_query(event, where);
      const Statement statement = classify(query, target);
      if (statement == Statement::kBegin) {
        in_transaction = begun = true;
        continue;
      }
      if (statement == Statement::kRollback) pending.clear();
      if (statement == Statement::kDdl) {
        // The columns change: what follows is decoded with the table's new definition.
        if (!batch.changes.rows.empty() || !pending.empty()) break;
        end_transaction(event.header.next_position);
        break;
      }
      if (statement == Statement::kTruncate) {
        pending.push_back({"truncate", TextRow(columns.size())});
      }
      if (statement == Statement::kCommit || statement == Statement::kRollback || !begun) {
        end_transaction(event.header.next_position);
      }
    } else if (type == EventType::kTableMap) {
      TableMap parsed = parse_table_map(
          event, reader.post_header_length(static_cast<uint8_t>(EventType::kTableMap)), where);
      if (parsed.database == target.database && parsed.table == target.table) {
        // The columns are today's: a change logged before columns were added at the end has
        // fewer (they are NULL in it); more than today means columns were dropped since.
        if (parsed.types.size() > columns.size()) {
          throw Error(ErrorKind::kInput,
                      "the binary log has " + std::to_string(parsed.types.size()) +
                          " columns for " + table_name + " at " + where + ", the table has " +
                          std::to_string(columns.size()) +
                          " now: columns were dropped after that change, which mode: cdc cannot "
                          "follow (load again from a new snapshot)");
        }
        map = std::move(parsed);
      } else if (map && parsed.table_id == map->table_id) {
        map.reset();
      }
    } else if (is_rows_event(event.header.type)) {
      const RowsEvent rows = parse_rows(event, reader.post_header_length(event.header.type), where);
      if (!map || rows.table_id != map->table_id) continue;
      const std::string place = "of " + table_name + " at binlog position " + where;
      ByteReader images(rows.rows, "the rows " + place);
      while (!images.at_end()) {
        TextRow before = decode_row_image(images, *map, rows.present, columns, place);
        before.resize(columns.size());
        if (rows.kind == RowsKind::kInsert) {
          pending.push_back({"insert", std::move(before)});
        } else if (rows.kind == RowsKind::kDelete) {
          pending.push_back({"delete", std::move(before)});
        } else {
          TextRow after = decode_row_image(images, *map, rows.present_after, columns, place);
          after.resize(columns.size());
          bool key_changed = false;
          for (size_t i : key_indexes) key_changed = key_changed || before[i] != after[i];
          if (key_changed) pending.push_back({"delete", std::move(before)});
          pending.push_back({"update", std::move(after)});
        }
      }
    }
    if (!in_transaction &&
        static_cast<int64_t>(batch.changes.rows.size()) >= target.batch_changes) {
      break;
    }
  }
  return batch;
}

}  // namespace strata::ingest::mysql
