#include "serve/http/result_encoder.hpp"

#include "core/error.hpp"
#include "serve/http/arrow_ipc.hpp"
#include "serve/pgwire/text_encoding.hpp"
#include "serve/pgwire/value_codec.hpp"

namespace strata::serve::http {

namespace {

const std::vector<std::string> kFormatNames = {"json", "ndjson", "csv", "parquet", "arrow"};

void append_json_cell(const pgwire::ValueType& type, duckdb_vector vector, uint64_t row,
                      std::string& out) {
  if (pgwire::is_valid(vector, row)) {
    pgwire::append_json_value(type, vector, row, out);
  } else {
    out.append("null");
  }
}

}  // namespace

ResultFormat parse_result_format(const std::string& text) {
  for (size_t i = 0; i < kFormatNames.size(); ++i) {
    if (text == kFormatNames[i]) return static_cast<ResultFormat>(i);
  }
  throw Error(ErrorKind::kInput,
              "unknown format '" + text + "'; use json, ndjson, csv, parquet or arrow");
}

std::string result_format_name(ResultFormat format) {
  return kFormatNames.at(static_cast<size_t>(format));
}

std::string content_type_of(ResultFormat format) {
  switch (format) {
    case ResultFormat::kJson:
      return "application/json";
    case ResultFormat::kNdjson:
      return "application/x-ndjson";
    case ResultFormat::kCsv:
      return "text/csv; charset=utf-8";
    case ResultFormat::kParquet:
      return "application/vnd.apache.parquet";
    case ResultFormat::kArrow:
      return "application/vnd.apache.arrow.stream";
  }
  return "application/octet-stream";
}

std::vector<EncodedColumn> result_columns(const engine::Result& result) {
  std::vector<EncodedColumn> columns;
  for (size_t i = 0; i < result.column_count(); ++i) {
    columns.push_back(
        {result.column_names()[i], pgwire::describe_result_column(result.handle(), i)});
  }
  return columns;
}

ResultEncoder::ResultEncoder(ResultFormat format, std::vector<EncodedColumn> columns,
                             const engine::Result& result)
    : format_(format), columns_(std::move(columns)) {
  if (format_ == ResultFormat::kArrow) arrow_ = std::make_unique<ArrowStreamEncoder>(result);
  for (const EncodedColumn& column : columns_) {
    std::string key;
    pgwire::append_json_string(key, column.name);
    key.push_back(':');
    json_keys_.push_back(std::move(key));
  }
}

ResultEncoder::~ResultEncoder() = default;
ResultEncoder::ResultEncoder(ResultEncoder&&) noexcept = default;

void ResultEncoder::begin(std::string& out) const {
  switch (format_) {
    case ResultFormat::kArrow:
      arrow_->begin(out);
      return;
    case ResultFormat::kJson:
      out.append("{\"columns\":[");
      for (size_t i = 0; i < columns_.size(); ++i) {
        if (i > 0) out.push_back(',');
        out.append("{\"name\":");
        pgwire::append_json_string(out, columns_[i].name);
        out.append(",\"type\":");
        pgwire::append_json_string(out, columns_[i].type.duckdb_name);
        out.push_back('}');
      }
      out.append("],\"rows\":[");
      return;
    case ResultFormat::kCsv:
      for (size_t i = 0; i < columns_.size(); ++i) {
        if (i > 0) out.push_back(',');
        pgwire::append_csv_field(out, columns_[i].name);
      }
      out.append("\r\n");
      return;
    case ResultFormat::kNdjson:
    case ResultFormat::kParquet:
      return;
  }
}

void ResultEncoder::append(const engine::Chunk& chunk, std::string& out) {
  if (arrow_) {
    arrow_->append(chunk, out);
    rows_ += chunk.size();
    return;
  }
  for (uint64_t row = 0; row < chunk.size(); ++row) {
    switch (format_) {
      case ResultFormat::kJson:
        append_json_row(chunk, row, out);
        break;
      case ResultFormat::kNdjson:
        append_ndjson_row(chunk, row, out);
        break;
      case ResultFormat::kCsv:
        append_csv_row(chunk, row, out);
        break;
      case ResultFormat::kParquet:
      case ResultFormat::kArrow:
        throw Error(ErrorKind::kInternal, "Parquet results are written by DuckDB, Arrow above");
    }
    ++rows_;
  }
}

void ResultEncoder::end(std::string& out) const {
  if (arrow_) arrow_->end(out);
  if (format_ == ResultFormat::kJson) {
    out.append("],\"row_count\":");
    out.append(std::to_string(rows_));
    out.append("}\n");
  }
}

void ResultEncoder::append_json_row(const engine::Chunk& chunk, uint64_t row, std::string& out) {
  if (rows_ > 0) out.push_back(',');
  out.push_back('[');
  for (size_t i = 0; i < columns_.size(); ++i) {
    if (i > 0) out.push_back(',');
    append_json_cell(columns_[i].type, chunk.vector(i), row, out);
  }
  out.push_back(']');
}

void ResultEncoder::append_ndjson_row(const engine::Chunk& chunk, uint64_t row, std::string& out) {
  out.push_back('{');
  for (size_t i = 0; i < columns_.size(); ++i) {
    if (i > 0) out.push_back(',');
    out.append(json_keys_[i]);
    append_json_cell(columns_[i].type, chunk.vector(i), row, out);
  }
  out.append("}\n");
}

void ResultEncoder::append_csv_row(const engine::Chunk& chunk, uint64_t row, std::string& out) {
  for (size_t i = 0; i < columns_.size(); ++i) {
    if (i > 0) out.push_back(',');
    duckdb_vector vector = chunk.vector(i);
    if (!pgwire::is_valid(vector, row)) continue;
    const pgwire::ValueType& type = columns_[i].type;
    cell_.clear();
    if (type.id == DUCKDB_TYPE_BOOLEAN) {
      pgwire::append_json_value(type, vector, row, cell_);  // true / false
    } else {
      pgwire::append_text_value(type, vector, row, cell_);
    }
    pgwire::append_csv_field(out, cell_);
  }
  out.append("\r\n");
}

}  // namespace strata::serve::http
