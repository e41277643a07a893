#include "serve/http/router.hpp"

#include <algorithm>

#include "core/error.hpp"
#include "core/text.hpp"

namespace strata::serve::http {

namespace {

std::vector<std::string> path_segments(std::string_view path) {
  std::vector<std::string> out;
  for (std::string& part : split(path, '/')) {
    if (!part.empty()) out.push_back(std::move(part));
  }
  return out;
}

bool is_capture(const std::string& segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

}  // namespace

std::string Request::header(const std::string& lower_case_name) const {
  auto it = headers.find(lower_case_name);
  return it == headers.end() ? std::string() : it->second;
}

std::optional<std::string> Request::query_param(const std::string& name) const {
  auto it = query.find(name);
  if (it == query.end()) return std::nullopt;
  return it->second;
}

std::string status_code_name(int status) {
  switch (status) {
    case 400:
      return "bad_request";
    case 401:
      return "unauthorized";
    case 403:
      return "forbidden";
    case 404:
      return "not_found";
    case 405:
      return "method_not_allowed";
    case 413:
      return "payload_too_large";
    case 415:
      return "unsupported_media_type";
    case 500:
      return "internal_error";
    case 503:
      return "unavailable";
    case 504:
      return "timeout";
    default:
      return "error";
  }
}

Response json_response(int status, const nlohmann::json& body) {
  Response response;
  response.status = status;
  // Messages may quote what a client sent (a path, a parameter): bytes that are not UTF-8 are
  // replaced rather than failing the whole response.
  response.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  response.body.push_back('\n');
  return response;
}

Response error_response(int status, const std::string& message) {
  return json_response(
      status,
      {{"error", {{"status", status}, {"code", status_code_name(status)}, {"message", message}}}});
}

void Router::add(std::string method, std::string pattern, Handler handler, RouteOptions options) {
  Route route;
  route.segments = path_segments(pattern);
  route.method = std::move(method);
  route.pattern = std::move(pattern);
  route.handler = std::move(handler);
  route.options = std::move(options);
  routes_.push_back(std::move(route));
}

Router::Match Router::match(const std::string& method, const std::string& path) const {
  const std::vector<std::string> segments = path_segments(path);
  Match result;
  for (const Route& route : routes_) {
    if (route.segments.size() != segments.size()) continue;
    std::map<std::string, std::string> params;
    bool matches = true;
    for (size_t i = 0; i < segments.size() && matches; ++i) {
      if (is_capture(route.segments[i])) {
        params[route.segments[i].substr(1, route.segments[i].size() - 2)] = segments[i];
      } else {
        matches = route.segments[i] == segments[i];
      }
    }
    if (!matches) continue;
    result.path_known = true;
    if (route.method == method) {
      result.route = &route;
      result.path_params = std::move(params);
      return result;
    }
  }
  return result;
}

nlohmann::json parse_json_body(const Request& request) {
  if (request.body.empty()) throw Error(ErrorKind::kInput, "the request has no JSON body");
  try {
    return nlohmann::json::parse(request.body);
  } catch (const nlohmann::json::parse_error& e) {
    throw Error(ErrorKind::kInput,
                "the request body is not valid JSON (at byte " + std::to_string(e.byte) + ")");
  } catch (const nlohmann::json::exception& e) {
    // Valid syntax the parser still refuses, such as a number out of range (1e400).
    throw Error(ErrorKind::kInput, std::string("the request body is not usable JSON: ") + e.what());
  }
}

void expect_body_fields(const nlohmann::json& body, const std::vector<std::string>& allowed) {
  if (!body.is_object()) throw Error(ErrorKind::kInput, "the request body must be a JSON object");
  for (const auto& [key, value] : body.items()) {
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      throw Error(ErrorKind::kInput, "unknown field \"" + key + "\" in the request body" +
                                         did_you_mean(key, allowed) +
                                         "; fields: " + join(allowed, ", "));
    }
  }
}

}  // namespace strata::serve::http
