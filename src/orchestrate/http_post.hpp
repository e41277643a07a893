// A JSON POST to an http:// or https:// URL (alert webhooks), with a bound on the whole exchange.
// Built on cpp-httplib (with OpenSSL: https verifies the server's certificate against the system's
// CA store). A transport failure throws kInput naming the URL's host; any HTTP status comes back.
#pragma once

#include <cstdint>
#include <string>

namespace strata::orchestrate {

struct HttpResponse {
  int status = 0;
  std::string body;
  bool ok() const { return status >= 200 && status < 300; }
};

HttpResponse post_json(const std::string& url, const std::string& body, int64_t timeout_ms);

}  // namespace strata::orchestrate
