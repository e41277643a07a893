// Runs the HTTP API's queries: each on a connection of its own to the server's database, after
// bringing the attached lake tables up to date (LakeSync), with a per-query timeout (504 when it
// fires), read-only (only SELECT statements), parameters bound through a DuckDB prepared statement
// (never put into the SQL text), and the result streamed in the asked format. Cacheable queries
// (see query_analysis.hpp) are answered from the result cache while the snapshots of the tables
// they read are unchanged (entries are per role, as masks differ); the X-Cache header says hit,
// miss or bypass (not cacheable).
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "engine/database.hpp"
#include "serve/http/query_analysis.hpp"
#include "serve/http/result_cache.hpp"
#include "serve/http/result_encoder.hpp"
#include "serve/http/router.hpp"
#include "serve/lake_sync.hpp"
#include "serve/query_watchdog.hpp"

namespace strata::serve::http {

struct QueryRequest {
  std::string sql;
  // Positional ($1, $2, ...) or named ($year) parameter values; one kind per query.
  std::vector<engine::Value> positional;
  std::map<std::string, engine::Value> named;
  ResultFormat format = ResultFormat::kJson;
  // Ad-hoc SQL from a client obeys the read policy (query_analysis.hpp); the project's own named
  // queries do not.
  bool apply_read_policy = true;
  // Whose query it is: its tables are checked and its columns masked for this role
  // (serve/auth/query_guard.hpp); null runs it unrestricted (tests, internal use).
  const RoleConfig* role = nullptr;
};

struct QueryServiceOptions {
  std::chrono::milliseconds timeout{30'000};
  size_t cache_bytes = 256 * 1024 * 1024;
};

class QueryService {
 public:
  QueryService(const engine::Database& database, LakeSync& lake, QueryServiceOptions options);

  Response run(const QueryRequest& request);
  // Stops every running query (at shutdown).
  void interrupt_all() { watchdog_.interrupt_all(); }
  LakeSync& lake() { return lake_; }
  const ResultCache& cache() const { return cache_; }
  std::chrono::milliseconds timeout() const { return options_.timeout; }

 private:
  const engine::Database& database_;
  LakeSync& lake_;
  QueryServiceOptions options_;
  QueryWatchdog watchdog_;
  ResultCache cache_;
  std::unique_ptr<QueryAnalyzer> analyzer_;
};

// The cache key part that stands for the parameter values.
std::string parameters_key(const QueryRequest& request);

}  // namespace strata::serve::http
