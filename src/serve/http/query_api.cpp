#include "serve/http/query_api.hpp"

#include "core/error.hpp"
#include "core/text.hpp"
#include "serve/auth/access_control.hpp"
#include "serve/http/openapi.hpp"

namespace strata::serve::http {

namespace {

Response run_sql(QueryApi& api, const Request& request) {
  return api.queries.run(sql_query_request(request));
}

Response run_named(QueryApi& api, const Request& request) {
  const std::string name = request.path_params.at("name");
  const NamedQueryConfig* query = api.named.find(name);
  if (!query) {
    std::vector<std::string> names;
    for (const NamedQueryConfig& q : api.named.all()) names.push_back(q.name);
    return error_response(404, "no named query '" + name + "'" + did_you_mean(name, names));
  }
  return api.queries.run(named_query_request(api.named, *query, request));
}

// The lake's tables, those the request's role may read (all for a request without a role).
nlohmann::json table_list(QueryApi& api, const RoleConfig* role) {
  api.queries.lake().refresh();
  nlohmann::json tables = nlohmann::json::array();
  for (const lake::TableInfo& table : api.store.list_tables()) {
    if (role && !auth::may_read(*role, table.name.space, table.name.name)) continue;
    nlohmann::json entry = {{"name", table.name.str()},
                            {"namespace", table.name.space},
                            {"table", table.name.name},
                            {"kind", table.kind == lake::TableKind::kView ? "view" : "table"},
                            {"snapshot", table.current_snapshot}};
    entry["rows"] = nullptr;
    if (table.kind == lake::TableKind::kTable) {
      for (const lake::SnapshotInfo& snapshot : api.store.snapshots(table)) {
        if (snapshot.id == table.current_snapshot) entry["rows"] = snapshot.total_rows;
      }
    }
    tables.push_back(std::move(entry));
  }
  return tables;
}

nlohmann::json named_query_list(const NamedQueries& named) {
  nlohmann::json list = nlohmann::json::array();
  for (const NamedQueryConfig& query : named.all()) {
    nlohmann::json params = nlohmann::json::array();
    for (const QueryParamConfig& param : query.params) {
      nlohmann::json p = {{"name", param.name},
                          {"type", query_param_type_name(param.type)},
                          {"required", !param.default_value.has_value()}};
      if (param.default_value) p["default"] = default_json(param);
      if (!param.description.empty()) p["description"] = param.description;
      params.push_back(std::move(p));
    }
    list.push_back({{"name", query.name},
                    {"description", query.description},
                    {"path", "/api/v1/queries/" + query.name},
                    {"params", std::move(params)}});
  }
  return list;
}

}  // namespace

void add_query_routes(Router& router, QueryApi& api) {
  router.add("GET", "/api/v1/health",
             [&api](const Request&) {
               const CacheStats cache = api.queries.cache().stats();
               return json_response(200, {{"status", "ok"},
                                          {"project", api.project},
                                          {"tables", api.queries.lake().current()->tables.size()},
                                          {"cache",
                                           {{"entries", cache.entries},
                                            {"bytes", cache.bytes},
                                            {"hits", cache.hits},
                                            {"misses", cache.misses},
                                            {"invalidated", cache.invalidated}}}});
             },
             {.requires_auth = false, .summary = "Liveness and counters"});
  router.add("GET", "/api/v1/tables",
             [&api](const Request& request) {
               return json_response(200, {{"tables", table_list(api, request.role)}});
             },
             {.summary = "The lake tables the role may read, with current snapshot and row count"});
  router.add("POST", "/api/v1/query",
             [&api](const Request& request) { return run_sql(api, request); },
             {.summary = "Run a SELECT with bound parameters; the result is streamed"});
  router.add("GET", "/api/v1/queries",
             [&api](const Request&) {
               return json_response(200, {{"queries", named_query_list(api.named)}});
             },
             {.summary = "The named queries and their parameters"});
  auto named = [&api](const Request& request) { return run_named(api, request); };
  router.add("GET", "/api/v1/queries/{name}", named,
             {.summary = "Run a named query (parameters in the query string)"});
  router.add("POST", "/api/v1/queries/{name}", named,
             {.summary = "Run a named query (parameters as a JSON object)"});
  router.add("GET", "/api/v1/openapi.json",
             [&api, &router](const Request&) {
               return json_response(200, openapi_document(router, api.named, api.project));
             },
             {.summary = "This API's OpenAPI 3 document"});
}

}  // namespace strata::serve::http
