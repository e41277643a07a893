// The named queries of strata.yml (`queries:`), as the HTTP API serves them at
// /api/v1/queries/NAME: each request's parameter values (query-string text for GET, JSON values
// for POST) are checked against the declared types (integer, number, string, boolean, date,
// timestamp) and become bound values of the query's `$name` parameters; a missing, unknown or
// ill-typed parameter is an Error(kInput) that names it. At start-up, check() prepares every query
// to verify that its SQL uses only parameters it declares (reported at the query's place in
// strata.yml) and that every default value has its declared type.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "core/serve_config.hpp"
#include "engine/database.hpp"
#include "serve/http/query_service.hpp"

namespace strata::serve::http {

class NamedQueries {
 public:
  explicit NamedQueries(std::vector<NamedQueryConfig> queries);

  const std::vector<NamedQueryConfig>& all() const { return queries_; }
  const NamedQueryConfig* find(const std::string& name) const;

  // `values`: an object of parameter name -> value (JSON, or strings from a query string).
  QueryRequest request(const NamedQueryConfig& query, const nlohmann::json& values,
                       ResultFormat format) const;
  // Throws kConfig for a query whose SQL uses undeclared parameters or whose default values do
  // not have their type; logs a warning for SQL that does not prepare yet (tables not built).
  void check(engine::Connection& connection) const;

 private:
  std::vector<NamedQueryConfig> queries_;
};

// A parameter value of `type`, from JSON (strings are parsed for non-string types); throws
// Error(kInput) naming the parameter when it does not fit.
engine::Value convert_parameter(const QueryParamConfig& param, const nlohmann::json& value);
// The name of parameter `index` (1-based): "year" for $year, "1" for $1.
std::string statement_parameter_name(const engine::PreparedStatement& statement, size_t index);
// A parameter's default value as typed JSON (10, not "10"), or null when it has none.
nlohmann::json default_json(const QueryParamConfig& param);

}  // namespace strata::serve::http
