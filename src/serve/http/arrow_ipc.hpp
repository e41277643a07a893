// Query results as an Apache Arrow IPC stream (the "streaming format" of the Arrow columnar spec):
// a Schema message, one RecordBatch message per DuckDB chunk, and the end-of-stream marker, each
// message framed as 0xFFFFFFFF, the metadata length, the FlatBuffers metadata and the body with
// every buffer padded to 8 bytes. DuckDB converts each chunk to Arrow's C data interface
// (duckdb_data_chunk_to_arrow, with the result's Arrow options); this encoder serializes those
// arrays' buffers as they are. Dictionary-encoded columns (ENUM) and view types are refused with
// Error(kInput) when the encoder is made, before any byte is sent.
#pragma once

#include <duckdb.h>

#include <cstdint>
#include <memory>
#include <string>

#include "engine/database.hpp"

namespace strata::serve::http {

class ArrowStreamEncoder {
 public:
  // Reads the column names and types of `result`, which must outlive the encoder.
  explicit ArrowStreamEncoder(const engine::Result& result);
  ~ArrowStreamEncoder();
  ArrowStreamEncoder(ArrowStreamEncoder&&) noexcept;

  // The Schema message.
  void begin(std::string& out) const;
  // One RecordBatch message with the rows of `chunk`.
  void append(const engine::Chunk& chunk, std::string& out);
  // The end-of-stream marker.
  void end(std::string& out) const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace strata::serve::http
