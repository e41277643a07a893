// Applies a role to one query before it runs, in both listeners (PostgreSQL protocol and HTTP
// API, named queries included). DuckDB parses the query (json_serialize_sql); in the parse tree,
// every lake table the role may not read is refused, and every lake table with masked columns for
// the role is replaced by a subquery that selects `* REPLACE (<mask> AS column)` from it, under
// the table's name as alias, so SELECT *, column references and filters all see masked values.
// The tree goes back to SQL with json_deserialize_sql. A lake view that reads a masked table is
// refused for that role (its definition would read the table unmasked), as is an unqualified
// table name that could name a masked or unreadable table (search_path tricks). With the read
// policy (ad-hoc SQL), file readers, other databases and table functions other than
// range/generate_series/unnest are refused too. Admin roles pass everything unchanged.
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>

#include "core/serve_config.hpp"
#include "engine/database.hpp"
#include "serve/lake_sync.hpp"

namespace strata::serve::auth {

struct GuardedQuery {
  std::string sql;                    // what to run: the query, masked where needed
  std::optional<std::string> denied;  // why the role may not run it
  bool masked = false;
};

// `read_policy`: ad-hoc SQL from a client (not the project's named queries).
GuardedQuery guard_query(engine::Connection& connection, const std::string& sql,
                         const RoleConfig& role, const LakeState& state, bool read_policy);
// The same for a query already parsed: `select` is its tree as json_serialize_sql gave it when it
// is a single SELECT, nullopt otherwise (the HTTP API's query analysis parses every query once).
GuardedQuery guard_query(engine::Connection& connection, const std::string& sql,
                         const std::optional<nlohmann::json>& select, const RoleConfig& role,
                         const LakeState& state, bool read_policy);

// The SQL expression that masks `column` (a quoted identifier) as `kind`.
std::string mask_expression(MaskKind kind, const std::string& column);

}  // namespace strata::serve::auth
