// The HTTP query API's requests turned into QueryRequests: the JSON body of POST /api/v1/query
// (sql, positional params, format) and the parameters of a named query, from a JSON object (POST)
// or the query string (GET). Pure parsing with no database access, so that it is fuzzed on its own
// (fuzz/http_request_fuzzer.cpp); every malformed request is an Error(kInput), a 400.
#pragma once

#include "serve/http/named_queries.hpp"
#include "serve/http/query_service.hpp"
#include "serve/http/router.hpp"

namespace strata::serve::http {

// The query a POST /api/v1/query request asks for (body {"sql", "params", "format"}, or
// ?format=); throws Error(kInput) naming what is wrong with the body.
QueryRequest sql_query_request(const Request& request);
// The query a request for named query `query` asks for: parameters from the JSON body (POST) or
// the query string (GET), checked against their declared types.
QueryRequest named_query_request(const NamedQueries& named, const NamedQueryConfig& query,
                                 const Request& request);

}  // namespace strata::serve::http
