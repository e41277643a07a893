// The namespace endpoints of the Iceberg REST catalog. A strata namespace is the first part of a
// table name (`silver` of `silver.orders`): it exists when it was created here or holds a table.
#include <map>

#include "core/error.hpp"
#include "serve/iceberg_rest/rest_api.hpp"

namespace strata::serve::iceberg_rest {

namespace {

using nlohmann::json;

std::map<std::string, std::string> string_map(const json& value, const std::string& what) {
  if (value.is_null()) return {};
  if (!value.is_object()) throw Error(ErrorKind::kInput, what + " must be an object of strings");
  std::map<std::string, std::string> out;
  for (const auto& [key, item] : value.items()) {
    if (!item.is_string()) throw Error(ErrorKind::kInput, what + "." + key + " must be a string");
    out[key] = item.get<std::string>();
  }
  return out;
}

http::Response list_namespaces(RestCatalogApi& api, const http::Request& request) {
  json namespaces = json::array();
  // One level only: a parent has no children.
  if (!request.query_param("parent").value_or("").empty()) {
    return http::json_response(200, {{"namespaces", namespaces}});
  }
  for (const std::string& space : api.lake.store().namespaces()) {
    namespaces.push_back(json::array({space}));
  }
  return http::json_response(200, {{"namespaces", namespaces}});
}

http::Response create_namespace(RestCatalogApi& api, const http::Request& request) {
  const json body = http::parse_json_body(request);
  http::expect_body_fields(body, {"namespace", "properties"});
  const json levels = body.value("namespace", json());
  if (!levels.is_array() || levels.size() != 1 || !levels[0].is_string()) {
    throw Error(ErrorKind::kInput,
                "\"namespace\" must be an array of one name (nested namespaces are not supported)");
  }
  const std::string space = levels[0].get<std::string>();
  check_name(space, "namespace");
  const auto properties = string_map(body.value("properties", json()), "properties");
  api.lake.store().create_namespace(space, properties);
  return http::json_response(200, {{"namespace", levels}, {"properties", properties}});
}

http::Response load_namespace(RestCatalogApi& api, const http::Request& request) {
  const std::string space = namespace_param(request);
  const auto properties = api.lake.store().namespace_properties(space);
  if (!properties) return no_such_namespace(space);
  return http::json_response(200,
                             {{"namespace", json::array({space})}, {"properties", *properties}});
}

http::Response namespace_exists(RestCatalogApi& api, const http::Request& request) {
  const std::string space = namespace_param(request);
  if (!api.lake.store().namespace_properties(space)) return no_such_namespace(space);
  return no_content();
}

http::Response drop_namespace(RestCatalogApi& api, const http::Request& request) {
  const std::string space = namespace_param(request);
  if (!api.lake.store().namespace_properties(space)) return no_such_namespace(space);
  api.lake.store().drop_namespace(space);
  return no_content();
}

http::Response update_properties(RestCatalogApi& api, const http::Request& request) {
  const std::string space = namespace_param(request);
  const json body = http::parse_json_body(request);
  http::expect_body_fields(body, {"removals", "updates"});
  const auto before = api.lake.store().namespace_properties(space);
  if (!before) return no_such_namespace(space);
  const auto updates = string_map(body.value("updates", json()), "updates");
  std::vector<std::string> removals;
  for (const json& key : body.value("removals", json::array())) {
    if (!key.is_string()) throw Error(ErrorKind::kInput, "\"removals\" must be strings");
    const std::string name = key.get<std::string>();
    if (updates.contains(name)) {
      throw Error(ErrorKind::kInput, "property \"" + name + "\" is both updated and removed");
    }
    removals.push_back(name);
  }
  api.lake.store().update_namespace_properties(space, updates, removals);
  json updated = json::array(), removed = json::array(), missing = json::array();
  for (const auto& [key, value] : updates) updated.push_back(key);
  for (const std::string& key : removals)
    (before->contains(key) ? removed : missing).push_back(key);
  return http::json_response(200,
                             {{"updated", updated}, {"removed", removed}, {"missing", missing}});
}

}  // namespace

void add_namespace_routes(http::Router& router, RestCatalogApi& api) {
  const std::string base = api.prefix + "/v1/namespaces";
  add_route(router, api, "GET", base, "ServiceFailureException", list_namespaces,
            "Iceberg REST catalog: list namespaces");
  add_route(router, api, "POST", base, "AlreadyExistsException", create_namespace,
            "Iceberg REST catalog: create a namespace");
  add_route(router, api, "GET", base + "/{namespace}", "ServiceFailureException", load_namespace,
            "Iceberg REST catalog: a namespace and its properties");
  add_route(router, api, "HEAD", base + "/{namespace}", "ServiceFailureException", namespace_exists,
            "Iceberg REST catalog: whether a namespace exists");
  add_route(router, api, "DELETE", base + "/{namespace}", "NamespaceNotEmptyException",
            drop_namespace, "Iceberg REST catalog: drop an empty namespace");
  add_route(router, api, "POST", base + "/{namespace}/properties", "ServiceFailureException",
            update_properties, "Iceberg REST catalog: set and remove namespace properties");
}

}  // namespace strata::serve::iceberg_rest
