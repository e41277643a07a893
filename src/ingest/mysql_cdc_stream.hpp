// Reading one table's changes from a MySQL/MariaDB binary log, from a committed position up to
// the end of the log: a replica connection (ingest/mysql_client.hpp) streams the events, whole
// transactions of the table are collected as CDC rows (`_strata_op` insert/update/delete/truncate,
// the binlog file and end position of the transaction, its GTID, the change's order in it), and
// the position after the last whole transaction read is reported, so that committing the rows
// with it applies every change exactly once. A batch ends after `batch_changes` rows at the end of
// a transaction, at the end of the log, or before a DDL statement on the table (its columns are
// read again from information_schema for what follows). An update that changes the primary key is
// a delete of the old key and then the update.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "ingest/cdc_apply.hpp"
#include "ingest/mysql_binlog_values.hpp"
#include "ingest/mysql_client.hpp"

namespace strata::ingest::mysql {

struct BinlogPosition {
  std::string file;
  uint64_t position = 4;
  std::string gtid;  // MariaDB: the GTID state after it ("0-1-42", one per domain), else empty

  // "file:position" and back; kInput naming the text when it is no position.
  std::string text() const;
  static BinlogPosition parse(const std::string& text);
};

struct StreamTarget {
  std::string database;  // the table's schema (database)
  std::string table;
  std::vector<std::string> primary_key;
  // The bronze table's column types: BLOB columns get hexadecimal text (columns bronze does not
  // have yet: the binary MySQL types).
  std::map<std::string, std::string> bronze_types;
  int64_t batch_changes = 100000;
};

// The lineage columns of MySQL CDC rows, and those that order the changes.
std::vector<CdcColumn> binlog_lineage_columns();
std::vector<std::string> binlog_order_columns();

// The table's columns as the binary log needs them (names, signedness, ENUM/SET names), from
// information_schema; kInput naming the table when it has none.
std::vector<ColumnInfo> read_columns(Client& client, const StreamTarget& target);

// One batch: the changes of the table after `from`, and the position after them.
struct BinlogBatch {
  CdcChanges changes;
  BinlogPosition next;
  bool at_end = false;  // the whole log was read
  uint64_t transactions = 0;
};

// Reads the next batch over `client` (a fresh connection: the dump takes it over).
BinlogBatch read_binlog_batch(Client& client, const StreamTarget& target,
                              const BinlogPosition& from);

}  // namespace strata::ingest::mysql
