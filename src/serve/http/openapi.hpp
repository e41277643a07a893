// The OpenAPI 3.0 document of the HTTP API: every route of the router (the query endpoints with
// their request and response schemas, routes other modules add with their summary), one path per
// named query with its typed parameters, bearer authentication, and the JSON error schema.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

#include "serve/http/named_queries.hpp"
#include "serve/http/router.hpp"

namespace strata::serve::http {

nlohmann::json openapi_document(const Router& router, const NamedQueries& named,
                                const std::string& project);

}  // namespace strata::serve::http
