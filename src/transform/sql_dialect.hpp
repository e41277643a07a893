// SQL dialects of models: a model or project may be written for Trino/Presto, Spark or PostgreSQL
// instead of DuckDB. Before it runs, the compiled SELECT is parsed by DuckDB
// (json_serialize_sql), the function calls and operators whose meaning differs are rewritten in
// that parsed tree, and the tree is turned back into SQL (json_deserialize_sql). Calls the
// translation does not know pass through unchanged.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "engine/database.hpp"

namespace strata::transform {

enum class SqlDialect { kDuckDb, kTrino, kSpark, kPostgres };

// "duckdb", "trino" (or "presto"), "spark", "postgres" (or "postgresql"); case-insensitive.
std::optional<SqlDialect> parse_dialect(std::string_view name);
std::string dialect_name(SqlDialect dialect);

// The DuckDB SQL for one SELECT written in `dialect`. Throws Error(kInput) naming `what` (the
// model) and the dialect when the statement cannot be parsed or a construct cannot be translated.
std::string translate_to_duckdb(engine::Connection& connection, const std::string& sql,
                                SqlDialect dialect, const std::string& what);

}  // namespace strata::transform
