// The pgoutput decoder (ingest/pgoutput.hpp) and the assembly of a table's changes from its
// messages (ingest/postgres_cdc_changes.hpp), on byte strings built here by hand from the message
// formats of PostgreSQL's logical replication protocol (version 1). Reading them from a real
// server is tested end to end in tests/e2e/test_postgres_cdc.py.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/error.hpp"
#include "ingest/pgoutput.hpp"
#include "ingest/postgres_cdc_changes.hpp"
#include "ingest/postgres_snapshot.hpp"

namespace strata::ingest {
namespace {

using pgoutput::Message;

// Big-endian message building, as the protocol specifies.
struct Bytes {
  std::string data;
  Bytes& tag(char c) { return byte(c); }
  Bytes& byte(char c) {
    data.push_back(c);
    return *this;
  }
  Bytes& integer(uint64_t value, int size) {
    for (int i = size - 1; i >= 0; --i)
      data.push_back(static_cast<char>((value >> (8 * i)) & 0xff));
    return *this;
  }
  Bytes& text(const std::string& s) {
    data += s;
    data.push_back('\0');
    return *this;
  }
};

std::string begin(uint64_t final_lsn, uint32_t xid) {
  return Bytes().tag('B').integer(final_lsn, 8).integer(0x2a, 8).integer(xid, 4).data;
}
std::string commit(uint64_t lsn, uint64_t end) {
  return Bytes().tag('C').byte(0).integer(lsn, 8).integer(end, 8).integer(0x2a, 8).data;
}
// Relation 16384 public.items (id integer key, note text).
std::string relation(const std::string& table = "items", uint32_t oid = 16384,
                     bool extra_column = false) {
  Bytes b;
  b.tag('R').integer(oid, 4).text("public").text(table).byte('d').integer(extra_column ? 3 : 2, 2);
  b.byte(1).text("id").integer(23, 4).integer(0xffffffff, 4);
  b.byte(0).text("note").integer(25, 4).integer(0xffffffff, 4);
  if (extra_column) b.byte(0).text("added").integer(25, 4).integer(0xffffffff, 4);
  return b.data;
}
// TupleData: "n" NULL, "u" unchanged TOAST, else a text value.
Bytes& tuple(Bytes& b, const std::vector<std::string>& values) {
  b.integer(values.size(), 2);
  for (const std::string& v : values) {
    if (v == "n" || v == "u") {
      b.byte(v[0]);
    } else {
      b.byte('t').integer(v.size(), 4);
      b.data += v;
    }
  }
  return b;
}
std::string insert(const std::vector<std::string>& values, uint32_t oid = 16384) {
  Bytes b;
  b.tag('I').integer(oid, 4).byte('N');
  return tuple(b, values).data;
}
std::string update(const std::vector<std::string>& values, char old_kind = 0,
                   const std::vector<std::string>& old = {}) {
  Bytes b;
  b.tag('U').integer(16384, 4);
  if (old_kind) tuple(b.byte(old_kind), old);
  b.byte('N');
  return tuple(b, values).data;
}
std::string remove(const std::vector<std::string>& key) {
  Bytes b;
  b.tag('D').integer(16384, 4).byte('K');
  return tuple(b, key).data;
}

TEST(Pgoutput, DecodesBeginCommitAndRelation) {
  Message m = pgoutput::decode(begin(0x1505D68, 728));
  EXPECT_EQ(m.type, Message::Type::kBegin);
  EXPECT_EQ(m.lsn, 0x1505D68u);
  EXPECT_EQ(m.xid, 728u);
  m = pgoutput::decode(commit(0x1506638, 0x1506668));
  EXPECT_EQ(m.type, Message::Type::kCommit);
  EXPECT_EQ(m.lsn, 0x1506638u);
  EXPECT_EQ(m.end_lsn, 0x1506668u);
  m = pgoutput::decode(relation());
  ASSERT_EQ(m.type, Message::Type::kRelation);
  EXPECT_EQ(m.relation.oid, 16384u);
  EXPECT_EQ(m.relation.schema, "public");
  EXPECT_EQ(m.relation.name, "items");
  ASSERT_EQ(m.relation.columns.size(), 2u);
  EXPECT_TRUE(m.relation.columns[0].key);
  EXPECT_EQ(m.relation.columns[1].name, "note");
  EXPECT_EQ(m.relation.columns[1].type_oid, 25u);
  EXPECT_FALSE(m.relation.columns[1].key);
}

TEST(Pgoutput, DecodesTuplesWithNullsToastAndOldKeys) {
  Message m = pgoutput::decode(insert({"7", "n"}));
  ASSERT_EQ(m.type, Message::Type::kInsert);
  ASSERT_EQ(m.new_tuple.size(), 2u);
  EXPECT_EQ(m.new_tuple[0].text, "7");
  EXPECT_EQ(m.new_tuple[1].kind, pgoutput::Value::Kind::kNull);
  m = pgoutput::decode(update({"8", "u"}, 'K', {"7", "n"}));
  ASSERT_EQ(m.type, Message::Type::kUpdate);
  EXPECT_EQ(m.old_kind, 'K');
  EXPECT_EQ(m.old_tuple[0].text, "7");
  EXPECT_EQ(m.new_tuple[1].kind, pgoutput::Value::Kind::kUnchangedToast);
  m = pgoutput::decode(remove({"9", "n"}));
  ASSERT_EQ(m.type, Message::Type::kDelete);
  EXPECT_EQ(m.old_tuple[0].text, "9");
  m = pgoutput::decode(Bytes().tag('T').integer(2, 4).byte(0).integer(1, 4).integer(16384, 4).data);
  ASSERT_EQ(m.type, Message::Type::kTruncate);
  EXPECT_EQ(m.truncated, (std::vector<uint32_t>{1, 16384}));
}

TEST(Pgoutput, MalformedMessagesNameTheByteOffset) {
  std::string cut = insert({"12345", "x"});
  cut.resize(cut.size() - 3);
  try {
    pgoutput::decode(cut);
    FAIL() << "a truncated Insert decoded";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInput);
    EXPECT_NE(e.message().find("malformed pgoutput message 'I'"), std::string::npos) << e.message();
    EXPECT_NE(e.message().find("at byte offset 19"), std::string::npos) << e.message();
  }
  EXPECT_THROW(pgoutput::decode("Z"), Error);
  EXPECT_THROW(pgoutput::decode(insert({"1", "2"}) + "x"), Error);  // trailing bytes
  EXPECT_THROW(pgoutput::decode(""), Error);
}

TEST(Pgoutput, LsnText) {
  EXPECT_EQ(pgoutput::parse_lsn("16/B374D848"), (0x16ull << 32) | 0xB374D848u);
  EXPECT_EQ(pgoutput::format_lsn((0x16ull << 32) | 0xB374D848u), "16/B374D848");
  EXPECT_EQ(pgoutput::format_lsn(0), "0/0");
  EXPECT_THROW(pgoutput::parse_lsn("16B374D848"), Error);
  EXPECT_THROW(pgoutput::parse_lsn("1/G"), Error);
}

TEST(ChangeCollector, CollectsCommittedChangesInOrderAndSkipsAppliedTransactions) {
  ChangeCollector changes("public", "items", {"id"}, 0x200);
  for (const std::string& m :
       {begin(0x100, 1), relation(), insert({"1", "old"}), commit(0x100, 0x180),  // applied
        begin(0x300, 2), relation("other", 99), insert({"5", "x"}, 99), insert({"2", "a"}),
        update({"3", "b"}, 'K', {"2", "n"}), remove({"3", "n"}), commit(0x300, 0x340)}) {
    ASSERT_TRUE(changes.add(m));
  }
  ASSERT_TRUE(changes.relation());
  const auto& rows = changes.rows();
  ASSERT_EQ(rows.size(), 4u);  // the other table's insert is not ours
  EXPECT_EQ(rows[0].op, "insert");
  EXPECT_EQ(rows[0].commit_lsn, 0x300u);
  EXPECT_EQ(rows[1].op, "delete");  // the key changed from 2 to 3
  EXPECT_EQ(rows[1].values[0], "2");
  EXPECT_EQ(rows[1].values[1], std::nullopt);
  EXPECT_EQ(rows[2].op, "update");
  EXPECT_EQ(rows[2].values[0], "3");
  EXPECT_EQ(rows[3].op, "delete");
  for (size_t i = 0; i < rows.size(); ++i) EXPECT_EQ(rows[i].seq, static_cast<int64_t>(i));
  EXPECT_EQ(changes.transactions(), 1u);
  EXPECT_EQ(changes.position(std::nullopt), 0x340u);
  EXPECT_EQ(changes.position(0x1000), 0x1000u);  // read to the end: the flushed position
}

TEST(ChangeCollector, AnOpenTransactionKeepsThePositionBeforeIt) {
  ChangeCollector changes("public", "items", {"id"}, 0);
  for (const std::string& m : {begin(0x100, 1), relation(), insert({"1", "a"}),
                               commit(0x100, 0x180), begin(0x200, 2), insert({"2", "b"})}) {
    ASSERT_TRUE(changes.add(m));
  }
  EXPECT_EQ(changes.rows().size(), 1u);
  EXPECT_EQ(changes.position(0x1000), 0x180u);
}

TEST(ChangeCollector, NewColumnsJoinTheBatch) {
  ChangeCollector changes("public", "items", {"id"}, 0);
  for (const std::string& m :
       {begin(0x100, 1), relation(), insert({"1", "a"}), relation("items", 16384, true),
        insert({"2", "b", "new"}), commit(0x100, 0x180)}) {
    ASSERT_TRUE(changes.add(m));
  }
  ASSERT_EQ(changes.relation()->columns.size(), 3u);
  ASSERT_EQ(changes.rows().size(), 2u);
  EXPECT_EQ(changes.rows()[0].values,
            (std::vector<std::optional<std::string>>{"1", "a", std::nullopt}));
  EXPECT_EQ(changes.rows()[1].values[2], "new");
}

TEST(ChangeCollector, ATypeChangeEndsTheBatchBeforeItsTransaction) {
  ChangeCollector changes("public", "items", {"id"}, 0);
  for (const std::string& m :
       {begin(0x100, 1), relation(), insert({"1", "a"}), commit(0x100, 0x180), begin(0x200, 2)}) {
    ASSERT_TRUE(changes.add(m));
  }
  std::string retyped = relation();
  retyped[retyped.find("note") + 5 + 3] = 20;  // text (25) becomes bigint (20)
  EXPECT_FALSE(changes.add(retyped));
  EXPECT_TRUE(changes.stopped());
  EXPECT_EQ(changes.rows().size(), 1u);
  EXPECT_EQ(changes.position(0x1000), 0x180u);
}

TEST(ChangeCollector, UnchangedToastNeedsTheOldRow) {
  ChangeCollector full("public", "items", {"id"}, 0);
  for (const std::string& m : {begin(0x100, 1), relation(),
                               update({"1", "u"}, 'O', {"1", "big value"}), commit(0x100, 0x180)}) {
    ASSERT_TRUE(full.add(m));
  }
  ASSERT_EQ(full.rows().size(), 1u);
  EXPECT_EQ(full.rows()[0].values[1], "big value");

  ChangeCollector keyed("public", "items", {"id"}, 0);
  keyed.add(begin(0x100, 1));
  keyed.add(relation());
  try {
    keyed.add(update({"1", "u"}));
    FAIL() << "an unchanged TOAST value without the old row was accepted";
  } catch (const Error& e) {
    EXPECT_NE(e.message().find("REPLICA IDENTITY FULL"), std::string::npos) << e.message();
    EXPECT_NE(e.message().find("'note'"), std::string::npos) << e.message();
  }
}

TEST(ChangeCollector, TruncateIsAChangeAndUnknownKeysAreClearErrors) {
  ChangeCollector changes("public", "items", {"id"}, 0);
  changes.add(begin(0x100, 1));
  changes.add(relation());
  changes.add(Bytes().tag('T').integer(1, 4).byte(0).integer(16384, 4).data);
  EXPECT_TRUE(changes.rows().empty());                                      // until the commit
  changes.add(Bytes().tag('T').integer(1, 4).byte(0).integer(99, 4).data);  // another table
  changes.add(commit(0x100, 0x140));
  ASSERT_EQ(changes.rows().size(), 1u);
  EXPECT_EQ(changes.rows()[0].op, "truncate");
  EXPECT_EQ(changes.rows()[0].values.size(), 2u);
  EXPECT_FALSE(changes.rows()[0].values[0].has_value());
  ChangeCollector wrong_key("public", "items", {"ident"}, 0);
  wrong_key.add(begin(0x100, 1));
  try {
    wrong_key.add(relation());
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kConfig);
    EXPECT_NE(e.message().find("'ident'"), std::string::npos);
  }
}

TEST(SnapshotSeen, TellsWhichTransactionsTheCopySaw) {
  using pgoutput::SnapshotSeen;
  // xmin 4294967290 (an epoch boundary ahead), xmax 4294967300, 4294967295 still running.
  const SnapshotSeen seen = SnapshotSeen::parse("4294967290:4294967300:4294967295", "0/5000");
  EXPECT_EQ(SnapshotSeen::from_text(seen.text())->text(), seen.text());
  EXPECT_TRUE(seen.saw(4294967280u, 0x4000));   // ended before xmin
  EXPECT_TRUE(seen.saw(4294967294u, 0x4000));   // between xmin and xmax, not running
  EXPECT_FALSE(seen.saw(4294967295u, 0x4000));  // running when the snapshot was taken
  EXPECT_TRUE(seen.saw(2u, 0x4000));            // 4294967298: past the 32-bit wrap, seen
  EXPECT_FALSE(seen.saw(4u, 0x4000));           // 4294967300 = xmax: not started yet
  EXPECT_FALSE(seen.saw(4294967280u, 0x5000));  // committed after the recorded WAL position
  EXPECT_FALSE(SnapshotSeen::from_text("12:15:"));
  EXPECT_THROW(SnapshotSeen::parse("12:x:", "0/1"), Error);

  // A collector skips the transactions the copy saw and keeps the others, in order.
  ChangeCollector changes("public", "items", {"id"}, 0x100);
  changes.skip_seen_by(SnapshotSeen::parse("700:710:705", "0/400"));
  changes.add(begin(0x200, 703));  // seen: in the copy
  changes.add(relation());
  changes.add(insert({"1", "copied"}));
  changes.add(commit(0x200, 0x210));
  changes.add(begin(0x300, 705));  // running at the snapshot: not in the copy
  changes.add(insert({"2", "streamed"}));
  changes.add(commit(0x300, 0x310));
  changes.add(begin(0x500, 704));  // after the WAL position: not seen, whatever its id
  changes.add(insert({"3", "late"}));
  changes.add(commit(0x500, 0x510));
  ASSERT_EQ(changes.rows().size(), 2u);
  EXPECT_EQ(changes.rows()[0].values[1], "streamed");
  EXPECT_EQ(changes.rows()[1].values[1], "late");
  EXPECT_EQ(changes.position(std::nullopt), 0x510u);
}

}  // namespace
}  // namespace strata::ingest
