#include "lake/s3_settings.hpp"

#include <cstdlib>
#include <map>
#include <mutex>

#include "core/error.hpp"
#include "core/text.hpp"

namespace strata::lake::s3 {

namespace {

// The value configured, else the first of the environment variables that is set.
std::string setting(const std::string& configured, const Location& where,
                    std::initializer_list<const char*> variables) {
  if (!configured.empty()) return expand_environment(configured, where);
  for (const char* variable : variables) {
    if (const char* value = std::getenv(variable); value && *value) return value;
  }
  return "";
}

std::mutex registry_mutex;
std::map<std::string, Settings>& registry() {
  static std::map<std::string, Settings> buckets;
  return buckets;
}

}  // namespace

bool is_s3_location(std::string_view location) {
  return starts_with(location, "s3://");
}

std::string bucket_of(const std::string& location) {
  const std::string rest = location.substr(std::min<size_t>(location.size(), 5));
  std::string bucket = rest.substr(0, rest.find('/'));
  if (!is_s3_location(location) || bucket.empty()) {
    throw Error(ErrorKind::kConfig, "'" + location + "' names no S3 bucket", Location(location));
  }
  return bucket;
}

Settings resolve(const S3Config& config) {
  const Location& where = config.where;
  Settings settings;
  std::string endpoint =
      setting(config.endpoint, where, {"AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"});
  settings.use_ssl = config.use_ssl.value_or(true);
  for (const auto& [scheme, ssl] : {std::pair{"http://", false}, std::pair{"https://", true}}) {
    if (starts_with(endpoint, scheme)) {
      endpoint = endpoint.substr(std::string_view(scheme).size());
      if (!config.use_ssl) settings.use_ssl = ssl;
    }
  }
  while (!endpoint.empty() && endpoint.back() == '/') endpoint.pop_back();
  settings.endpoint = endpoint;
  settings.region = setting(config.region, where, {"AWS_REGION", "AWS_DEFAULT_REGION"});
  if (settings.region.empty()) settings.region = "us-east-1";
  settings.path_style = config.path_style;
  settings.access_key_id = setting(config.access_key_id, where, {"AWS_ACCESS_KEY_ID"});
  settings.secret_access_key = setting(config.secret_access_key, where, {"AWS_SECRET_ACCESS_KEY"});
  settings.session_token = setting(config.session_token, where, {"AWS_SESSION_TOKEN"});
  return settings;
}

void register_bucket(const std::string& bucket, const Settings& settings) {
  std::lock_guard lock(registry_mutex);
  registry()[bucket] = settings;
}

Settings settings_for(const std::string& bucket) {
  {
    std::lock_guard lock(registry_mutex);
    auto found = registry().find(bucket);
    if (found != registry().end()) return found->second;
  }
  return resolve(S3Config{});
}

void install_secret(engine::Connection& connection, const Settings& settings,
                    const std::string& bucket, const std::string& name, const Location& where) {
  try {
    connection.execute("LOAD httpfs");
  } catch (const Error& e) {
    throw Error(ErrorKind::kEngine,
                "the DuckDB httpfs extension cannot be loaded (scripts/setup.sh installs it): " +
                    e.message());
  }
  std::map<std::string, std::string> options{{"REGION", settings.region},
                                             {"KEY_ID", settings.access_key_id},
                                             {"SECRET", settings.secret_access_key},
                                             {"SESSION_TOKEN", settings.session_token},
                                             {"ENDPOINT", settings.endpoint}};
  if (settings.path_style) options["URL_STYLE"] = "path";
  std::string sql = "CREATE OR REPLACE TEMPORARY SECRET " + engine::quote_identifier(name) +
                    " (TYPE s3, SCOPE " + engine::quote_literal("s3://" + bucket) + ", USE_SSL " +
                    (settings.use_ssl ? "true" : "false");
  for (const auto& [option, value] : options) {
    if (!value.empty()) sql += ", " + option + " " + engine::quote_literal(value);
  }
  try {
    connection.execute(sql + ")");
  } catch (const Error& e) {
    throw Error(ErrorKind::kConfig, "invalid S3 settings: " + e.message(), where);
  }
}

}  // namespace strata::lake::s3
