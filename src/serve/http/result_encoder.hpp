// Query results as HTTP bodies, written chunk by chunk so that a result of any size streams:
// - json:   {"columns":[{"name","type"}...],"rows":[[...],...],"row_count":N}
// - ndjson: one JSON object per row ({"column": value, ...}), one per line
// - csv:    RFC 4180 with a header line; NULL is an empty field, booleans are true/false
// - arrow:  an Arrow IPC stream, one record batch per chunk (arrow_ipc.hpp)
// Values are encoded from DuckDB's vectors directly (serve/pgwire/value_codec.hpp): numbers stay
// numbers, nested types become JSON, temporal types use PostgreSQL's text forms.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "engine/database.hpp"
#include "serve/pgwire/pg_types.hpp"

namespace strata::serve::http {

// Parquet is not encoded here: DuckDB writes it (query_service.cpp).
enum class ResultFormat { kJson, kNdjson, kCsv, kParquet, kArrow };
// "json", "ndjson", "csv", "parquet", "arrow"; throws Error(kInput) naming the valid ones
// otherwise.
ResultFormat parse_result_format(const std::string& text);
std::string result_format_name(ResultFormat format);
std::string content_type_of(ResultFormat format);

struct EncodedColumn {
  std::string name;
  pgwire::ValueType type;
};

// The columns of a result, with their types.
std::vector<EncodedColumn> result_columns(const engine::Result& result);

class ArrowStreamEncoder;

class ResultEncoder {
 public:
  // `result` (which must outlive the encoder) is read for format arrow only.
  ResultEncoder(ResultFormat format, std::vector<EncodedColumn> columns,
                const engine::Result& result);
  ~ResultEncoder();
  ResultEncoder(ResultEncoder&&) noexcept;

  void begin(std::string& out) const;
  void append(const engine::Chunk& chunk, std::string& out);
  void end(std::string& out) const;
  uint64_t rows() const { return rows_; }

 private:
  ResultFormat format_;
  std::vector<EncodedColumn> columns_;
  std::vector<std::string> json_keys_;  // ndjson: "\"name\":" per column
  uint64_t rows_ = 0;
  std::string cell_;
  std::unique_ptr<ArrowStreamEncoder> arrow_;

  void append_json_row(const engine::Chunk& chunk, uint64_t row, std::string& out);
  void append_ndjson_row(const engine::Chunk& chunk, uint64_t row, std::string& out);
  void append_csv_row(const engine::Chunk& chunk, uint64_t row, std::string& out);
};

}  // namespace strata::serve::http
