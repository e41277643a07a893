#include "ingest/s3_objects.hpp"

#include "core/error.hpp"
#include "core/text.hpp"
#include "lake/s3_settings.hpp"

namespace strata::ingest::s3 {

bool is_s3_path(std::string_view path) {
  return lake::s3::is_s3_location(path);
}

void configure(engine::Connection& connection, const SourceConfig& source,
               const std::string& path) {
  const std::string bucket = lake::s3::bucket_of(path);
  lake::s3::install_secret(connection, lake::s3::resolve(source.s3), bucket,
                           "strata_s3_" + source.name + "_" + bucket, source.s3.where);
}

std::vector<Object> list(engine::Connection& connection, const std::string& pattern) {
  const std::string glob = pattern.ends_with('/') ? pattern + "**" : pattern;
  std::vector<std::string> keys;
  for (const auto& row :
       connection.query("SELECT file FROM glob(" + engine::quote_literal(glob) + ") ORDER BY file")
           .fetch_all()) {
    keys.push_back(std::get<std::string>(row.at(0)));
  }
  if (keys.empty()) return {};
  std::string list;
  for (const auto& key : keys) list += (list.empty() ? "" : ", ") + engine::quote_literal(key);

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
    const std::string bucket = lake::s3::bucket_of(path);
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
