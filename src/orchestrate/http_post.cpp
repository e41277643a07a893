#include "orchestrate/http_post.hpp"

#include <httplib.h>

#include <chrono>
#include <regex>

#include "core/error.hpp"

namespace strata::orchestrate {

HttpResponse post_json(const std::string& url, const std::string& body, int64_t timeout_ms) {
  static const std::regex kUrl(R"(^(https?://[^/]+)(/.*)?$)");
  std::smatch parts;
  if (!std::regex_match(url, parts, kUrl)) {
    throw Error(ErrorKind::kInput, "'" + url + "' is not an http:// or https:// URL");
  }
  const std::string origin = parts[1].str();
  const std::string path = parts[2].matched ? parts[2].str() : "/";
  httplib::Client client(origin);
  const auto timeout = std::chrono::milliseconds(std::max<int64_t>(timeout_ms, 1));
  client.set_connection_timeout(timeout);
  client.set_read_timeout(timeout);
  client.set_write_timeout(timeout);
  httplib::Result result = client.Post(path, body, "application/json");
  if (!result) {
    throw Error(ErrorKind::kInput,
                "cannot POST to " + origin + ": " + httplib::to_string(result.error()));
  }
  return {result->status, result->body};
}

}  // namespace strata::orchestrate
