// Turns the parameters of a Bind message into DuckDB values. Text parameters are bound as VARCHAR
// when DuckDB knows the parameter's type (it casts them as it would a literal), and parsed into a
// typed value when only the client knows it (`SELECT $1 + 1` with an int4 parameter). Binary
// parameters are decoded by their type OID: integers, floats, numeric, bool, text, bytea, date,
// time, timestamp(tz), interval, uuid and one-dimensional arrays of those. A malformed value
// throws SqlError with SQLSTATE 22P02 (text) or 22P03 (binary).
#pragma once

#include <duckdb.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/database.hpp"

namespace strata::serve::pgwire {

using OwnedValue = engine::Owned<duckdb_value, &engine::DuckDbApi::duckdb_destroy_value>;

// `type_oid` is what the client declared and `inferred` the PostgreSQL type of what DuckDB
// inferred for the parameter (0 for either when unknown); `position` is 1-based, for messages.
OwnedValue decode_parameter(const std::optional<std::string>& data, int16_t format,
                            uint32_t type_oid, uint32_t inferred, size_t position);

// The elements of a one-dimensional PostgreSQL array literal ('{1,"a b",NULL}'); throws SqlError
// 22P02 on a malformed literal and 0A000 on a multi-dimensional one.
std::vector<std::optional<std::string>> parse_array_literal(std::string_view text);

}  // namespace strata::serve::pgwire
