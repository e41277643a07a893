// What `strata serve` reads from strata.yml: the `serve:` section (listen address, ports, the HTTP
// API's bearer token, per-query timeout, worker threads, result cache budget) and the named
// queries under `queries:`, each a SELECT with typed `$name` parameters that the HTTP API exposes
// at /api/v1/queries/NAME. Everything is checked at load time and reported at file:line:col.
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

struct ServeConfig {
  std::string host = "127.0.0.1";       // the PostgreSQL protocol listener (loopback only for now)
  std::string http_host = "127.0.0.1";  // the HTTP API; another address requires a token
  std::optional<int64_t> pg_port;       // absent: the command line's default
  std::optional<int64_t> http_port;     // absent: no HTTP listener unless --http-port
  std::string token;                    // as written (may hold ${VAR}, expanded when serving)
  Location token_where;
  int64_t query_timeout_ms = 30'000;
  int64_t http_threads = 32;  // clients served at once; more wait in a queue
  int64_t cache_bytes = 256LL * 1024 * 1024;
  int64_t max_body_bytes = 1024 * 1024;
  bool iceberg_rest = true;  // the Iceberg REST catalog at /iceberg on the HTTP listener
};

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
