// Encodes the values of DuckDB result vectors as PostgreSQL DataRow cells, in text or binary
// format. It reads DuckDB's physical representation directly (no cast to VARCHAR), so the text
// matches PostgreSQL's output (booleans 't'/'f', '+00' offsets, '\x' bytea, '{1,2}' arrays) and
// binary cells are what libpq, psycopg and JDBC decode for each type OID. Structs, maps and nested
// lists are written as JSON text.
#pragma once

#include <duckdb.h>

#include <cstdint>
#include <string>
#include <vector>

#include "serve/pgwire/message_buffer.hpp"
#include "serve/pgwire/pg_types.hpp"

namespace strata::serve::pgwire {

struct ResultColumn {
  std::string name;
  ValueType type;
  int16_t format = 0;  // 0 text, 1 binary
};

bool is_valid(duckdb_vector vector, uint64_t row);
// The value at `row` (which must not be NULL) in each format.
void append_text_value(const ValueType& type, duckdb_vector vector, uint64_t row, std::string& out);
void append_binary_value(const ValueType& type, duckdb_vector vector, uint64_t row,
                         std::string& out);
void append_json_value(const ValueType& type, duckdb_vector vector, uint64_t row, std::string& out);

// One DataRow message for `row` of `chunk`.
void write_data_row(MessageWriter& out, duckdb_data_chunk chunk, uint64_t row,
                    const std::vector<ResultColumn>& columns);

}  // namespace strata::serve::pgwire
