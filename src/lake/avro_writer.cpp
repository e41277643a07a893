#include <cstring>

#include "core/ids.hpp"
#include "lake/avro.hpp"

namespace strata::lake::avro {

namespace {

constexpr char kMagic[] = {'O', 'b', 'j', '\x01'};
constexpr size_t kBlockBytes = 1 << 20;

}  // namespace

void Encoder::int64(int64_t value) {
  uint64_t zigzag = (static_cast<uint64_t>(value) << 1) ^ static_cast<uint64_t>(value >> 63);
  while (zigzag >= 0x80) {
    out_.push_back(static_cast<char>((zigzag & 0x7F) | 0x80));
    zigzag >>= 7;
  }
  out_.push_back(static_cast<char>(zigzag));
}

void Encoder::float32(float value) {
  char bytes[sizeof value];
  std::memcpy(bytes, &value, sizeof value);  // little-endian machines only
  out_.append(bytes, sizeof bytes);
}

void Encoder::float64(double value) {
  char bytes[sizeof value];
  std::memcpy(bytes, &value, sizeof value);
  out_.append(bytes, sizeof bytes);
}

void Encoder::bytes(std::string_view value) {
  int64(static_cast<int64_t>(value.size()));
  out_.append(value);
}

FileWriter::FileWriter(const nlohmann::json& schema,
                       const std::map<std::string, std::string>& metadata) {
  for (int i = 0; i < 2; ++i) {
    const uint64_t random = ids::random_u64();
    sync_.append(reinterpret_cast<const char*>(&random), sizeof random);
  }
  Encoder header;
  header.fixed(std::string_view(kMagic, sizeof kMagic));
  std::map<std::string, std::string> entries = metadata;
  entries["avro.schema"] = schema.dump();
  entries["avro.codec"] = "null";
  header.begin_items(entries.size());
  for (const auto& [key, value] : entries) {
    header.string(key);
    header.bytes(value);
  }
  header.end_items();
  header.fixed(sync_);
  out_ = header.data();
}

void FileWriter::end_record() {
  ++block_records_;
  if (block_.size() >= kBlockBytes) flush_block();
}

void FileWriter::flush_block() {
  if (block_records_ == 0) return;
  Encoder prefix;
  prefix.int64(block_records_);
  prefix.int64(static_cast<int64_t>(block_.size()));
  out_ += prefix.data();
  out_ += block_.data();
  out_ += sync_;
  block_.clear();
  block_records_ = 0;
}

std::string FileWriter::finish() {
  flush_block();
  return std::move(out_);
}

}  // namespace strata::lake::avro
