#include "serve/http/arrow_ipc.hpp"

#include <bit>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "engine/duckdb_api.hpp"
#include "engine/duckdb_symbol.hpp"
#include "serve/http/flatbuffer_writer.hpp"

// The Arrow C data interface (an ABI fixed by the Arrow spec; duckdb.h only declares the names).
#ifndef ARROW_C_DATA_INTERFACE
#define ARROW_C_DATA_INTERFACE
struct ArrowSchema {
  const char* format;
  const char* name;
  const char* metadata;
  int64_t flags;
  int64_t n_children;
  struct ArrowSchema** children;
  struct ArrowSchema* dictionary;
  void (*release)(struct ArrowSchema*);
  void* private_data;
};
struct ArrowArray {
  int64_t length;
  int64_t null_count;
  int64_t offset;
  int64_t n_buffers;
  int64_t n_children;
  const void** buffers;
  struct ArrowArray** children;
  struct ArrowArray* dictionary;
  void (*release)(struct ArrowArray*);
  void* private_data;
};
#endif

namespace strata::serve::http {

namespace {

static_assert(std::endian::native == std::endian::little, "Arrow IPC is written little-endian");

constexpr int64_t kNullableFlag = 2;    // ARROW_FLAG_NULLABLE
constexpr int64_t kKeysSortedFlag = 4;  // ARROW_FLAG_MAP_KEYS_SORTED
constexpr int16_t kMetadataV5 = 4;
constexpr uint8_t kSchemaHeader = 1;
constexpr uint8_t kRecordBatchHeader = 3;

// Schema.fbs, union Type.
enum TypeId : uint8_t {
  kNull = 1,
  kInt = 2,
  kFloatingPoint = 3,
  kBinary = 4,
  kUtf8 = 5,
  kBool = 6,
  kDecimal = 7,
  kDate = 8,
  kTime = 9,
  kTimestamp = 10,
  kInterval = 11,
  kList = 12,
  kStruct = 13,
  kFixedSizeBinary = 15,
  kFixedSizeList = 16,
  kMap = 17,
  kDuration = 18,
  kLargeBinary = 19,
  kLargeUtf8 = 20,
  kLargeList = 21,
};

const engine::DuckDbApi& api() {
  return engine::duckdb();
}

// DuckDB's Arrow conversion functions, resolved once.
struct ArrowFunctions {
#define STRATA_ARROW_FUNCTION(name) \
  decltype(&::name) name = engine::duckdb_function<&::name>(#name);
  STRATA_ARROW_FUNCTION(duckdb_result_get_arrow_options)
  STRATA_ARROW_FUNCTION(duckdb_destroy_arrow_options)
  STRATA_ARROW_FUNCTION(duckdb_to_arrow_schema)
  STRATA_ARROW_FUNCTION(duckdb_data_chunk_to_arrow)
  STRATA_ARROW_FUNCTION(duckdb_error_data_has_error)
  STRATA_ARROW_FUNCTION(duckdb_error_data_message)
  STRATA_ARROW_FUNCTION(duckdb_destroy_error_data)
#undef STRATA_ARROW_FUNCTION
};

const ArrowFunctions& arrow() {
  static const ArrowFunctions functions;
  return functions;
}

void check(duckdb_error_data error, const char* what) {
  if (!error) return;
  std::string message;
  if (arrow().duckdb_error_data_has_error(error))
    message = arrow().duckdb_error_data_message(error);
  arrow().duckdb_destroy_error_data(&error);
  if (!message.empty()) throw Error(ErrorKind::kEngine, std::string(what) + ": " + message);
}

struct ReleasedSchema {
  ArrowSchema schema{};
  ~ReleasedSchema() {
    if (schema.release) schema.release(&schema);
  }
};

struct ReleasedArray {
  ArrowArray array{};
  ~ReleasedArray() {
    if (array.release) array.release(&array);
  }
};

int16_t time_unit(char code, std::string_view format) {
  switch (code) {
    case 's':
      return 0;
    case 'm':
      return 1;
    case 'u':
      return 2;
    case 'n':
      return 3;
    default:
      throw Error(ErrorKind::kInternal,
                  "unknown Arrow time unit in format '" + std::string(format) + "'");
  }
}

void append_message(std::string& out, uint8_t header_type, FlatTable header, std::string body) {
  FlatTable message;
  message.scalar<int16_t>(0, kMetadataV5);
  message.scalar<uint8_t>(1, header_type);
  message.table(2, std::move(header));
  message.scalar<int64_t>(3, static_cast<int64_t>(body.size()));
  const std::string metadata = message.finish();  // padded to 8: the body starts aligned
  const uint32_t continuation = 0xFFFFFFFF;
  const auto length = static_cast<int32_t>(metadata.size());
  out.append(reinterpret_cast<const char*>(&continuation), 4);
  out.append(reinterpret_cast<const char*>(&length), 4);
  out += metadata;
  out += body;
}

}  // namespace

// How a column's buffers are laid out in a record batch body, besides its validity bitmap.
enum class Layout {
  kNull,
  kBits,
  kFixed,
  kVarBinary,
  kLargeVarBinary,
  kList,
  kLargeList,
  kChildren
};

struct ColumnPlan {
  Layout layout = Layout::kFixed;
  size_t width = 0;  // kFixed: bytes per value
  std::vector<ColumnPlan> children;
};

struct ArrowStreamEncoder::State {
  duckdb_arrow_options options = nullptr;
  std::vector<ColumnPlan> plans;
  std::string schema_message;
  ~State() {
    if (options) arrow().duckdb_destroy_arrow_options(&options);
  }
};

namespace {

// The Field table of a column, from its C data interface schema, and how its buffers are laid out.
FlatTable field_of(const ArrowSchema& schema, ColumnPlan& plan) {
  const std::string name = schema.name ? schema.name : "";
  const std::string_view format = schema.format;
  if (schema.dictionary) {
    throw Error(ErrorKind::kInput, "column \"" + name +
                                       "\" is dictionary-encoded (an ENUM), which the Arrow "
                                       "output does not support yet; cast it to VARCHAR");
  }
  FlatTable type;
  uint8_t type_id = 0;
  auto fixed = [&](uint8_t id, size_t width) {
    type_id = id;
    plan.layout = Layout::kFixed;
    plan.width = width;
  };
  auto integer = [&](int32_t bits, bool is_signed) {
    fixed(kInt, bits / 8);
    type.scalar<int32_t>(0, bits);
    type.scalar<uint8_t>(1, is_signed ? 1 : 0);
  };
  if (format.size() == 1) {
    switch (format[0]) {
      case 'n':
        type_id = kNull;
        plan.layout = Layout::kNull;
        break;
      case 'b':
        type_id = kBool;
        plan.layout = Layout::kBits;
        break;
      case 'c':
      case 'C':
        integer(8, format[0] == 'c');
        break;
      case 's':
      case 'S':
        integer(16, format[0] == 's');
        break;
      case 'i':
      case 'I':
        integer(32, format[0] == 'i');
        break;
      case 'l':
      case 'L':
        integer(64, format[0] == 'l');
        break;
      case 'e':
      case 'f':
      case 'g': {
        const int16_t precision = format[0] == 'e' ? 0 : format[0] == 'f' ? 1 : 2;
        fixed(kFloatingPoint, format[0] == 'e' ? 2 : format[0] == 'f' ? 4 : 8);
        type.scalar<int16_t>(0, precision);
        break;
      }
      case 'z':
      case 'u':
        type_id = format[0] == 'z' ? kBinary : kUtf8;
        plan.layout = Layout::kVarBinary;
        break;
      case 'Z':
      case 'U':
        type_id = format[0] == 'Z' ? kLargeBinary : kLargeUtf8;
        plan.layout = Layout::kLargeVarBinary;
        break;
      default:
        break;
    }
  } else if (format.starts_with("d:")) {
    // d:precision,scale[,bitwidth]
    int32_t numbers[3] = {0, 0, 128};
    size_t at = 2;
    for (int& number : numbers) {
      if (at > format.size()) break;
      const size_t comma = format.find(',', at);
      number = std::stoi(std::string(format.substr(at, comma - at)));
      at = comma == std::string_view::npos ? format.size() + 1 : comma + 1;
    }
    fixed(kDecimal, numbers[2] / 8);
    type.scalar<int32_t>(0, numbers[0]);
    type.scalar<int32_t>(1, numbers[1]);
    type.scalar<int32_t>(2, numbers[2]);
  } else if (format.starts_with("w:")) {
    const int32_t width = std::stoi(std::string(format.substr(2)));
    fixed(kFixedSizeBinary, width);
    type.scalar<int32_t>(0, width);
  } else if (format == "tdD" || format == "tdm") {
    fixed(kDate, format == "tdD" ? 4 : 8);
    type.scalar<int16_t>(0, format == "tdD" ? 0 : 1);
  } else if (format.size() == 3 && format.starts_with("tt")) {
    const int16_t unit = time_unit(format[2], format);
    const int32_t bits = unit <= 1 ? 32 : 64;
    fixed(kTime, bits / 8);
    type.scalar<int16_t>(0, unit);
    type.scalar<int32_t>(1, bits);
  } else if (format.size() >= 4 && format.starts_with("ts") && format[3] == ':') {
    fixed(kTimestamp, 8);
    type.scalar<int16_t>(0, time_unit(format[2], format));
    if (format.size() > 4) type.string(1, std::string(format.substr(4)));
  } else if (format.size() == 3 && format.starts_with("tD")) {
    fixed(kDuration, 8);
    type.scalar<int16_t>(0, time_unit(format[2], format));
  } else if (format == "tiM" || format == "tiD" || format == "tin") {
    fixed(kInterval, format == "tiM" ? 4 : format == "tiD" ? 8 : 16);
    type.scalar<int16_t>(0, format == "tiM" ? 0 : format == "tiD" ? 1 : 2);
  } else if (format == "+l" || format == "+m") {
    type_id = format == "+l" ? kList : kMap;
    plan.layout = Layout::kList;
    if (format == "+m") type.scalar<uint8_t>(0, (schema.flags & kKeysSortedFlag) ? 1 : 0);
  } else if (format == "+L") {
    type_id = kLargeList;
    plan.layout = Layout::kLargeList;
  } else if (format.starts_with("+w:")) {
    type_id = kFixedSizeList;
    plan.layout = Layout::kChildren;
    type.scalar<int32_t>(0, std::stoi(std::string(format.substr(3))));
  } else if (format == "+s") {
    type_id = kStruct;
    plan.layout = Layout::kChildren;
  }
  if (type_id == 0) {
    throw Error(ErrorKind::kInput, "column \"" + name + "\" has Arrow format '" +
                                       std::string(format) +
                                       "', which the Arrow output does not support yet; cast it "
                                       "to another type");
  }
  std::vector<FlatTable> children;
  for (int64_t i = 0; i < schema.n_children; ++i) {
    plan.children.emplace_back();
    children.push_back(field_of(*schema.children[i], plan.children.back()));
  }
  FlatTable field;
  field.string(0, name);
  field.scalar<uint8_t>(1, (schema.flags & kNullableFlag) ? 1 : 0);
  field.scalar<uint8_t>(2, type_id);
  field.table(3, std::move(type));
  field.tables(5, std::move(children));
  return field;
}

// The nodes, buffer locations and body of one record batch.
class BatchWriter {
 public:
  void node(int64_t length, int64_t null_count) {
    append(nodes_, length);
    append(nodes_, null_count);
  }
  // A buffer of `size` bytes from `data` (zeros when it is null), padded to 8 in the body.
  void buffer(const void* data, size_t size) {
    append(buffers_, static_cast<int64_t>(body_.size()));
    append(buffers_, static_cast<int64_t>(size));
    if (data) {
      body_.append(static_cast<const char*>(data), size);
    } else {
      body_.append(size, '\0');
    }
    body_.append((8 - body_.size() % 8) % 8, '\0');
  }
  void column(const ArrowArray& array, const ColumnPlan& plan);

  std::string nodes_;
  std::string buffers_;
  std::string body_;

 private:
  template <typename T>
  static void append(std::string& out, T value) {
    out.append(reinterpret_cast<const char*>(&value), sizeof(T));
  }
};

int64_t count_nulls(const uint8_t* validity, int64_t length) {
  int64_t valid = 0;
  for (int64_t i = 0; i < length; ++i) valid += (validity[i / 8] >> (i % 8)) & 1;
  return length - valid;
}

template <typename Offset>
size_t data_end(const ArrowArray& array) {
  if (array.length == 0 || !array.buffers[1]) return 0;
  return static_cast<size_t>(static_cast<const Offset*>(array.buffers[1])[array.length]);
}

void BatchWriter::column(const ArrowArray& array, const ColumnPlan& plan) {
  if (array.offset != 0) {
    throw Error(ErrorKind::kInternal, "DuckDB gave an Arrow array with a non-zero offset");
  }
  const auto length = static_cast<size_t>(array.length);
  if (plan.layout == Layout::kNull) {
    node(array.length, array.length);
    return;
  }
  const auto* validity =
      array.n_buffers > 0 ? static_cast<const uint8_t*>(array.buffers[0]) : nullptr;
  int64_t nulls = array.null_count;
  if (nulls < 0) nulls = validity ? count_nulls(validity, array.length) : 0;
  node(array.length, nulls);
  // Without nulls the bitmap may be left out (a zero-length buffer), as the spec allows.
  buffer(validity, validity && nulls > 0 ? (length + 7) / 8 : 0);
  switch (plan.layout) {
    case Layout::kNull:
      break;
    case Layout::kBits:
      buffer(array.buffers[1], (length + 7) / 8);
      break;
    case Layout::kFixed:
      buffer(array.buffers[1], length * plan.width);
      break;
    case Layout::kVarBinary:
      buffer(array.buffers[1], (length + 1) * 4);
      buffer(array.buffers[2], data_end<int32_t>(array));
      break;
    case Layout::kLargeVarBinary:
      buffer(array.buffers[1], (length + 1) * 8);
      buffer(array.buffers[2], data_end<int64_t>(array));
      break;
    case Layout::kList:
      buffer(array.buffers[1], (length + 1) * 4);
      break;
    case Layout::kLargeList:
      buffer(array.buffers[1], (length + 1) * 8);
      break;
    case Layout::kChildren:
      break;
  }
  if (static_cast<size_t>(array.n_children) != plan.children.size()) {
    throw Error(ErrorKind::kInternal, "an Arrow array's children do not match its schema");
  }
  for (size_t i = 0; i < plan.children.size(); ++i) column(*array.children[i], plan.children[i]);
}

}  // namespace

ArrowStreamEncoder::ArrowStreamEncoder(const engine::Result& result)
    : state_(std::make_unique<State>()) {
  duckdb_result* handle = result.handle();
  state_->options = arrow().duckdb_result_get_arrow_options(handle);
  const size_t count = result.column_count();
  std::vector<engine::Owned<duckdb_logical_type, &engine::DuckDbApi::duckdb_destroy_logical_type>>
      owned;
  std::vector<duckdb_logical_type> types;
  std::vector<const char*> names;
  for (size_t i = 0; i < count; ++i) {
    owned.emplace_back(api().duckdb_column_logical_type(handle, i));
    types.push_back(owned.back().get());
    names.push_back(result.column_names()[i].c_str());
  }
  ReleasedSchema schema;
  check(arrow().duckdb_to_arrow_schema(state_->options, types.data(), names.data(), count,
                                       &schema.schema),
        "cannot describe the result in Arrow");
  std::vector<FlatTable> fields;
  for (int64_t i = 0; i < schema.schema.n_children; ++i) {
    state_->plans.emplace_back();
    fields.push_back(field_of(*schema.schema.children[i], state_->plans.back()));
  }
  FlatTable header;
  header.scalar<int16_t>(0, 0);  // little-endian
  header.tables(1, std::move(fields));
  append_message(state_->schema_message, kSchemaHeader, std::move(header), {});
}

ArrowStreamEncoder::~ArrowStreamEncoder() = default;
ArrowStreamEncoder::ArrowStreamEncoder(ArrowStreamEncoder&&) noexcept = default;

void ArrowStreamEncoder::begin(std::string& out) const {
  out += state_->schema_message;
}

void ArrowStreamEncoder::append(const engine::Chunk& chunk, std::string& out) {
  ReleasedArray batch;
  check(arrow().duckdb_data_chunk_to_arrow(state_->options, chunk.handle(), &batch.array),
        "cannot convert a result chunk to Arrow");
  if (static_cast<size_t>(batch.array.n_children) != state_->plans.size()) {
    throw Error(ErrorKind::kInternal, "an Arrow batch does not match the result's schema");
  }
  BatchWriter writer;
  for (size_t i = 0; i < state_->plans.size(); ++i) {
    writer.column(*batch.array.children[i], state_->plans[i]);
  }
  FlatTable header;
  header.scalar<int64_t>(0, batch.array.length);
  header.structs(1, std::move(writer.nodes_), 16, 8);
  header.structs(2, std::move(writer.buffers_), 16, 8);
  append_message(out, kRecordBatchHeader, std::move(header), std::move(writer.body_));
}

void ArrowStreamEncoder::end(std::string& out) const {
  const uint32_t marker[2] = {0xFFFFFFFF, 0};
  out.append(reinterpret_cast<const char*>(marker), sizeof(marker));
}

}  // namespace strata::serve::http
