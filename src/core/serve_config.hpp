// What `strata serve` reads from strata.yml: the `serve:` section (listen addresses, ports, TLS,
// the HTTP API's bearer token, users with their SCRAM-SHA-256 verifiers, roles with the tables
// they read and their column masks, per-query timeout, worker threads, result cache budget) and the
// named queries under `queries:`, each a SELECT with typed `$name` parameters that the HTTP API
// exposes at /api/v1/queries/NAME. Everything is checked at load time and reported at
// file:line:col.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"

namespace strata {

namespace yaml {
class Reader;
}

// `serve.tls`: both listeners speak TLS with this certificate (PEM files, relative to the
// project), or with a self-signed one generated under .strata/tls/ when none is given.
struct TlsConfig {
  bool enabled = false;
  std::string cert;  // empty: generated
  std::string key;
  bool required = false;  // refuse PostgreSQL clients that do not ask for TLS
  Location where;
};

// How a masked column is shown to a role.
enum class MaskKind { kEmail, kHash, kNull, kRedact };
std::string mask_kind_name(MaskKind kind);
const std::vector<std::string>& mask_kind_names();

struct ColumnMask {
  std::string schema;  // lower case
  std::string table;
  std::string column;
  MaskKind kind = MaskKind::kRedact;
  Location where;
};

struct RoleConfig {
  std::string name;
  // Tables the role may read: "*" (all), "schema", "schema.*" or "schema.table" (lower case).
  std::vector<std::string> read = {"*"};
  std::vector<ColumnMask> masks;
  bool admin = false;  // any SQL DuckDB runs, no read policy and no masks
  Location where;
};

struct UserConfig {
  std::string name;
  std::string role;      // a role of serve.roles, or the built-in "reader"
  std::string verifier;  // SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>
  Location where;
};

// The role users get without `role:`: reads every lake table, masks none (unless redefined).
inline constexpr const char* kDefaultRole = "reader";

struct ServeConfig {
  std::string host = "127.0.0.1";       // the PostgreSQL protocol listener; others need users
  std::string http_host = "127.0.0.1";  // the HTTP API; others need a token or users
  std::optional<int64_t> pg_port;       // absent: the command line's default
  std::optional<int64_t> http_port;     // absent: no HTTP listener unless --http-port
  std::string token;                    // as written (may hold ${VAR}, expanded when serving)
  Location token_where;
  int64_t query_timeout_ms = 30'000;
  int64_t http_threads = 32;  // clients served at once; more wait in a queue
  int64_t cache_bytes = 256LL * 1024 * 1024;
  int64_t max_body_bytes = 1024 * 1024;
  TlsConfig tls;
  std::vector<RoleConfig> roles;  // the built-in "reader" included
  std::vector<UserConfig> users;  // none: no password authentication (loopback listeners only)
  std::string token_role = kDefaultRole;  // the role of requests with the bearer token
  bool iceberg_rest = true;  // the Iceberg REST catalog at /iceberg on the HTTP listener

  const RoleConfig* role(const std::string& name) const;
  const UserConfig* user(const std::string& name) const;
};

// Whether `text` has the form of a SCRAM-SHA-256 verifier (as PostgreSQL stores them).
bool is_scram_verifier(const std::string& text);

enum class QueryParamType { kInteger, kNumber, kString, kBoolean, kDate, kTimestamp };
std::string query_param_type_name(QueryParamType type);
const std::vector<std::string>& query_param_type_names();

struct QueryParamConfig {
  std::string name;
  QueryParamType type = QueryParamType::kString;
  std::optional<std::string> default_value;  // absent: the parameter is required
  std::string description;
};

struct NamedQueryConfig {
  std::string name;
  std::string description;
  std::string sql;
  std::vector<QueryParamConfig> params;  // in declared order
  Location where;
};

ServeConfig parse_serve(const yaml::Reader& serve);
// Parses the `queries:` mapping (absent or null: none).
std::vector<NamedQueryConfig> parse_named_queries(const yaml::Reader& queries);

}  // namespace strata
