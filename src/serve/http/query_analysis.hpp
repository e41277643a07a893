// What a query reads, for the result cache. DuckDB parses the query (json_serialize_sql) and the
// parse tree gives: a normalized form of the query (whitespace, comments and spelling of keywords
// do not matter), the tables it names and the functions it calls. A query is cacheable only when
// every table it names is a lake table (or a CTE of its own) and every function it calls is
// CONSISTENT in duckdb_functions() (no now(), random(), table functions reading files, time
// travel); the lake tables it reads include those read through lake views, expanded recursively.
// Anything not understood makes the query uncacheable: the cache may miss, never serve stale data.
// The same parse gives the HTTP API's read policy for ad-hoc SQL: it may read lake tables, its own
// CTEs and the information_schema/pg_catalog views, and call range/generate_series/unnest as
// table functions; anything else (read_csv, a file path as a table, query(), other databases)
// is refused, so a client with the token cannot read the server's files.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>

#include "engine/database.hpp"
#include "serve/lake_sync.hpp"

namespace strata::serve::http {

struct QueryAnalysis {
  bool cacheable = false;
  std::string reason;                    // why not, when not
  std::string normalized;                // the parse tree without source positions
  std::optional<nlohmann::json> select;  // the tree as parsed, when the query is one SELECT
  std::map<std::string, int64_t> reads;  // table key -> snapshot id, as attached now
  std::optional<std::string> rejection;  // why it cannot run at all (syntax, not a SELECT)
  std::optional<std::string> forbidden;  // why the read policy refuses the query, if it does
  int forbidden_status = 403;            // 400 when it names a table that is not in the lake
};

class QueryAnalyzer {
 public:
  // Reads the function catalog once from `connection`.
  explicit QueryAnalyzer(engine::Connection& connection);

  // Uses `connection` for parsing (nothing is run). Thread-safe.
  QueryAnalysis analyze(engine::Connection& connection, const std::string& sql,
                        const LakeState& state);

 private:
  struct Parsed {
    std::string normalized;
    std::optional<std::string> uncacheable;                // the reason
    std::set<std::pair<std::string, std::string>> tables;  // (schema, name) as written
    std::set<std::string> table_functions;
    std::set<std::string> catalogs;  // named in table references
    bool parsed = false;
    std::optional<std::string> rejection;
    std::optional<nlohmann::json> select;  // the tree before normalizing, when parsed
  };
  std::set<std::string> consistent_functions_;
  std::mutex mutex_;
  // Lake views' table sets by (view key, snapshot): their definitions change only with a commit.
  std::map<std::pair<std::string, int64_t>, Parsed> view_cache_;

  Parsed parse(engine::Connection& connection, const std::string& sql) const;
  // Adds the lake tables `parsed` reads to `reads`; returns why not cacheable, if so.
  static std::optional<std::pair<int, std::string>> forbidden(const Parsed& parsed,
                                                              const LakeState& state);
  std::optional<std::string> resolve(engine::Connection& connection, const Parsed& parsed,
                                     const LakeState& state, std::map<std::string, int64_t>& reads,
                                     int depth);
};

}  // namespace strata::serve::http
