// The Apache Iceberg REST catalog API, served by `strata serve` under the HTTP API's listener at
// `/iceberg` (so a client's catalog URI is http://host:port/iceberg): GET /v1/config; namespaces
// (list, create, load, exists, drop, properties); tables (list, create (staged too), load,
// exists, commit with requirements and updates, drop with purge, rename, metrics). External engines
// (pyiceberg, DuckDB's iceberg extension, Spark) read and write the lake's tables through it; a
// commit goes through the lake's compare-and-swap (lake/rest_catalog.hpp), and a requirement that
// no longer holds is a 409 CommitFailedException. Errors are the spec's
// {"error": {"message", "type", "code"}}. strata namespaces have one level: a nested namespace
// is a 400. A client of the catalog reads data files directly, past any mask or table policy, so
// a role may use it only when it reads every table unmasked; and once users are declared, only
// admin roles may change the catalog (403 ForbiddenException otherwise).
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "lake/table_store.hpp"
#include "serve/auth/access_control.hpp"
#include "serve/http/router.hpp"

namespace strata::serve::iceberg_rest {

struct RestCatalogApi {
  lake::Lake& lake;
  std::string prefix = "/iceberg";              // where the catalog's /v1/... paths are mounted
  const auth::AccessControl* access = nullptr;  // null: every authorized request may use it
};

// Why the request's role may not make this request of the catalog; nullopt when it may.
std::optional<std::string> refusal(const RestCatalogApi& api, const http::Request& request);

// Registers the routes; `api` must outlive the router's use.
void add_rest_catalog_routes(http::Router& router, RestCatalogApi& api);

// Parts shared by the namespace and table endpoints (rest_errors.cpp).
http::Response rest_error(int status, const std::string& type, const std::string& message);
// Runs `handler`, turning a strata::Error into the spec's error: kConflict -> 409 with
// `conflict_type`, kInput -> 400 BadRequestException, others -> 500.
http::Response guarded(const std::string& conflict_type,
                       const std::function<http::Response()>& handler);
// The namespace of a path parameter; kInput for an empty, nested or unusable name.
std::string namespace_param(const http::Request& request);
// A table or namespace name strata can use; kInput naming it otherwise.
void check_name(const std::string& name, const std::string& what);
http::Response no_content();
http::Response no_such_namespace(const std::string& space);
// Registers `handler` at `path`, its errors turned into the spec's by guarded().
using RestHandler = http::Response (*)(RestCatalogApi&, const http::Request&);
void add_route(http::Router& router, RestCatalogApi& api, const char* method,
               const std::string& path, const char* conflict_type, RestHandler handler,
               const char* summary);

void add_namespace_routes(http::Router& router, RestCatalogApi& api);
void add_table_routes(http::Router& router, RestCatalogApi& api);

}  // namespace strata::serve::iceberg_rest
