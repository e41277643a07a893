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

#include "engine/database.hpp"

namespace strata::serve::pgwire {

using OwnedValue = engine::Owned<duckdb_value, &engine::DuckDbApi::duckdb_destroy_value>;

// `type_oid` is what the client declared (0 = unspecified); `inferred` is the type DuckDB inferred
// for the parameter (DUCKDB_TYPE_INVALID when it could not); `position` is 1-based, for messages.
OwnedValue decode_parameter(const std::optional<std::string>& data, int16_t format,
                            uint32_t type_oid, duckdb_type inferred, size_t position);

}  // namespace strata::serve::pgwire
