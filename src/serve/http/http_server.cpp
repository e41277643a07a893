#include "serve/http/http_server.hpp"

#include <httplib.h>

#include <sys/socket.h>

#include <chrono>

#include "core/error.hpp"
#include "core/log.hpp"
#include "core/text.hpp"
#include "serve/auth/scram.hpp"
#include "serve/pgwire/socket.hpp"

namespace strata::serve::http {

namespace {

constexpr time_t kReadTimeoutSeconds = 30;
constexpr time_t kWriteTimeoutSeconds = 60;
constexpr int kListenBacklog = 512;

int status_for(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kUsage:
    case ErrorKind::kConfig:
    case ErrorKind::kInput:
    case ErrorKind::kEngine:
      return 400;
    case ErrorKind::kConflict:
      return 409;
    case ErrorKind::kInterrupted:
      return 503;
    default:
      return 500;
  }
}

Request convert(const httplib::Request& in) {
  Request request;
  request.method = in.method;
  request.path = in.path;
  for (const auto& [name, value] : in.params) request.query.emplace(name, value);
  for (const auto& [name, value] : in.headers) request.headers[to_lower(name)] = value;
  request.body = in.body;
  return request;
}

void send(Response response, httplib::Response& out) {
  out.status = response.status;
  for (const auto& [name, value] : response.headers) out.set_header(name, value);
  if (!response.stream) {
    out.set_content(response.body, response.content_type);
    return;
  }
  out.set_chunked_content_provider(response.content_type, [stream = std::move(response.stream)](
                                                              size_t, httplib::DataSink& sink) {
    // Runs on the worker thread after the handler returned: nothing may escape it.
    try {
      stream([&sink](std::string_view piece) { return sink.write(piece.data(), piece.size()); });
      sink.done();
      return true;
    } catch (const std::exception& e) {
      log::warn("HTTP response aborted midway", {{"error", e.what()}});
    } catch (...) {
      log::warn("HTTP response aborted midway");
    }
    return false;  // closes the connection without the final chunk
  });
}

}  // namespace

bool constant_time_equal(const std::string& a, const std::string& b) {
  unsigned char difference = a.size() == b.size() ? 0 : 1;
  for (size_t i = 0; i < a.size(); ++i) {
    difference |= static_cast<unsigned char>(a[i] ^ (i < b.size() ? b[i] : 0));
  }
  return difference == 0;
}

HttpServer::HttpServer(const Router& router, HttpServerOptions options)
    : router_(router), options_(std::move(options)) {
  if (!requires_authentication() && !pgwire::is_loopback_host(options_.host)) {
    throw Error(ErrorKind::kUsage,
                "the HTTP API would listen on " + options_.host +
                    ", which is not a loopback address, without authentication; set a token "
                    "(serve.token in strata.yml or STRATA_HTTP_TOKEN), declare serve.users, or "
                    "listen on 127.0.0.1");
  }
  if (options_.tls) {
    auto server =
        std::make_unique<httplib::SSLServer>(options_.tls->cert.c_str(), options_.tls->key.c_str());
    if (!server->is_valid()) {
      throw Error(ErrorKind::kConfig, "serve.tls: the HTTP API cannot use certificate " +
                                          options_.tls->cert.string() + " with key " +
                                          options_.tls->key.string());
    }
    server_ = std::move(server);
  } else {
    server_ = std::make_unique<httplib::Server>();
  }
  const size_t threads = options_.threads;
  // cpp-httplib owns the queue it gets from this factory.
  server_->new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  server_->set_payload_max_length(options_.max_body_bytes);
  server_->set_read_timeout(kReadTimeoutSeconds, 0);
  server_->set_write_timeout(kWriteTimeoutSeconds, 0);
  server_->set_tcp_nodelay(true);
  // Replaces cpp-httplib's defaults: SO_REUSEADDR only (no SO_REUSEPORT, so a second server on the
  // same port fails instead of sharing it), and the socket is kept to widen its backlog below.
  server_->set_socket_options([this](int fd) {
    const int yes = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    listen_fd_ = fd;
  });

  auto handle = [this](const httplib::Request& in, httplib::Response& out) {
    Request request = convert(in);
    const auto started = std::chrono::steady_clock::now();
    Response response = dispatch(request);
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::steady_clock::now() - started)
                        .count();
    log::debug("HTTP request", {{"method", request.method},
                                {"path", request.path},
                                {"status", response.status},
                                {"ms", ms}});
    send(std::move(response), out);
  };
  server_->Get(".*", handle);
  server_->Post(".*", handle);
  server_->Put(".*", handle);
  server_->Delete(".*", handle);
  server_->Patch(".*", handle);
  // Errors cpp-httplib answers itself (an oversized body, a malformed request) get a JSON body.
  server_->set_error_handler([](const httplib::Request&, httplib::Response& out) {
    if (!out.body.empty()) return;
    std::string message = "the request was rejected";
    if (out.status == 413) message = "the request body is larger than the server accepts";
    if (out.status == 400) message = "malformed HTTP request";
    Response error = error_response(out.status, message);
    out.set_content(error.body, error.content_type);
  });

  if (options_.port == 0) {
    const int port = server_->bind_to_any_port(options_.host);
    if (port <= 0) throw Error(ErrorKind::kUsage, "cannot listen on " + options_.host);
    port_ = static_cast<uint16_t>(port);
  } else {
    if (!server_->bind_to_port(options_.host, options_.port)) {
      throw Error(ErrorKind::kUsage, "cannot listen on " + address() +
                                         " (is the port in use? choose another with --http-port)");
    }
    port_ = options_.port;
  }
  // cpp-httplib listens with a backlog of 5, too few for a burst of clients connecting at once;
  // listen() again on the bound socket raises it.
  if (listen_fd_ >= 0) ::listen(listen_fd_, kListenBacklog);
}

HttpServer::~HttpServer() {
  stop();
}

std::string HttpServer::address() const {
  const bool ipv6 = options_.host.find(':') != std::string::npos;
  return (ipv6 ? "[" + options_.host + "]" : options_.host) + ":" +
         std::to_string(port_ ? port_ : options_.port);
}

void HttpServer::start() {
  thread_ = std::thread([this] {
    try {
      log::info("HTTP API listening", {{"address", address()}, {"threads", options_.threads}});
      server_->listen_after_bind();
    } catch (const std::exception& e) {
      log::error("HTTP listener stopped: " + std::string(e.what()));
    } catch (...) {
      log::error("HTTP listener stopped");
    }
  });
}

void HttpServer::stop() {
  if (server_) server_->stop();
  if (thread_.joinable()) thread_.join();
}

bool HttpServer::authorized(Request& request) const {
  const RoleConfig* token_role = options_.access ? &options_.access->token_role() : nullptr;
  if (!requires_authentication()) {
    request.role = token_role;
    return true;
  }
  const std::string header = request.header("authorization");
  const size_t space = header.find(' ');
  if (space == std::string::npos) return false;
  const std::string scheme = to_lower(header.substr(0, space));
  const std::string credentials = header.substr(space + 1);
  if (scheme == "bearer" && !options_.token.empty() &&
      constant_time_equal(credentials, options_.token)) {
    request.role = token_role;
    return true;
  }
  if (scheme == "basic" && options_.access && options_.access->authentication_required()) {
    const std::optional<std::string> decoded = auth::base64_decode(credentials);
    const size_t colon = decoded ? decoded->find(':') : std::string::npos;
    if (colon == std::string::npos) return false;
    request.role =
        options_.access->authenticate(decoded->substr(0, colon), decoded->substr(colon + 1));
    return request.role != nullptr;
  }
  return false;
}

Response HttpServer::dispatch(Request& request) const {
  try {
    Router::Match match = router_.match(request.method, request.path);
    if (!match.route) {
      if (match.path_known) {
        return error_response(405, request.method + " is not allowed on " + request.path);
      }
      return error_response(404, "no such endpoint: " + request.method + " " + request.path);
    }
    if (match.route->options.requires_auth && !authorized(request)) {
      Response response = error_response(
          401, request.header("authorization").empty()
                   ? "authentication required: send Authorization: Bearer <token>" +
                         std::string(options_.access && options_.access->authentication_required()
                                         ? " or Basic <user:password>"
                                         : "")
                   : "invalid token or credentials");
      response.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"strata\"");
      if (options_.access && options_.access->authentication_required()) {
        response.headers.emplace_back("WWW-Authenticate", "Basic realm=\"strata\"");
      }
      return response;
    }
    request.path_params = std::move(match.path_params);
    return match.route->handler(request);
  } catch (const Error& e) {
    return error_response(status_for(e.kind()), e.what());
  } catch (const std::exception& e) {
    log::error("HTTP handler failed", {{"path", request.path}, {"error", e.what()}});
    return error_response(500, std::string("internal error: ") + e.what());
  }
}

}  // namespace strata::serve::http
