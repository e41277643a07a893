// Iceberg column bounds from the statistics DuckDB returns when it writes Parquet (COPY ...
// RETURN_STATS gives each column's min and max as text). A bound is converted to Iceberg's binary
// single-value serialization (spec, Appendix D): little-endian integers, floats and temporal
// values, big-endian two's-complement unscaled decimals, UTF-8 strings, raw bytes, 16-byte UUIDs.
// Strings and binary values are truncated to 16 characters or bytes, as Iceberg writers do by
// default: a truncated lower bound is a prefix, a truncated upper bound has its last character
// incremented, so both still bound every value. A value that cannot be represented (NaN,
// infinite dates, text that does not parse) gives no bound, which readers treat as "unknown".
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "lake/iceberg_schema.hpp"

namespace strata::lake::iceberg {

std::optional<std::string> lower_bound(const Type& type, std::string_view duckdb_text);
std::optional<std::string> upper_bound(const Type& type, std::string_view duckdb_text);
// A decimal's unscaled value as two's-complement big-endian bytes, as few as keep the sign.
std::string decimal_bytes(__int128 unscaled);
// The exact value (strings and binary not truncated), for comparing constants with bounds.
std::optional<std::string> single_value(const Type& type, std::string_view duckdb_text);

}  // namespace strata::lake::iceberg
