#include <zlib.h>

#include <cstring>

#include "core/error.hpp"
#include "lake/avro.hpp"

namespace strata::lake::avro {

namespace {

using nlohmann::json;

class Decoder {
 public:
  Decoder(std::string_view data, const std::string& path) : data_(data), path_(path) {}

  [[noreturn]] void corrupt(const std::string& what) const {
    throw Error(ErrorKind::kStorage,
                "not a readable Avro file: " + what + " at byte " + std::to_string(position_),
                Location(path_));
  }
  bool at_end() const { return position_ >= data_.size(); }
  std::string_view take(size_t n) {
    if (n > data_.size() - position_) corrupt("unexpected end of file");
    std::string_view out = data_.substr(position_, n);
    position_ += n;
    return out;
  }
  int64_t int64() {
    uint64_t value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      const auto byte = static_cast<unsigned char>(take(1)[0]);
      value |= static_cast<uint64_t>(byte & 0x7F) << shift;
      if (!(byte & 0x80))
        return static_cast<int64_t>(value >> 1) ^ -static_cast<int64_t>(value & 1);
    }
    corrupt("a variable-length integer is too long");
  }
  std::string_view bytes() {
    const int64_t length = int64();
    if (length < 0) corrupt("negative length");
    return take(static_cast<size_t>(length));
  }
  template <typename T>
  T little_endian() {
    T value;
    std::memcpy(&value, take(sizeof(T)).data(), sizeof(T));
    return value;
  }
  // The item count of the next block of an array or map (0 at the end).
  int64_t block_count() {
    int64_t count = int64();
    if (count < 0) {
      count = -count;
      int64();  // the block's size in bytes, which a sequential reader does not need
    }
    return count;
  }

 private:
  std::string_view data_;
  size_t position_ = 0;
  const std::string& path_;
};

std::string inflate_raw(std::string_view data, const std::string& path) {
  z_stream stream{};
  if (inflateInit2(&stream, -MAX_WBITS) != Z_OK) {
    throw Error(ErrorKind::kInternal, "cannot initialize zlib", Location(path));
  }
  std::string out;
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  stream.avail_in = static_cast<uInt>(data.size());
  char buffer[1 << 16];
  int status = Z_OK;
  while (status != Z_STREAM_END) {
    stream.next_out = reinterpret_cast<Bytef*>(buffer);
    stream.avail_out = sizeof buffer;
    status = inflate(&stream, Z_NO_FLUSH);
    if (status != Z_OK && status != Z_STREAM_END) {
      inflateEnd(&stream);
      throw Error(ErrorKind::kStorage, "not a readable Avro file: a deflate block is corrupt",
                  Location(path));
    }
    out.append(buffer, sizeof buffer - stream.avail_out);
    if (status == Z_OK && stream.avail_in == 0 && stream.avail_out != 0) break;
  }
  inflateEnd(&stream);
  return out;
}

json binary_json(std::string_view bytes) {
  return json::binary(std::vector<uint8_t>(bytes.begin(), bytes.end()));
}

// Decodes values by a schema, resolving references to named types (records, enums, fixed).
class SchemaReader {
 public:
  SchemaReader(const json& schema, Decoder& in) : in_(in) { define(schema); }

  json read(const json& schema) {
    if (schema.is_string()) return read_named(schema.get<std::string>());
    if (schema.is_array()) {
      const int64_t branch = in_.int64();
      if (branch < 0 || static_cast<size_t>(branch) >= schema.size()) in_.corrupt("bad union");
      return read(schema[static_cast<size_t>(branch)]);
    }
    if (!schema.is_object() || !schema.contains("type")) in_.corrupt("bad schema " + schema.dump());
    const json& type = schema["type"];
    if (!type.is_string()) return read(type);
    const std::string kind = type.get<std::string>();
    if (kind == "record" || kind == "error") {
      json out = json::object();
      for (const json& field : schema["fields"]) {
        out[field["name"].get<std::string>()] = read(field["type"]);
      }
      return out;
    }
    if (kind == "enum") {
      const int64_t index = in_.int64();
      const json& symbols = schema["symbols"];
      if (index < 0 || static_cast<size_t>(index) >= symbols.size()) in_.corrupt("bad enum");
      return symbols[static_cast<size_t>(index)];
    }
    if (kind == "array") {
      json out = json::array();
      while (int64_t count = in_.block_count()) {
        for (int64_t i = 0; i < count; ++i) out.push_back(read(schema["items"]));
      }
      return out;
    }
    if (kind == "map") {
      json out = json::object();
      while (int64_t count = in_.block_count()) {
        for (int64_t i = 0; i < count; ++i) {
          std::string key(in_.bytes());
          out[key] = read(schema["values"]);
        }
      }
      return out;
    }
    if (kind == "fixed") return binary_json(in_.take(schema["size"].get<size_t>()));
    return read_named(kind);  // a primitive with attributes, e.g. a logical type
  }

 private:
  Decoder& in_;
  std::map<std::string, const json*> named_;

  void define(const json& schema) {
    if (schema.is_array()) {
      for (const json& branch : schema) define(branch);
      return;
    }
    if (!schema.is_object()) return;
    const json& type = schema.value("type", json());
    if (type.is_string() &&
        (type == "record" || type == "error" || type == "enum" || type == "fixed")) {
      std::string name = schema.value("name", "");
      named_[name] = &schema;
      if (schema.contains("namespace")) {
        named_[schema["namespace"].get<std::string>() + "." + name] = &schema;
      }
    }
    if (!type.is_string()) define(type);
    if (schema.contains("fields")) {
      for (const json& field : schema["fields"]) define(field["type"]);
    }
    if (schema.contains("items")) define(schema["items"]);
    if (schema.contains("values")) define(schema["values"]);
  }

  json read_named(const std::string& name) {
    if (name == "null") return nullptr;
    if (name == "boolean") return in_.take(1)[0] != 0;
    if (name == "int" || name == "long") return in_.int64();
    if (name == "float") return in_.little_endian<float>();
    if (name == "double") return in_.little_endian<double>();
    if (name == "bytes") return binary_json(in_.bytes());
    if (name == "string") return std::string(in_.bytes());
    auto found = named_.find(name);
    if (found == named_.end()) {
      const size_t dot = name.rfind('.');
      if (dot != std::string::npos) found = named_.find(name.substr(dot + 1));
    }
    if (found == named_.end()) in_.corrupt("unknown type '" + name + "'");
    return read(*found->second);
  }
};

}  // namespace

ContainerFile read_container(std::string_view bytes, const std::string& path) {
  Decoder in(bytes, path);
  if (in.take(4) != std::string_view("Obj\x01", 4)) in.corrupt("no Avro magic");
  ContainerFile file;
  while (int64_t count = in.block_count()) {
    for (int64_t i = 0; i < count; ++i) {
      std::string key(in.bytes());
      file.metadata[key] = std::string(in.bytes());
    }
  }
  const std::string sync(in.take(16));
  const std::string codec = file.metadata.count("avro.codec") ? file.metadata["avro.codec"] : "";
  const bool deflated = codec == "deflate";
  if (!codec.empty() && codec != "null" && !deflated) {
    throw Error(ErrorKind::kStorage,
                "the Avro file uses the '" + codec + "' codec, which strata cannot read yet",
                Location(path));
  }
  try {
    file.schema = json::parse(file.metadata.at("avro.schema"));
  } catch (const std::exception&) {
    in.corrupt("no readable avro.schema");
  }
  while (!in.at_end()) {
    const int64_t records = in.int64();
    const int64_t size = in.int64();
    if (records < 0 || size < 0) in.corrupt("negative block header");
    const std::string_view block = in.take(static_cast<size_t>(size));
    // Each block is compressed on its own (deflate: raw RFC 1951 data, no zlib header).
    const std::string inflated = deflated ? inflate_raw(block, path) : std::string();
    Decoder records_in(deflated ? std::string_view(inflated) : block, path);
    SchemaReader reader(file.schema, records_in);
    for (int64_t i = 0; i < records; ++i) file.records.push_back(reader.read(file.schema));
    if (in.take(16) != sync) in.corrupt("sync marker mismatch");
  }
  return file;
}

std::string binary_text(const json& value) {
  if (value.is_binary()) {
    const auto& bytes = value.get_binary();
    return std::string(bytes.begin(), bytes.end());
  }
  if (value.is_string()) return value.get<std::string>();
  return {};
}

}  // namespace strata::lake::avro
