// What makes DuckDB answer like PostgreSQL for the statements clients send on their own:
// `SELECT version()` names a PostgreSQL version, `SHOW server_version` and the other reported
// parameters answer from the session, `SET` of PostgreSQL-only settings (extra_float_digits,
// application_name, DateStyle, ...) is accepted, and the catalog queries of psql's \d commands are
// adjusted where DuckDB's pg_catalog differs. plan_statement() decides, per statement, what DuckDB
// runs or whether strata answers itself; install_compatibility() creates the helper macros once per
// database.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "engine/database.hpp"
#include "serve/pgwire/catalog_views.hpp"
#include "serve/pgwire/portal.hpp"

namespace strata::serve::pgwire {

// `parameters` are the session's reported parameters (what SHOW answers).
StatementPlan plan_statement(std::string_view sql,
                             const std::map<std::string, std::string>& parameters);

// The name PostgreSQL would give a result column DuckDB named after an expression: a function
// call is named after its function ("count_star()" -> "count"), a literal is "?column?".
std::string client_column_name(const std::string& duckdb_name);

// Whether a statement reads the system catalogs (its failures are logged for later shims).
bool is_catalog_query(std::string_view sql);

}  // namespace strata::serve::pgwire
