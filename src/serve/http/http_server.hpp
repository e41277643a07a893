// The HTTP/1.1 listener of `strata serve`, on cpp-httplib (Debian's libcpp-httplib): a bounded
// pool of worker threads (each serves one client connection at a time, keep-alive included), HTTPS
// when TLS files are given, a request body limit (413), and one dispatcher that sends every
// request through the Router: unknown paths get 404, known paths with another method 405, routes
// that require it get 401 without the right `Authorization: Bearer` token or, when users are
// declared, `Authorization: Basic` user and password (the request then runs as the user's role;
// with the token, as serve.token_role), and a handler's strata::Error becomes a JSON
// error (400 for bad input and SQL, 500 for storage and internal failures). Streamed responses go
// out with chunked transfer encoding; a stream that fails midway ends the connection without the
// final chunk, so the client sees a truncated response rather than a complete-looking one.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "serve/auth/access_control.hpp"
#include "serve/auth/tls.hpp"
#include "serve/http/router.hpp"

namespace httplib {
class Server;
}

namespace strata::serve::http {

struct HttpServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 0;  // 0 picks a free port
  size_t threads = 32;
  size_t max_body_bytes = 1024 * 1024;
  std::string token;  // empty: no bearer token
  // Users for Basic authentication and the token's role; null or no users: token only.
  auth::AccessControl* access = nullptr;
  std::optional<auth::TlsFiles> tls;  // HTTPS with these files
};

class HttpServer {
 public:
  // Binds; throws Error(kUsage) when the address cannot be used, and refuses a non-loopback host
  // without a token.
  HttpServer(const Router& router, HttpServerOptions options);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  uint16_t port() const { return port_; }
  std::string address() const;
  bool requires_token() const { return !options_.token.empty(); }
  bool requires_authentication() const {
    return requires_token() || (options_.access && options_.access->authentication_required());
  }
  bool https() const { return options_.tls.has_value(); }
  // Serves on a thread of its own until stop() (or destruction).
  void start();
  void stop();

 private:
  const Router& router_;
  HttpServerOptions options_;
  std::unique_ptr<httplib::Server> server_;
  uint16_t port_ = 0;
  int listen_fd_ = -1;
  std::thread thread_;

  // Sets the request's role when it is authorized.
  bool authorized(Request& request) const;
  Response dispatch(Request& request) const;
};

// Compares in time independent of where the strings differ (for tokens).
bool constant_time_equal(const std::string& a, const std::string& b);

}  // namespace strata::serve::http
