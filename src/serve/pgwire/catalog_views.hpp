// The catalog PostgreSQL clients browse, emulated over DuckDB's: schema pg_strata holds the
// catalog relations and functions DuckDB lacks or answers differently (pg_roles, pg_get_userbyid,
// a pg_class in which lake tables, DuckDB views, are tables, information_schema views that say so
// too, ...); compatibility.hpp rewrites clients' references to them. A session limited to some
// lake tables sees only those in every catalog relation: set_hidden_relations() names, per DuckDB
// connection, the lake tables and views its catalog leaves out.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "engine/database.hpp"

namespace strata::serve::pgwire {

struct ServerIdentity {
  std::string server_version = "15.0 (strata)";           // the server_version parameter
  std::string version_text = "PostgreSQL 15.0 (strata)";  // what SELECT version() returns
  std::string database_name = "strata";  // what pg_database and current_database() say
};

// A lake table, which DuckDB sees as a view but clients should see as a table.
struct CatalogTable {
  std::string schema;
  std::string name;
};

// Creates schema pg_strata with the catalog relations and functions, once per database; `tables`
// are the lake tables known at start.
void install_compatibility(engine::Connection& connection, const ServerIdentity& identity,
                           const std::vector<CatalogTable>& tables);
// Adds lake tables created while the server runs to pg_class (those known already are skipped).
void add_catalog_tables(engine::Connection& connection, const std::vector<CatalogTable>& tables);

// Leaves the relations `hidden` ("schema.name", lower case) out of the catalog as `connection`
// sees it; nullopt shows everything.
void set_hidden_relations(engine::Connection& connection,
                          const std::optional<std::vector<std::string>>& hidden);

// The names of catalog relations and functions pg_strata replaces (lower case, unqualified).
bool is_catalog_shim(const std::string& name);

}  // namespace strata::serve::pgwire
