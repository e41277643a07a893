#include "core/serve_config.hpp"

#include <regex>

#include "core/text.hpp"
#include "core/time_text.hpp"
#include "core/yaml_util.hpp"

namespace strata {

namespace {

int64_t positive(const yaml::Reader& reader, const std::string& key, int64_t fallback,
                 int64_t maximum) {
  const int64_t value = reader.integer(key, fallback);
  if (value < 1 || value > maximum) {
    reader.fail_at(reader.node()[key],
                   "'" + key + "' must be between 1 and " + std::to_string(maximum));
  }
  return value;
}

std::optional<int64_t> port(const yaml::Reader& reader, const std::string& key) {
  if (!reader.has(key)) return std::nullopt;
  const int64_t value = reader.integer(key, 0);
  if (value < 0 || value > 65535) {
    reader.fail_at(reader.node()[key], "'" + key + "' must be a port between 0 and 65535");
  }
  return value;
}

QueryParamType param_type(const yaml::Reader& reader, const YAML::Node& node,
                          const std::string& text) {
  const auto& names = query_param_type_names();
  for (size_t i = 0; i < names.size(); ++i) {
    if (text == names[i]) return static_cast<QueryParamType>(i);
  }
  reader.fail_at(node, "unknown parameter type '" + text + "'; use one of: " + join(names, ", ") +
                           did_you_mean(text, names));
}

QueryParamConfig parse_param(const std::string& name, const yaml::Reader& param) {
  static const std::regex kName("^[A-Za-z_][A-Za-z0-9_]*$");
  if (!std::regex_match(name, kName)) {
    param.fail("parameter name '" + name +
               "' must start with a letter or underscore and contain only letters, digits and "
               "underscores");
  }
  QueryParamConfig config;
  config.name = name;
  if (param.node().IsScalar()) {  // shorthand: `year: integer`
    config.type = param_type(param, param.node(), param.node().as<std::string>());
    return config;
  }
  param.expect_map("parameter " + name);
  param.expect_keys({"type", "default", "description"}, "parameter " + name);
  config.type = param_type(param, param.node()["type"], param.required_string("type"));
  if (param.has("default")) config.default_value = param.string("default", "");
  config.description = param.string("description", "");
  return config;
}

NamedQueryConfig parse_query(const std::string& name, const yaml::Reader& query) {
  NamedQueryConfig config;
  config.name = name;
  config.where = query.where();
  if (query.node().IsScalar()) {  // shorthand: `name: SELECT ...`
    config.sql = query.node().as<std::string>();
    return config;
  }
  query.expect_map("query " + name);
  query.expect_keys({"sql", "params", "description"}, "query " + name);
  config.sql = query.required_string("sql");
  config.description = query.string("description", "");
  const yaml::Reader params = query.child("params");
  if (params.node().IsDefined() && !params.node().IsNull()) {
    params.expect_map("params");
    for (auto& [param_name, param] : params.entries()) {
      config.params.push_back(parse_param(param_name, param));
    }
  }
  return config;
}

}  // namespace

const std::vector<std::string>& query_param_type_names() {
  static const std::vector<std::string> kNames = {"integer", "number", "string",
                                                  "boolean", "date",   "timestamp"};
  return kNames;
}

std::string query_param_type_name(QueryParamType type) {
  return query_param_type_names().at(static_cast<size_t>(type));
}

ServeConfig parse_serve(const yaml::Reader& serve) {
  ServeConfig config;
  if (!serve.node().IsDefined() || serve.node().IsNull()) return config;
  serve.expect_map("serve");
  serve.expect_keys({"host", "http_host", "pg_port", "http_port", "token", "query_timeout",
                     "http_threads", "cache_mb", "max_body_kb", "iceberg_rest"},
                    "serve");
  config.host = serve.string("host", config.host);
  config.http_host = serve.string("http_host", config.http_host);
  config.pg_port = port(serve, "pg_port");
  config.http_port = port(serve, "http_port");
  config.token = serve.string("token", "");
  config.iceberg_rest = serve.boolean("iceberg_rest", config.iceberg_rest);
  if (serve.has("token")) config.token_where = yaml::location(serve.node()["token"], serve.file());
  const std::string timeout = serve.string("query_timeout", "");
  if (!timeout.empty()) {
    std::optional<int64_t> ms = parse_duration_ms(timeout);
    if (!ms || *ms <= 0) {
      serve.fail_at(
          serve.node()["query_timeout"],
          "'query_timeout' must be a duration such as 500ms, 30s or 5m (got '" + timeout + "')");
    }
    config.query_timeout_ms = *ms;
  }
  config.http_threads = positive(serve, "http_threads", config.http_threads, 1024);
  config.cache_bytes = positive(serve, "cache_mb", config.cache_bytes >> 20, 1 << 20) << 20;
  config.max_body_bytes = positive(serve, "max_body_kb", config.max_body_bytes >> 10, 1 << 20)
                          << 10;
  return config;
}

std::vector<NamedQueryConfig> parse_named_queries(const yaml::Reader& queries) {
  std::vector<NamedQueryConfig> out;
  if (!queries.node().IsDefined() || queries.node().IsNull()) return out;
  queries.expect_map("queries");
  static const std::regex kName("^[A-Za-z_][A-Za-z0-9_-]*$");
  for (auto& [name, query] : queries.entries()) {
    if (!std::regex_match(name, kName)) {
      query.fail("query name '" + name +
                 "' must start with a letter or underscore and contain only letters, digits, "
                 "underscores and dashes");
    }
    out.push_back(parse_query(name, query));
  }
  return out;
}

}  // namespace strata
