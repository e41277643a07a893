// Apache Avro (specification 1.11) as Iceberg uses it for manifests and manifest lists: the binary
// encoding (zigzag variable-length integers, little-endian floats, length-prefixed bytes and
// strings, unions as a branch index, arrays and maps as counted blocks) and object container files
// (the magic "Obj\x01", a metadata map holding avro.schema and avro.codec, a 16-byte sync marker,
// then blocks of records each followed by the marker). Files are written with the null codec.
// The reader decodes any container file with the null or deflate codec (other writers, such as
// pyiceberg, compress manifests) into JSON by its own schema (records
// as objects, unions as their value, bytes and fixed as JSON binary values), which is what strata
// needs to read back the manifests of a table.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace strata::lake::avro {

class Encoder {
 public:
  void boolean(bool value) { out_.push_back(value ? '\x01' : '\x00'); }
  void int32(int32_t value) { int64(value); }
  void int64(int64_t value);
  void float32(float value);
  void float64(double value);
  void bytes(std::string_view value);
  void string(std::string_view value) { bytes(value); }
  void fixed(std::string_view value) { out_.append(value); }
  // A union value: the index of its branch in the union's schema, then the value (if not null).
  void branch(int index) { int64(index); }
  // An array or map: begin(count), the items (for a map: key string, then value), end().
  void begin_items(size_t count) {
    if (count) int64(static_cast<int64_t>(count));
  }
  void end_items() { int64(0); }

  const std::string& data() const { return out_; }
  size_t size() const { return out_.size(); }
  void clear() { out_.clear(); }

 private:
  std::string out_;
};

// Builds a container file in memory: encode each record with encoder(), then call end_record().
class FileWriter {
 public:
  // `schema` is the Avro schema of the records; `metadata` is stored beside avro.schema.
  FileWriter(const nlohmann::json& schema, const std::map<std::string, std::string>& metadata);

  Encoder& encoder() { return block_; }
  void end_record();
  // The complete file.
  std::string finish();

 private:
  std::string out_;
  std::string sync_;
  Encoder block_;
  int64_t block_records_ = 0;
  void flush_block();
};

struct ContainerFile {
  nlohmann::json schema;
  std::map<std::string, std::string> metadata;
  std::vector<nlohmann::json> records;
};

// Throws kStorage naming `path` when the bytes are not a readable Avro container file.
ContainerFile read_container(std::string_view bytes, const std::string& path);

// The bytes of a JSON binary value decoded from Avro bytes or fixed.
std::string binary_text(const nlohmann::json& value);

}  // namespace strata::lake::avro
