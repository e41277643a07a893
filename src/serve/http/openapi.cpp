#include "serve/http/openapi.hpp"

#include "core/text.hpp"

namespace strata::serve::http {

namespace {

using json = nlohmann::json;

json ref(const std::string& schema) {
  return {{"$ref", "#/components/schemas/" + schema}};
}

json error_responses() {
  json content = {{"application/json", {{"schema", ref("Error")}}}};
  return {{"400", {{"description", "Bad request or SQL error"}, {"content", content}}},
          {"401", {{"description", "Missing or invalid bearer token"}, {"content", content}}},
          {"504", {{"description", "The query timed out"}, {"content", content}}}};
}

json result_responses() {
  json responses = error_responses();
  responses["200"] = {
      {"description",
       "The result, streamed; X-Cache says whether it came from the cache (hit, miss, bypass)"},
      {"headers",
       {{"X-Cache", {{"schema", {{"type", "string"}, {"enum", {"hit", "miss", "bypass"}}}}}}}},
      {"content",
       {{"application/json", {{"schema", ref("QueryResult")}}},
        {"application/x-ndjson", {{"schema", {{"type", "string"}}}}},
        {"text/csv", {{"schema", {{"type", "string"}}}}},
        {"application/vnd.apache.parquet",
         {{"schema", {{"type", "string"}, {"format", "binary"}}}}},
        {"application/vnd.apache.arrow.stream",
         {{"schema", {{"type", "string"}, {"format", "binary"}}}}}}}};
  return responses;
}

json format_parameter() {
  return {
      {"name", "format"},
      {"in", "query"},
      {"required", false},
      {"schema", {{"type", "string"}, {"enum", {"json", "ndjson", "csv", "parquet", "arrow"}}}}};
}

json param_schema(QueryParamType type) {
  switch (type) {
    case QueryParamType::kInteger:
      return {{"type", "integer"}, {"format", "int64"}};
    case QueryParamType::kNumber:
      return {{"type", "number"}};
    case QueryParamType::kBoolean:
      return {{"type", "boolean"}};
    case QueryParamType::kDate:
      return {{"type", "string"}, {"format", "date"}};
    case QueryParamType::kTimestamp:
      return {{"type", "string"}, {"format", "date-time"}};
    case QueryParamType::kString:
      break;
  }
  return {{"type", "string"}};
}

json named_query_path(const NamedQueryConfig& query) {
  json parameters = json::array({format_parameter()});
  json properties = json::object();
  json required = json::array();
  for (const QueryParamConfig& param : query.params) {
    json schema = param_schema(param.type);
    if (param.default_value) schema["default"] = default_json(param);
    if (!param.description.empty()) schema["description"] = param.description;
    parameters.push_back({{"name", param.name},
                          {"in", "query"},
                          {"required", !param.default_value.has_value()},
                          {"schema", schema}});
    properties[param.name] = schema;
    if (!param.default_value) required.push_back(param.name);
  }
  json body_schema = {
      {"type", "object"},
      {"additionalProperties", false},
      {"properties",
       {{"params",
         {{"type", "object"}, {"additionalProperties", false}, {"properties", properties}}},
        {"format",
         {{"type", "string"}, {"enum", {"json", "ndjson", "csv", "parquet", "arrow"}}}}}}};
  if (!required.empty()) body_schema["properties"]["params"]["required"] = required;
  const std::string summary =
      query.description.empty() ? "Named query " + query.name : query.description;
  return {{"get",
           {{"operationId", "query_" + query.name + "_get"},
            {"summary", summary},
            {"parameters", parameters},
            {"responses", result_responses()}}},
          {"post",
           {{"operationId", "query_" + query.name + "_post"},
            {"summary", summary},
            {"requestBody",
             {{"required", false}, {"content", {{"application/json", {{"schema", body_schema}}}}}}},
            {"responses", result_responses()}}}};
}

json components() {
  json schemas;
  schemas["Error"] = {{"type", "object"},
                      {"required", {"error"}},
                      {"properties",
                       {{"error",
                         {{"type", "object"},
                          {"required", {"status", "code", "message"}},
                          {"properties",
                           {{"status", {{"type", "integer"}}},
                            {"code", {{"type", "string"}}},
                            {"message", {{"type", "string"}}}}}}}}}};
  schemas["QueryRequest"] = {
      {"type", "object"},
      {"required", {"sql"}},
      {"additionalProperties", false},
      {"properties",
       {{"sql", {{"type", "string"}, {"description", "One SELECT; $1, $2, ... for parameters"}}},
        {"params", {{"type", "array"}, {"items", json::object()}}},
        {"format",
         {{"type", "string"}, {"enum", {"json", "ndjson", "csv", "parquet", "arrow"}}}}}}};
  schemas["QueryResult"] = {
      {"type", "object"},
      {"properties",
       {{"columns",
         {{"type", "array"},
          {"items",
           {{"type", "object"},
            {"properties", {{"name", {{"type", "string"}}}, {"type", {{"type", "string"}}}}}}}}},
        {"rows", {{"type", "array"}, {"items", {{"type", "array"}, {"items", json::object()}}}}},
        {"row_count", {{"type", "integer"}}}}}};
  schemas["Table"] = {{"type", "object"},
                      {"properties",
                       {{"name", {{"type", "string"}}},
                        {"namespace", {{"type", "string"}}},
                        {"table", {{"type", "string"}}},
                        {"kind", {{"type", "string"}, {"enum", {"table", "view"}}}},
                        {"snapshot", {{"type", "integer"}, {"format", "int64"}}},
                        {"rows", {{"type", "integer"}, {"nullable", true}}}}}};
  return {{"schemas", schemas},
          {"securitySchemes", {{"bearerAuth", {{"type", "http"}, {"scheme", "bearer"}}}}}};
}

// Operations for the routes this module knows in detail.
std::optional<json> known_operation(const Route& route) {
  const std::string key = route.method + " " + route.pattern;
  json op = {{"summary", route.options.summary}};
  if (key == "POST /api/v1/query") {
    op["operationId"] = "run_query";
    op["requestBody"] = {{"required", true},
                         {"content", {{"application/json", {{"schema", ref("QueryRequest")}}}}}};
    op["responses"] = result_responses();
    return op;
  }
  if (key == "GET /api/v1/tables") {
    op["operationId"] = "list_tables";
    op["responses"] = error_responses();
    op["responses"]["200"] = {
        {"description", "The lake's tables"},
        {"content",
         {{"application/json",
           {{"schema",
             {{"type", "object"},
              {"properties", {{"tables", {{"type", "array"}, {"items", ref("Table")}}}}}}}}}}}};
    return op;
  }
  return std::nullopt;
}

json generic_operation(const Route& route) {
  std::string id = to_lower(route.method);
  json parameters = json::array();
  for (const std::string& segment : split(route.pattern, '/')) {
    if (segment.size() > 2 && segment.front() == '{') {
      const std::string name = segment.substr(1, segment.size() - 2);
      parameters.push_back(
          {{"name", name}, {"in", "path"}, {"required", true}, {"schema", {{"type", "string"}}}});
      id += "_by_" + name;
    } else if (!segment.empty()) {
      id += "_" + segment;
    }
  }
  std::replace(id.begin(), id.end(), '.', '_');
  json op = {{"operationId", id}, {"summary", route.options.summary}};
  if (!parameters.empty()) op["parameters"] = parameters;
  op["responses"] = {{"200", {{"description", "OK"}}},
                     {"default",
                      {{"description", "Error"},
                       {"content", {{"application/json", {{"schema", ref("Error")}}}}}}}};
  return op;
}

}  // namespace

json openapi_document(const Router& router, const NamedQueries& named, const std::string& project) {
  json paths = json::object();
  for (const Route& route : router.routes()) {
    if (route.pattern == "/api/v1/queries/{name}") continue;  // one path per named query below
    json op = known_operation(route).value_or(generic_operation(route));
    if (!route.options.requires_auth) op["security"] = json::array();
    paths[route.pattern][to_lower(route.method)] = op;
  }
  for (const NamedQueryConfig& query : named.all()) {
    paths["/api/v1/queries/" + query.name] = named_query_path(query);
  }
  return {{"openapi", "3.0.3"},
          {"info",
           {{"title", "strata HTTP API of project " + project},
            {"version", "1"},
            {"description", "Query the project's lake tables over HTTP."}}},
          {"paths", paths},
          {"components", components()},
          {"security", json::array({{{"bearerAuth", json::array()}}})}};
}

}  // namespace strata::serve::http
