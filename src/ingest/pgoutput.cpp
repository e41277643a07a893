#include "ingest/pgoutput.hpp"

#include <cstdio>

#include "core/error.hpp"

namespace strata::ingest::pgoutput {

namespace {

// Reads the big-endian fields of one message, failing with the offset where it ran short.
class Reader {
 public:
  Reader(std::string_view bytes, char tag) : bytes_(bytes), tag_(tag) {}

  uint64_t integer(size_t size) {
    need(size);
    uint64_t value = 0;
    for (size_t i = 0; i < size; ++i) {
      value = (value << 8) | static_cast<unsigned char>(bytes_[offset_ + i]);
    }
    offset_ += size;
    return value;
  }
  char byte() { return static_cast<char>(integer(1)); }
  std::string string() {
    const size_t end = bytes_.find('\0', offset_);
    if (end == std::string_view::npos) fail("a string without its terminating zero byte");
    std::string text(bytes_.substr(offset_, end - offset_));
    offset_ = end + 1;
    return text;
  }
  std::string bytes(size_t size) {
    need(size);
    std::string text(bytes_.substr(offset_, size));
    offset_ += size;
    return text;
  }
  Tuple tuple() {
    const size_t count = integer(2);
    Tuple values(count);
    for (Value& value : values) {
      const char kind = byte();
      if (kind == 'n') {
        value.kind = Value::Kind::kNull;
      } else if (kind == 'u') {
        value.kind = Value::Kind::kUnchangedToast;
      } else if (kind == 't' || kind == 'b') {
        value.kind = Value::Kind::kText;
        value.text = bytes(integer(4));
      } else {
        --offset_;
        fail(std::string("an unknown column value kind '") + kind + "'");
      }
    }
    return values;
  }
  void expect_end() {
    if (offset_ != bytes_.size()) fail("unexpected bytes after the message");
  }
  [[noreturn]] void fail(const std::string& what) const {
    throw Error(ErrorKind::kInput, std::string("malformed pgoutput message '") + tag_ +
                                       "': " + what + " at byte offset " + std::to_string(offset_) +
                                       " of " + std::to_string(bytes_.size()));
  }

 private:
  std::string_view bytes_;
  char tag_;
  size_t offset_ = 1;  // after the message type byte

  void need(size_t size) const {
    if (offset_ + size > bytes_.size()) {
      fail("needs " + std::to_string(size) + " more bytes");
    }
  }
};

}  // namespace

Message decode(std::string_view bytes) {
  if (bytes.empty()) throw Error(ErrorKind::kInput, "empty pgoutput message");
  Message message;
  message.tag = bytes[0];
  Reader in(bytes, message.tag);
  switch (message.tag) {
    case 'B':
      message.type = Message::Type::kBegin;
      message.lsn = in.integer(8);
      in.integer(8);  // commit timestamp
      message.xid = static_cast<uint32_t>(in.integer(4));
      break;
    case 'C':
      message.type = Message::Type::kCommit;
      in.byte();  // flags (unused)
      message.lsn = in.integer(8);
      message.end_lsn = in.integer(8);
      in.integer(8);  // commit timestamp
      break;
    case 'R': {
      message.type = Message::Type::kRelation;
      Relation& relation = message.relation;
      relation.oid = static_cast<uint32_t>(in.integer(4));
      message.relation_oid = relation.oid;
      relation.schema = in.string();
      relation.name = in.string();
      relation.replica_identity = in.byte();
      relation.columns.resize(in.integer(2));
      for (RelationColumn& column : relation.columns) {
        column.key = (in.byte() & 1) != 0;
        column.name = in.string();
        column.type_oid = static_cast<uint32_t>(in.integer(4));
        in.integer(4);  // type modifier
      }
      break;
    }
    case 'I':
      message.type = Message::Type::kInsert;
      message.relation_oid = static_cast<uint32_t>(in.integer(4));
      if (in.byte() != 'N') in.fail("an Insert without its new tuple ('N')");
      message.new_tuple = in.tuple();
      break;
    case 'U': {
      message.type = Message::Type::kUpdate;
      message.relation_oid = static_cast<uint32_t>(in.integer(4));
      char part = in.byte();
      if (part == 'K' || part == 'O') {
        message.old_kind = part;
        message.old_tuple = in.tuple();
        part = in.byte();
      }
      if (part != 'N') in.fail("an Update without its new tuple ('N')");
      message.new_tuple = in.tuple();
      break;
    }
    case 'D': {
      message.type = Message::Type::kDelete;
      message.relation_oid = static_cast<uint32_t>(in.integer(4));
      const char part = in.byte();
      if (part != 'K' && part != 'O') in.fail("a Delete without its old key ('K') or row ('O')");
      message.old_kind = part;
      message.old_tuple = in.tuple();
      break;
    }
    case 'T': {
      message.type = Message::Type::kTruncate;
      const size_t count = in.integer(4);
      in.byte();  // options: CASCADE, RESTART IDENTITY
      for (size_t i = 0; i < count; ++i) {
        message.truncated.push_back(static_cast<uint32_t>(in.integer(4)));
      }
      break;
    }
    case 'O':  // origin
    case 'Y':  // type
    case 'M':  // logical decoding message
      message.type = Message::Type::kOther;
      return message;
    default:
      throw Error(ErrorKind::kInput, std::string("unknown pgoutput message type '") + message.tag +
                                         "' (byte 0 of " + std::to_string(bytes.size()) + ")");
  }
  in.expect_end();
  return message;
}

uint64_t parse_lsn(std::string_view text) {
  const size_t slash = text.find('/');
  auto hex = [&](std::string_view part) {
    if (part.empty() || part.size() > 8) {
      throw Error(ErrorKind::kInput, "malformed LSN '" + std::string(text) + "'");
    }
    uint64_t value = 0;
    for (char c : part) {
      int digit = c >= '0' && c <= '9'   ? c - '0'
                  : c >= 'A' && c <= 'F' ? c - 'A' + 10
                  : c >= 'a' && c <= 'f' ? c - 'a' + 10
                                         : -1;
      if (digit < 0) throw Error(ErrorKind::kInput, "malformed LSN '" + std::string(text) + "'");
      value = value * 16 + static_cast<uint64_t>(digit);
    }
    return value;
  };
  if (slash == std::string_view::npos) {
    throw Error(ErrorKind::kInput, "malformed LSN '" + std::string(text) + "'");
  }
  return (hex(text.substr(0, slash)) << 32) | hex(text.substr(slash + 1));
}

std::string format_lsn(uint64_t lsn) {
  char text[24];
  std::snprintf(text, sizeof text, "%X/%X", static_cast<unsigned>(lsn >> 32),
                static_cast<unsigned>(lsn & 0xffffffffu));
  return text;
}

}  // namespace strata::ingest::pgoutput
