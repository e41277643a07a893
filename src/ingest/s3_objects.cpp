#include "ingest/s3_objects.hpp"

#include <cstdlib>
#include <map>

#include "core/error.hpp"
#include "core/text.hpp"

namespace strata::ingest::s3 {

namespace {

using engine::quote_literal;

// The value configured, else the first of the environment variables that is set.
std::string setting(const std::string& configured, const Location& where,
                    std::initializer_list<const char*> variables) {
  if (!configured.empty()) return expand_environment(configured, where);
  for (const char* variable : variables) {
    if (const char* value = std::getenv(variable); value && *value) return value;
  }
  return "";
}

std::string bucket_of(const std::string& path) {
  const std::string rest = path.substr(5);  // after "s3://"
  return rest.substr(0, rest.find('/'));
}

}  // namespace

bool is_s3_path(std::string_view path) {
  return starts_with(path, "s3://");
}

void configure(engine::Connection& connection, const SourceConfig& source,
               const std::string& path) {
  const S3Config& config = source.s3;
  const Location& where = config.where;
  try {
    connection.execute("LOAD httpfs");
  } catch (const Error& e) {
    throw Error(ErrorKind::kEngine,
                "the DuckDB httpfs extension cannot be loaded (scripts/setup.sh installs it): " +
                    e.message());
  }
  const std::string bucket = bucket_of(path);
  if (bucket.empty()) throw Error(ErrorKind::kConfig, "'" + path + "' names no bucket", where);

  std::string endpoint =
      setting(config.endpoint, where, {"AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"});
  bool use_ssl = config.use_ssl.value_or(true);
  for (const auto& [scheme, ssl] : {std::pair{"http://", false}, std::pair{"https://", true}}) {
    if (starts_with(endpoint, scheme)) {
      endpoint = endpoint.substr(std::string_view(scheme).size());
      if (!config.use_ssl) use_ssl = ssl;
    }
  }
  while (!endpoint.empty() && endpoint.back() == '/') endpoint.pop_back();

  std::map<std::string, std::string> options;
  options["REGION"] = setting(config.region, where, {"AWS_REGION", "AWS_DEFAULT_REGION"});
  if (options["REGION"].empty()) options["REGION"] = "us-east-1";
  options["KEY_ID"] = setting(config.access_key_id, where, {"AWS_ACCESS_KEY_ID"});
  options["SECRET"] = setting(config.secret_access_key, where, {"AWS_SECRET_ACCESS_KEY"});
  options["SESSION_TOKEN"] = setting(config.session_token, where, {"AWS_SESSION_TOKEN"});
  options["ENDPOINT"] = endpoint;
  if (config.path_style) options["URL_STYLE"] = "path";
  std::string sql = "CREATE OR REPLACE TEMPORARY SECRET " +
                    engine::quote_identifier("strata_s3_" + source.name + "_" + bucket) +
                    " (TYPE s3, SCOPE " + quote_literal("s3://" + bucket) + ", USE_SSL " +
                    (use_ssl ? "true" : "false");
  for (const auto& [name, value] : options) {
    if (!value.empty()) sql += ", " + name + " " + quote_literal(value);
  }
  try {
    connection.execute(sql + ")");
  } catch (const Error& e) {
    throw Error(ErrorKind::kConfig, "invalid S3 settings: " + e.message(), where);
  }
}

std::vector<Object> list(engine::Connection& connection, const std::string& pattern) {
  const std::string glob = pattern.ends_with('/') ? pattern + "**" : pattern;
  std::vector<std::string> keys;
  for (const auto& row :
       connection.query("SELECT file FROM glob(" + quote_literal(glob) + ") ORDER BY file")
           .fetch_all()) {
    keys.push_back(std::get<std::string>(row.at(0)));
  }
  if (keys.empty()) return {};
  std::string list;
  for (const auto& key : keys) list += (list.empty() ? "" : ", ") + quote_literal(key);

  // Size and time come from HEAD requests (read_blob reads no content when none is asked for);
  // the ETag of each response is in the engine's HTTP log, matched to its object by the URL's end.
  connection.execute("CALL truncate_duckdb_logs(); CALL enable_logging('HTTP')");
  std::vector<std::vector<engine::Value>> rows;
  std::vector<std::vector<engine::Value>> heads;
  try {
    rows = connection
               .query("SELECT filename, size, epoch_us(last_modified) FROM read_blob([" + list +
                      "]) ORDER BY filename")
               .fetch_all();
    heads = connection
                .query(
                    "SELECT request.url, response.headers['ETag'] FROM "
                    "duckdb_logs_parsed('HTTP') WHERE request.type = 'HEAD'")
                .fetch_all();
  } catch (...) {
    connection.execute("CALL disable_logging(); CALL truncate_duckdb_logs()");
    throw;
  }
  connection.execute("CALL disable_logging(); CALL truncate_duckdb_logs()");
  // A request for s3://bucket/key is http(s)://host/bucket/key (path style) or
  // http(s)://bucket.host/key (virtual host style).
  auto etag_of = [&heads](const std::string& path) -> std::string {
    const std::string bucket = bucket_of(path);
    const std::string key = path.substr(5 + bucket.size());  // "/key"
    for (const auto& head : heads) {
      const auto* url = std::get_if<std::string>(&head.at(0));
      const auto* etag = std::get_if<std::string>(&head.at(1));
      if (!url || !etag) continue;
      const size_t host = url->find("://");
      if (host == std::string::npos) continue;
      const size_t slash = url->find('/', host + 3);
      if (slash == std::string::npos) continue;
      const std::string_view url_path = std::string_view(*url).substr(slash);
      const bool virtual_host = starts_with(std::string_view(*url).substr(host + 3), bucket + ".");
      if (url_path == "/" + bucket + key || (virtual_host && url_path == key)) return *etag;
    }
    return "";
  };
  std::vector<Object> objects;
  for (const auto& row : rows) {
    Object object;
    object.path = std::get<std::string>(row.at(0));
    object.size = static_cast<uint64_t>(std::get<int64_t>(row.at(1)));
    const auto* modified = std::get_if<int64_t>(&row.at(2));
    object.fingerprint = std::to_string(object.size) + ":" +
                         (modified ? std::to_string(*modified) : "") + ":" + etag_of(object.path);
    objects.push_back(std::move(object));
  }
  return objects;
}

}  // namespace strata::ingest::s3
