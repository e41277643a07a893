#include "core/error.hpp"
#include "serve/iceberg_rest/rest_api.hpp"

namespace strata::serve::iceberg_rest {

http::Response rest_error(int status, const std::string& type, const std::string& message) {
  return http::json_response(status,
                             {{"error", {{"message", message}, {"type", type}, {"code", status}}}});
}

http::Response guarded(const std::string& conflict_type,
                       const std::function<http::Response()>& handler) {
  try {
    return handler();
  } catch (const Error& e) {
    switch (e.kind()) {
      case ErrorKind::kConflict:
        return rest_error(409, conflict_type, e.what());
      case ErrorKind::kInput:
      case ErrorKind::kUsage:
      case ErrorKind::kConfig:
        return rest_error(400, "BadRequestException", e.what());
      default:
        return rest_error(500, "ServiceFailureException", e.what());
    }
  }
}

void check_name(const std::string& name, const std::string& what) {
  if (name.empty()) throw Error(ErrorKind::kInput, what + " name is empty");
  for (const char c : name) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || c == '/' || c == '.' || c == '@' || c == '"') {
      throw Error(ErrorKind::kInput, what + " name \"" + name +
                                         "\" holds a character strata names cannot use " +
                                         (c == '\x1f' ? "(nested namespaces are not supported)"
                                                      : "(control characters, / . @ \")"));
    }
  }
}

std::string namespace_param(const http::Request& request) {
  const std::string space = request.path_params.at("namespace");
  check_name(space, "namespace");
  return space;
}

http::Response no_content() {
  http::Response response;
  response.status = 204;
  response.content_type.clear();
  return response;
}

http::Response no_such_namespace(const std::string& space) {
  return rest_error(404, "NoSuchNamespaceException", "namespace does not exist: " + space);
}

std::optional<std::string> refusal(const RestCatalogApi& api, const http::Request& request) {
  const RoleConfig* role = request.role;
  if (!role || role->admin) return std::nullopt;
  const bool reads_everything_unmasked =
      role->masks.empty() && role->read == std::vector<std::string>{"*"};
  if (!reads_everything_unmasked) {
    return "role " + role->name +
           " has table limits or column masks, which the Iceberg REST catalog cannot apply";
  }
  const bool changes = request.method != "GET" && request.method != "HEAD";
  if (changes && api.access && api.access->authentication_required()) {
    return "role " + role->name + " may not change the catalog (an admin role may)";
  }
  return std::nullopt;
}

void add_route(http::Router& router, RestCatalogApi& api, const char* method,
               const std::string& path, const char* conflict_type, RestHandler handler,
               const char* summary) {
  router.add(method, path,
             [&api, conflict_type, handler](const http::Request& request) {
               if (const auto reason = refusal(api, request)) {
                 return rest_error(403, "ForbiddenException", *reason);
               }
               return guarded(conflict_type, [&] { return handler(api, request); });
             },
             {.summary = summary});
}

void add_rest_catalog_routes(http::Router& router, RestCatalogApi& api) {
  router.add(
      "GET", api.prefix + "/v1/config",
      [](const http::Request&) {
        nlohmann::json endpoints = nlohmann::json::array();
        for (const char* endpoint :
             {"GET /v1/{prefix}/namespaces", "POST /v1/{prefix}/namespaces",
              "GET /v1/{prefix}/namespaces/{namespace}", "HEAD /v1/{prefix}/namespaces/{namespace}",
              "DELETE /v1/{prefix}/namespaces/{namespace}",
              "POST /v1/{prefix}/namespaces/{namespace}/properties",
              "GET /v1/{prefix}/namespaces/{namespace}/tables",
              "POST /v1/{prefix}/namespaces/{namespace}/tables",
              "GET /v1/{prefix}/namespaces/{namespace}/tables/{table}",
              "HEAD /v1/{prefix}/namespaces/{namespace}/tables/{table}",
              "POST /v1/{prefix}/namespaces/{namespace}/tables/{table}",
              "DELETE /v1/{prefix}/namespaces/{namespace}/tables/{table}",
              "POST /v1/{prefix}/namespaces/{namespace}/tables/{table}/metrics",
              "POST /v1/{prefix}/tables/rename"}) {
          endpoints.push_back(endpoint);
        }
        return http::json_response(200, {{"defaults", nlohmann::json::object()},
                                         {"overrides", nlohmann::json::object()},
                                         {"endpoints", endpoints}});
      },
      {.summary = "Iceberg REST catalog: the catalog's configuration"});
  add_namespace_routes(router, api);
  add_table_routes(router, api);
}

}  // namespace strata::serve::iceberg_rest
