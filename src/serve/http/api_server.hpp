// The HTTP API of `strata serve` put together: the named queries, the query service (with its
// result cache and timeouts), the route table with the query endpoints, and the listener. Other
// modules add their routes through router() before start().
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/serve_config.hpp"
#include "engine/database.hpp"
#include "lake/metastore.hpp"
#include "serve/http/http_server.hpp"
#include "serve/http/named_queries.hpp"
#include "serve/http/query_api.hpp"
#include "serve/http/query_service.hpp"
#include "serve/http/router.hpp"
#include "serve/lake_sync.hpp"

namespace strata::serve::http {

struct ApiServerOptions {
  std::string project;
  HttpServerOptions listener;
  QueryServiceOptions queries;
};

class ApiServer {
 public:
  // Checks the named queries and binds the listener (throws kConfig / kUsage).
  ApiServer(const engine::Database& database, LakeSync& lake, lake::MetadataStore& store,
            std::vector<NamedQueryConfig> named_queries, ApiServerOptions options);

  Router& router() { return router_; }
  void start() { listener_->start(); }
  // Interrupts running queries, then stops the listener and joins its threads.
  void stop() {
    queries_.interrupt_all();
    listener_->stop();
  }
  uint16_t port() const { return listener_->port(); }
  std::string address() const { return listener_->address(); }
  bool requires_token() const { return listener_->requires_token(); }
  bool requires_authentication() const { return listener_->requires_authentication(); }

 private:
  NamedQueries named_;
  QueryService queries_;
  Router router_;
  QueryApi api_;
  std::unique_ptr<HttpServer> listener_;
};

}  // namespace strata::serve::http
