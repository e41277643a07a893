#include "serve/http/flatbuffer_writer.hpp"

#include <algorithm>

namespace strata::serve::http {

namespace {

void pad_to(std::string& out, size_t align) {
  while (out.size() % align != 0) out.push_back('\0');
}

template <typename T>
void put(std::string& out, size_t at, T value) {
  std::memcpy(out.data() + at, &value, sizeof(T));
}

template <typename T>
void append(std::string& out, T value) {
  out.resize(out.size() + sizeof(T));
  put(out, out.size() - sizeof(T), value);
}

// Points the uoffset at `at` to `target`, which lies after it.
void link(std::string& out, size_t at, size_t target) {
  put(out, at, static_cast<uint32_t>(target - at));
}

}  // namespace

void FlatTable::string(int slot, std::string text) {
  fields_.push_back({slot, Kind::kString, std::move(text), 4, {}});
}

void FlatTable::table(int slot, FlatTable child) {
  Field field{slot, Kind::kTable, {}, 4, {}};
  field.children.push_back(std::move(child));
  fields_.push_back(std::move(field));
}

void FlatTable::tables(int slot, std::vector<FlatTable> children) {
  fields_.push_back({slot, Kind::kTables, {}, 4, std::move(children)});
}

void FlatTable::structs(int slot, std::string encoded, size_t struct_size, size_t align) {
  Field field{slot, Kind::kStructs, std::move(encoded), 4, {}};
  field.align = align;
  field.count = static_cast<uint32_t>(field.bytes.size() / struct_size);
  fields_.push_back(std::move(field));
}

size_t FlatTable::write(std::string& out) const {
  // Where each field sits in the table: after the vtable offset, each at its own alignment
  // (the table starts 8-aligned, so relative alignment is absolute alignment).
  std::vector<size_t> position(fields_.size());
  size_t size = 4;
  int slots = 0;
  for (size_t i = 0; i < fields_.size(); ++i) {
    const size_t width = fields_[i].size;
    size = (size + width - 1) / width * width;
    position[i] = size;
    size += width;
    slots = std::max(slots, fields_[i].slot + 1);
  }
  pad_to(out, 2);
  const size_t vtable = out.size();
  append<uint16_t>(out, static_cast<uint16_t>(4 + 2 * slots));
  append<uint16_t>(out, static_cast<uint16_t>(size));
  std::vector<uint16_t> entries(slots, 0);
  for (size_t i = 0; i < fields_.size(); ++i) {
    entries[fields_[i].slot] = static_cast<uint16_t>(position[i]);
  }
  for (uint16_t entry : entries) append(out, entry);
  pad_to(out, 8);
  const size_t table = out.size();
  out.resize(table + size, '\0');
  put(out, table, static_cast<int32_t>(table - vtable));  // the vtable is at table - this
  for (size_t i = 0; i < fields_.size(); ++i) {
    if (fields_[i].kind == Kind::kScalar) {
      std::memcpy(out.data() + table + position[i], fields_[i].bytes.data(), fields_[i].size);
    }
  }
  // Children after the table, each linked from its field.
  for (size_t i = 0; i < fields_.size(); ++i) {
    const Field& field = fields_[i];
    const size_t at = table + position[i];
    switch (field.kind) {
      case Kind::kScalar:
        break;
      case Kind::kString: {
        pad_to(out, 4);
        link(out, at, out.size());
        append<uint32_t>(out, static_cast<uint32_t>(field.bytes.size()));
        out += field.bytes;
        out.push_back('\0');
        break;
      }
      case Kind::kTable:
        link(out, at, field.children.front().write(out));
        break;
      case Kind::kTables: {
        pad_to(out, 4);
        const size_t vector = out.size();
        link(out, at, vector);
        append<uint32_t>(out, static_cast<uint32_t>(field.children.size()));
        out.resize(out.size() + 4 * field.children.size(), '\0');
        for (size_t c = 0; c < field.children.size(); ++c) {
          const size_t slot = vector + 4 + 4 * c;
          link(out, slot, field.children[c].write(out));
        }
        break;
      }
      case Kind::kStructs: {
        pad_to(out, 4);
        while ((out.size() + 4) % field.align != 0) out.push_back('\0');
        link(out, at, out.size());
        append<uint32_t>(out, field.count);
        out += field.bytes;
        break;
      }
    }
  }
  return table;
}

std::string FlatTable::finish() const {
  std::string out(4, '\0');
  put(out, 0, static_cast<uint32_t>(write(out)));
  pad_to(out, 8);
  return out;
}

}  // namespace strata::serve::http
