// libFuzzer target: the parts of an HTTP API request that strata parses itself (cpp-httplib parses
// the HTTP framing): route matching of the path, the JSON body of POST /api/v1/query (sql,
// positional params, format) and the parameters of named queries, from a JSON object (POST) or a
// query string (GET), converted to their declared types (integer, number, string, boolean, date,
// timestamp). The first input byte picks the request kind; the rest is the body, the query string
// or the path. strata::Error(kInput) (a 400) is the expected outcome for bad requests.
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/error.hpp"
#include "fuzz_input.hpp"
#include "serve/http/named_queries.hpp"
#include "serve/http/query_request.hpp"
#include "serve/http/router.hpp"

using namespace strata;
using namespace strata::serve::http;

namespace {

NamedQueries make_named_queries() {
  NamedQueryConfig query;
  query.name = "orders";
  query.sql = "SELECT 1";
  query.params = {{"id", QueryParamType::kInteger, std::nullopt, ""},
                  {"amount", QueryParamType::kNumber, "1.5", ""},
                  {"name", QueryParamType::kString, "x", ""},
                  {"flag", QueryParamType::kBoolean, "true", ""},
                  {"day", QueryParamType::kDate, "2024-01-01", ""},
                  {"at", QueryParamType::kTimestamp, "2024-01-01 00:00:00", ""}};
  return NamedQueries({query});
}

Router make_router() {
  // The route patterns of query_api.cpp and pipeline_api.cpp; the handlers are not called here.
  Router router;
  for (const char* pattern : {"/api/v1/health", "/api/v1/tables", "/api/v1/query",
                              "/api/v1/queries", "/api/v1/queries/{name}", "/api/v1/openapi.json",
                              "/api/v1/pipelines/{name}/runs", "/api/v1/runs/{id}"}) {
    router.add("GET", pattern, [](const Request&) { return Response{}; });
  }
  return router;
}

// Splits "a=1&b=2" the way a query string arrives (already percent-decoded by the listener).
void parse_query_string(std::string_view text, Request& request) {
  while (!text.empty()) {
    const size_t amp = text.find('&');
    const std::string_view pair = text.substr(0, amp);
    const size_t eq = pair.find('=');
    request.query.emplace(std::string(pair.substr(0, eq)),
                          eq == std::string_view::npos ? "" : std::string(pair.substr(eq + 1)));
    if (amp == std::string_view::npos) break;
    text.remove_prefix(amp + 1);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const NamedQueries named = make_named_queries();
  static const Router router = make_router();
  fuzz::FuzzInput input(data, size);
  const uint8_t which = input.byte();
  Request request;
  try {
    switch (which % 4) {
      case 0:
        request.method = "POST";
        request.body = std::string(input.rest());
        sql_query_request(request);
        break;
      case 1:
        request.method = "POST";
        request.body = std::string(input.rest());
        named_query_request(named, named.all().front(), request);
        break;
      case 2:
        request.method = "GET";
        parse_query_string(input.rest(), request);
        named_query_request(named, named.all().front(), request);
        break;
      default: {
        const Router::Match match = router.match("GET", std::string(input.rest()));
        if (match.route && match.route->pattern.empty()) __builtin_trap();
        break;
      }
    }
  } catch (const Error&) {
  }
  return 0;
}
