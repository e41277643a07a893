// MySQL's binary JSON format (the storage of the JSON column type, as the binary log carries it)
// turned back into JSON text: objects and arrays (small with 2-byte, large with 4-byte counts and
// offsets), literals, integers, doubles and strings; small scalars are stored inline in their
// parent's entry. Opaque values (MySQL types inside JSON) are refused with the place.
#include <cstdio>

#include "ingest/mysql_binlog_values.hpp"

namespace strata::ingest::mysql {

namespace {

enum JsonType : uint8_t {
  kSmallObject = 0x00,
  kLargeObject = 0x01,
  kSmallArray = 0x02,
  kLargeArray = 0x03,
  kLiteral = 0x04,
  kInt16 = 0x05,
  kUint16 = 0x06,
  kInt32 = 0x07,
  kUint32 = 0x08,
  kInt64 = 0x09,
  kUint64 = 0x0a,
  kDouble = 0x0b,
  kString = 0x0c,
};

void quoted(std::string& out, std::string_view text) {
  out += '"';
  for (char c : text) {
    const auto u = static_cast<uint8_t>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20) {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\u%04x", u);
      out += escaped;
    } else {
      out += c;
    }
  }
  out += '"';
}

class JsonWriter {
 public:
  explicit JsonWriter(const std::string& where) : where_(where) {}

  void value(uint8_t type, std::string_view data, std::string& out) {
    ByteReader reader(data, "JSON value of " + where_);
    switch (type) {
      case kSmallObject:
      case kLargeObject:
        container(data, type == kLargeObject, true, out);
        return;
      case kSmallArray:
      case kLargeArray:
        container(data, type == kLargeArray, false, out);
        return;
      case kLiteral:
        out += literal(reader.u8());
        return;
      case kInt16:
        out += std::to_string(static_cast<int16_t>(reader.uint_le(2)));
        return;
      case kUint16:
        out += std::to_string(reader.uint_le(2));
        return;
      case kInt32:
        out += std::to_string(static_cast<int32_t>(reader.uint_le(4)));
        return;
      case kUint32:
        out += std::to_string(reader.uint_le(4));
        return;
      case kInt64:
        out += std::to_string(static_cast<int64_t>(reader.uint_le(8)));
        return;
      case kUint64:
        out += std::to_string(reader.uint_le(8));
        return;
      case kDouble:
        out += decode_double(reader);
        return;
      case kString: {
        uint64_t length = 0;
        for (int shift = 0;; shift += 7) {  // 7 bits per byte, the high bit continues
          const uint8_t byte = reader.u8();
          length |= static_cast<uint64_t>(byte & 0x7f) << shift;
          if (!(byte & 0x80) || shift > 28) break;
        }
        quoted(out, reader.bytes(length));
        return;
      }
      default:
        throw Error(ErrorKind::kInput, "JSON value of type " + std::to_string(type) + " in " +
                                           where_ + " (an opaque MySQL value) is not decoded yet");
    }
  }

 private:
  const std::string& where_;

  static std::string literal(uint8_t code) {
    return code == 1 ? "true" : code == 2 ? "false" : "null";
  }

  // An object or array starting at `data` (offsets are relative to it).
  void container(std::string_view data, bool large, bool object, std::string& out) {
    const size_t width = large ? 4 : 2;
    ByteReader reader(data, "JSON container of " + where_);
    const uint64_t count = reader.uint_le(width);
    reader.skip(width);  // size in bytes
    std::vector<std::string_view> keys;
    if (object) {
      for (uint64_t i = 0; i < count; ++i) {
        const uint64_t offset = reader.uint_le(width);
        const uint64_t length = reader.uint_le(2);
        ByteReader key(data, "a JSON key of " + where_);
        key.skip(offset);
        keys.push_back(key.bytes(length));
      }
    }
    out += object ? '{' : '[';
    for (uint64_t i = 0; i < count; ++i) {
      if (i > 0) out += ',';
      if (object) {
        quoted(out, keys[i]);
        out += ':';
      }
      const uint8_t type = reader.u8();
      const bool inline_value = type == kLiteral || type == kInt16 || type == kUint16 ||
                                (large && (type == kInt32 || type == kUint32));
      const std::string_view entry = reader.bytes(width);
      if (inline_value) {
        value(type, entry, out);
      } else {
        ByteReader at(entry, "a JSON offset");
        const uint64_t offset = at.uint_le(width);
        if (offset >= data.size()) {
          throw Error(ErrorKind::kInput, "JSON value of " + where_ + " has an offset past its end");
        }
        value(type, data.substr(offset), out);
      }
    }
    out += object ? '}' : ']';
  }
};

}  // namespace

std::string binary_json_to_text(std::string_view bytes, const std::string& where) {
  if (bytes.empty()) return "null";
  JsonWriter writer(where);
  std::string out;
  writer.value(static_cast<uint8_t>(bytes[0]), bytes.substr(1), out);
  return out;
}

}  // namespace strata::ingest::mysql
