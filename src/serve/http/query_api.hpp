// The query endpoints of the HTTP API, registered on a Router:
//   GET  /api/v1/health              liveness, project, tables and cache counters (no token needed)
//   GET  /api/v1/tables              lake tables with kind, snapshot id and row count
//   POST /api/v1/query               {"sql", "params": [...], "format":
//   "json|ndjson|csv|parquet|arrow"} GET  /api/v1/queries             the named queries of
//   strata.yml with their parameters GET  /api/v1/queries/NAME        a named query; parameters
//   from the query string POST /api/v1/queries/NAME        a named query; parameters as a JSON
//   object GET  /api/v1/openapi.json        the OpenAPI 3 document of every route
#pragma once

#include <string>

#include "lake/metastore.hpp"
#include "serve/http/named_queries.hpp"
#include "serve/http/query_request.hpp"
#include "serve/http/query_service.hpp"
#include "serve/http/router.hpp"

namespace strata::serve::http {

struct QueryApi {
  std::string project;
  lake::MetadataStore& store;
  QueryService& queries;
  const NamedQueries& named;
};

// Registers the routes; `api` must outlive the router's use.
void add_query_routes(Router& router, QueryApi& api);

}  // namespace strata::serve::http
