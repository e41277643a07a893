// The changes of one table in a run of pgoutput messages (ingest/pgoutput.hpp), as the rows CDC
// appends to bronze: every insert, update and delete of a committed transaction, in commit order,
// with the transaction's commit LSN and the change's order in it. Transactions whose commit LSN is
// below the position already applied are skipped (exactly once after a crash), as are those the
// initial copy saw (ingest/postgres_snapshot.hpp). An update that
// changes the primary key becomes a delete of the old key followed by the update. Columns
// added to the table are added to the batch (NULL in the changes before). Unchanged
// TOASTed values are taken from the old row (REPLICA IDENTITY FULL), else the change is a kInput
// error: strata never writes a value it did not receive. A TRUNCATE of the table is a change
// "truncate" with every value NULL.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ingest/pgoutput.hpp"
#include "ingest/postgres_snapshot.hpp"

namespace strata::ingest {

struct ChangeRow {
  std::string op;  // "insert", "update", "delete", "truncate"
  uint64_t commit_lsn = 0;
  int64_t seq = 0;                                 // order within the transaction, from 0
  std::vector<std::optional<std::string>> values;  // by the relation's columns, in text form
};

class ChangeCollector {
 public:
  // `position`: transactions committed below it are applied already.
  ChangeCollector(std::string schema, std::string table, std::vector<std::string> primary_key,
                  uint64_t position);

  // Transactions the initial copy's snapshot saw are skipped too: their rows are in bronze.
  void skip_seen_by(const pgoutput::SnapshotSeen& snapshot) { seen_ = snapshot; }

  // Feeds the next message. Returns false when the batch ends before this message's transaction:
  // a column changed its type after rows with the old one were collected (read again later).
  bool add(std::string_view bytes);

  // The table's columns (empty until its Relation message was seen).
  const std::optional<pgoutput::Relation>& relation() const { return relation_; }
  std::vector<ChangeRow>& rows() { return rows_; }
  // The position after the messages fed: every transaction committed below it is in rows() or
  // was applied before. `read_up_to`: every transaction committed below it was fed (the read
  // was not cut short by the message limit).
  uint64_t position(std::optional<uint64_t> read_up_to) const;
  uint64_t transactions() const { return transactions_; }
  bool stopped() const { return stopped_; }

 private:
  std::string schema_;
  std::string table_;
  std::vector<std::string> primary_key_;
  uint64_t from_;
  uint64_t position_;
  std::optional<pgoutput::SnapshotSeen> seen_;
  // The table's columns: those of every Relation message of the batch, by name (a column added
  // mid-batch is NULL in the rows before it).
  std::optional<pgoutput::Relation> relation_;
  std::vector<size_t> current_;      // the latest Relation message's columns in relation_
  std::vector<size_t> key_indexes_;  // the primary key's columns in relation_
  std::vector<ChangeRow> rows_;
  std::vector<ChangeRow> pending_;  // the open transaction's changes
  bool in_transaction_ = false;
  bool skipping_ = false;
  uint64_t commit_lsn_ = 0;
  uint64_t transactions_ = 0;
  bool stopped_ = false;

  // Merges a Relation message into relation_; false when a column changed its type while rows
  // with the old one are held.
  bool set_relation(const pgoutput::Relation& relation);
  std::vector<std::optional<std::string>> values_of(const pgoutput::Tuple& tuple,
                                                    const pgoutput::Tuple* old) const;
  void record(const pgoutput::Message& message);
};

}  // namespace strata::ingest
