// The HTTP API's requests, responses and route table, independent of the HTTP library. A route is
// a method and a path pattern whose `{name}` segments capture path parameters
// ("/api/v1/queries/{name}"); any module registers its routes with Router::add, so the pipeline
// endpoints plug in next to the query endpoints. A response has either a body or a stream: a
// function that writes the body piece by piece (sent chunked) and throws to abort it. Errors are
// JSON objects {"error": {"status", "code", "message"}} with a fitting HTTP status.
#pragma once

#include <nlohmann/json.hpp>

#include <functional>
#include <map>

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/serve_config.hpp"

namespace strata::serve::http {

struct Request {
  std::string method;  // "GET", "POST", ...
  std::string path;
  std::map<std::string, std::string> path_params;  // from the route's {name} segments
  std::multimap<std::string, std::string> query;   // ?a=1&b=2
  std::map<std::string, std::string> headers;      // names in lower case
  std::string body;
  // The role the request authenticated as (set by the listener; null: not authenticated).
  const RoleConfig* role = nullptr;

  std::string header(const std::string& lower_case_name) const;
  std::optional<std::string> query_param(const std::string& name) const;
};

// Writes a piece of the body; false when the client went away.
using BodyWriter = std::function<bool(std::string_view)>;

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // When set, the body is streamed (chunked) by calling this; it throws to abort the response.
  std::function<void(const BodyWriter&)> stream;
};

Response json_response(int status, const nlohmann::json& body);
// {"error": {"status": 400, "code": "bad_request", "message": "..."}}
Response error_response(int status, const std::string& message);
std::string status_code_name(int status);

// The request body as JSON; kInput (a 400) when it is empty or not valid JSON, naming the byte.
nlohmann::json parse_json_body(const Request& request);
// kInput unless `body` is an object whose fields are all in `allowed` (naming the closest one).
void expect_body_fields(const nlohmann::json& body, const std::vector<std::string>& allowed);

using Handler = std::function<Response(const Request&)>;

struct RouteOptions {
  bool requires_auth = true;  // false: answered without a token (health checks)
  std::string summary;        // one line, for logs and the OpenAPI document
};

struct Route {
  std::string method;
  std::string pattern;
  std::vector<std::string> segments;
  Handler handler;
  RouteOptions options;
};

class Router {
 public:
  void add(std::string method, std::string pattern, Handler handler, RouteOptions options = {});

  struct Match {
    const Route* route = nullptr;
    std::map<std::string, std::string> path_params;
    bool path_known = false;  // some route has this path (with another method): 405, not 404
  };
  Match match(const std::string& method, const std::string& path) const;
  const std::vector<Route>& routes() const { return routes_; }

 private:
  std::vector<Route> routes_;
};

}  // namespace strata::serve::http
