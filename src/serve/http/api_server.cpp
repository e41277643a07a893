#include "serve/http/api_server.hpp"

namespace strata::serve::http {

ApiServer::ApiServer(const engine::Database& database, LakeSync& lake, lake::MetadataStore& store,
                     std::vector<NamedQueryConfig> named_queries, ApiServerOptions options)
    : named_(std::move(named_queries)),
      queries_(database, lake, options.queries),
      api_{options.project, store, queries_, named_} {
  engine::Connection connection = database.connect();
  named_.check(connection);
  add_query_routes(router_, api_);
  listener_ = std::make_unique<HttpServer>(router_, options.listener);
}

}  // namespace strata::serve::http
