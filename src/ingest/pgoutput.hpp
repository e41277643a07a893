// Decoding the messages of PostgreSQL's `pgoutput` logical decoding plugin (protocol version 1),
// as `pg_logical_slot_peek_binary_changes` returns them, one message per row: Begin, Commit,
// Relation (a table's columns and key, sent before its first change in a decoding session),
// Insert, Update (with the old key or old row when the key changed or REPLICA IDENTITY is FULL),
// Delete, Truncate; Origin, Type and logical Message are recognised and carry nothing strata
// uses. Column values are kept in the text format the server sent. A malformed message is a
// kInput error naming the message type and the byte offset.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace strata::ingest::pgoutput {

struct RelationColumn {
  std::string name;
  uint32_t type_oid = 0;
  bool key = false;  // part of the replica identity
};

struct Relation {
  uint32_t oid = 0;
  std::string schema;
  std::string name;
  char replica_identity = 'd';  // d(efault), n(othing), f(ull), i(ndex)
  std::vector<RelationColumn> columns;
};

struct Value {
  enum class Kind { kNull, kText, kUnchangedToast };
  Kind kind = Kind::kNull;
  std::string text;
};
using Tuple = std::vector<Value>;

struct Message {
  enum class Type { kBegin, kCommit, kRelation, kInsert, kUpdate, kDelete, kTruncate, kOther };
  Type type = Type::kOther;
  char tag = 0;
  uint64_t lsn = 0;      // Begin: the commit LSN (final LSN); Commit: the commit LSN
  uint64_t end_lsn = 0;  // Commit: the end of the transaction's commit record
  uint32_t xid = 0;      // Begin
  uint32_t relation_oid = 0;
  Relation relation;  // Relation
  char old_kind = 0;  // Update/Delete: 'K' (old key columns) or 'O' (old row); 0: none
  Tuple old_tuple;
  Tuple new_tuple;                  // Insert, Update
  std::vector<uint32_t> truncated;  // Truncate: the relations emptied
};

// Decodes one message. kInput on a truncated or malformed message.
Message decode(std::string_view bytes);

// PostgreSQL's text form of an LSN ("16/B374D848") and back.
uint64_t parse_lsn(std::string_view text);
std::string format_lsn(uint64_t lsn);

}  // namespace strata::ingest::pgoutput
