// The table endpoints of the Iceberg REST catalog: list, create (staged or not), load, exists,
// commit, drop (with purge), rename and metrics reports. The work is the lake's
// (lake/rest_catalog.hpp); here are the protocol's payloads and error types.
#include "core/error.hpp"
#include "core/text.hpp"
#include "lake/rest_catalog.hpp"
#include "serve/iceberg_rest/rest_api.hpp"

namespace strata::serve::iceberg_rest {

namespace {

using nlohmann::json;

lake::TableName table_param(const http::Request& request) {
  lake::TableName name{namespace_param(request), request.path_params.at("table")};
  check_name(name.name, "table");
  return name;
}

bool is_iceberg_table(RestCatalogApi& api, const lake::TableName& name) {
  const auto info = api.lake.store().find_table(name);
  return info && info->kind == lake::TableKind::kTable && !info->metadata_location.empty();
}

http::Response no_such_table(const lake::TableName& name) {
  return rest_error(404, "NoSuchTableException", "table does not exist: " + name.str());
}

json load_result(const lake::LoadedTable& table) {
  json out = {{"metadata", table.metadata->document()}, {"config", json::object()}};
  if (!table.metadata_location.empty()) out["metadata-location"] = table.metadata_location;
  return out;
}

lake::TableName identifier(const json& value, const std::string& what) {
  if (!value.is_object() || !value.contains("namespace") || !value.contains("name")) {
    throw Error(ErrorKind::kInput, what + " must be {\"namespace\": [...], \"name\": ...}");
  }
  const json& levels = value["namespace"];
  if (!levels.is_array() || levels.size() != 1 || !levels[0].is_string() ||
      !value["name"].is_string()) {
    throw Error(ErrorKind::kInput,
                what +
                    " must name a table in a one-level namespace (nested namespaces are not "
                    "supported)");
  }
  lake::TableName name{levels[0].get<std::string>(), value["name"].get<std::string>()};
  check_name(name.space, "namespace");
  check_name(name.name, "table");
  return name;
}

http::Response list_tables(RestCatalogApi& api, const http::Request& request) {
  const std::string space = namespace_param(request);
  if (!api.lake.store().namespace_properties(space)) return no_such_namespace(space);
  json identifiers = json::array();
  for (const lake::TableInfo& table : api.lake.store().list_tables()) {
    if (table.name.space != space || table.kind != lake::TableKind::kTable ||
        table.metadata_location.empty())
      continue;
    identifiers.push_back({{"namespace", json::array({space})}, {"name", table.name.name}});
  }
  return http::json_response(200, {{"identifiers", identifiers}});
}

http::Response create_table(RestCatalogApi& api, const http::Request& request) {
  const std::string space = namespace_param(request);
  const json body = http::parse_json_body(request);
  http::expect_body_fields(body, {"name", "location", "schema", "partition-spec", "write-order",
                                  "stage-create", "properties"});
  if (!body.contains("name") || !body["name"].is_string() || !body.contains("schema")) {
    throw Error(ErrorKind::kInput, "a table needs a \"name\" and a \"schema\"");
  }
  const lake::TableName name{space, body["name"].get<std::string>()};
  check_name(name.name, "table");
  if (!api.lake.store().namespace_properties(space)) return no_such_namespace(space);
  lake::CreateTableRequest create;
  create.schema = body["schema"];
  create.partition_spec = body.value("partition-spec", json());
  create.sort_order = body.value("write-order", json());
  create.properties = body.value("properties", json());
  create.location = body.value("location", json()).is_string() ? body["location"].get<std::string>()
                                                               : std::string();
  create.stage_only = body.value("stage-create", false);
  return http::json_response(200, load_result(lake::create_iceberg_table(api.lake, name, create)));
}

http::Response load_table(RestCatalogApi& api, const http::Request& request) {
  const lake::TableName name = table_param(request);
  if (!is_iceberg_table(api, name)) return no_such_table(name);
  return http::json_response(200, load_result(lake::load_iceberg_table(api.lake, name)));
}

http::Response table_exists(RestCatalogApi& api, const http::Request& request) {
  const lake::TableName name = table_param(request);
  if (!is_iceberg_table(api, name)) return no_such_table(name);
  return no_content();
}

http::Response commit_table(RestCatalogApi& api, const http::Request& request) {
  const lake::TableName name = table_param(request);
  const json body = http::parse_json_body(request);
  http::expect_body_fields(body, {"identifier", "requirements", "updates"});
  if (body.contains("identifier") && identifier(body["identifier"], "\"identifier\"") != name) {
    throw Error(ErrorKind::kInput, "\"identifier\" names another table than the path");
  }
  const json requirements = body.value("requirements", json::array());
  bool creates = false;
  for (const json& r : requirements)
    creates |= r.is_object() && r.value("type", "") == "assert-create";
  if (!creates && !is_iceberg_table(api, name)) return no_such_table(name);
  const lake::LoadedTable table = lake::commit_iceberg_table(api.lake, name, requirements,
                                                             body.value("updates", json::array()));
  return http::json_response(200, {{"metadata-location", table.metadata_location},
                                   {"metadata", table.metadata->document()}});
}

http::Response drop_table(RestCatalogApi& api, const http::Request& request) {
  const lake::TableName name = table_param(request);
  if (!is_iceberg_table(api, name)) return no_such_table(name);
  // Python clients send the flag as "True".
  const std::string purge = to_lower(request.query_param("purgeRequested").value_or("false"));
  if (!lake::drop_iceberg_table(api.lake, name, purge == "true")) return no_such_table(name);
  return no_content();
}

http::Response rename_table(RestCatalogApi& api, const http::Request& request) {
  const json body = http::parse_json_body(request);
  http::expect_body_fields(body, {"source", "destination"});
  const lake::TableName from = identifier(body.value("source", json()), "\"source\"");
  const lake::TableName to = identifier(body.value("destination", json()), "\"destination\"");
  if (!is_iceberg_table(api, from)) return no_such_table(from);
  if (!api.lake.store().namespace_properties(to.space)) return no_such_namespace(to.space);
  api.lake.store().rename_table(from, to);
  return no_content();
}

http::Response report_metrics(RestCatalogApi& api, const http::Request& request) {
  const lake::TableName name = table_param(request);
  if (!is_iceberg_table(api, name)) return no_such_table(name);
  return no_content();  // accepted; strata keeps no scan or commit reports
}

}  // namespace

void add_table_routes(http::Router& router, RestCatalogApi& api) {
  const std::string tables = api.prefix + "/v1/namespaces/{namespace}/tables";
  const std::string table = tables + "/{table}";
  add_route(router, api, "GET", tables, "ServiceFailureException", list_tables,
            "Iceberg REST catalog: the tables of a namespace");
  add_route(router, api, "POST", tables, "AlreadyExistsException", create_table,
            "Iceberg REST catalog: create a table");
  add_route(router, api, "GET", table, "ServiceFailureException", load_table,
            "Iceberg REST catalog: a table's metadata and metadata location");
  add_route(router, api, "HEAD", table, "ServiceFailureException", table_exists,
            "Iceberg REST catalog: whether a table exists");
  add_route(router, api, "POST", table, "CommitFailedException", commit_table,
            "Iceberg REST catalog: commit requirements and metadata updates");
  add_route(router, api, "DELETE", table, "ServiceFailureException", drop_table,
            "Iceberg REST catalog: drop a table (?purgeRequested=true deletes its files)");
  add_route(router, api, "POST", table + "/metrics", "ServiceFailureException", report_metrics,
            "Iceberg REST catalog: accept a metrics report");
  add_route(router, api, "POST", api.prefix + "/v1/tables/rename", "AlreadyExistsException",
            rename_table, "Iceberg REST catalog: rename a table");
}

}  // namespace strata::serve::iceberg_rest
