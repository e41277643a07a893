// A minimal FlatBuffers writer, enough for the metadata of Arrow IPC messages (Message, Schema,
// Field, RecordBatch): tables with scalar fields, strings, nested tables, vectors of tables and
// vectors of structs. A message is first built as a tree of FlatTable values and then laid out
// front to back in one pass (each table's vtable just before it, every child after its parent, so
// all offsets are the unsigned forward offsets the format requires), with every scalar at its
// natural alignment relative to the start of the buffer.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace strata::serve::http {

class FlatTable {
 public:
  // Field `slot` (its index in the schema's table, unions taking two) holds `value`.
  template <typename T>
  void scalar(int slot, T value) {
    std::string bytes(sizeof(T), '\0');
    std::memcpy(bytes.data(), &value, sizeof(T));  // little-endian hosts only (as Arrow's IPC)
    fields_.push_back({slot, Kind::kScalar, std::move(bytes), sizeof(T), {}});
  }
  void string(int slot, std::string text);
  void table(int slot, FlatTable child);
  void tables(int slot, std::vector<FlatTable> children);
  // A vector of structs of `struct_size` bytes each, already encoded, aligned to `align`.
  void structs(int slot, std::string encoded, size_t struct_size, size_t align);

  // The finished buffer with this table as its root, padded to a multiple of 8 bytes.
  std::string finish() const;

 private:
  enum class Kind { kScalar, kString, kTable, kTables, kStructs };
  struct Field {
    int slot;
    Kind kind;
    std::string bytes;  // scalar value, string text or encoded structs
    size_t size;        // scalar size or struct size
    std::vector<FlatTable> children;
    size_t align = 0;    // structs
    uint32_t count = 0;  // structs
  };
  std::vector<Field> fields_;

  size_t write(std::string& out) const;
};

}  // namespace strata::serve::http
