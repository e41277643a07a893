// `strata serve`: the long-running server. It serves the project's lake tables over the
// PostgreSQL wire protocol (psql, BI tools, drivers) and, with --http-port (or serve.http_port),
// over the HTTP query API; tables committed while it runs become visible to both. TLS, users and
// roles come from serve: in strata.yml; a listener on a non-loopback address needs users (or, for
// HTTP, a token). It runs until SIGINT or SIGTERM.
#include <malloc.h>

#include <cstdlib>
#include <iostream>
#include <optional>

#include "cli/commands.hpp"
#include "cli/serve_pipelines.hpp"
#include "core/error.hpp"
#include "core/interrupt.hpp"
#include "core/log.hpp"
#include "core/time_text.hpp"
#include "engine/session.hpp"
#include "orchestrate/process_lock.hpp"
#include "serve/auth/access_control.hpp"
#include "serve/auth/tls.hpp"
#include "serve/http/api_server.hpp"
#include "serve/http/pipeline_api.hpp"
#include "serve/iceberg_rest/rest_api.hpp"
#include "serve/lake_sync.hpp"
#include "serve/pgwire/compatibility.hpp"
#include "serve/pgwire/server.hpp"
#include "serve/pgwire/socket.hpp"
#include "serve/query_watchdog.hpp"

namespace strata::cli {

namespace {

struct ServeOptions {
  std::optional<std::string> query_timeout;
  std::optional<int> pg_port;
  std::optional<std::string> host;
  std::optional<int> http_port;
  std::optional<std::string> http_host;
  size_t max_connections = 64;
  bool scheduler = true;     // --no-scheduler: pipelines run only when triggered
  bool iceberg_rest = true;  // --no-iceberg-rest: no Iceberg REST catalog on the HTTP listener
};

constexpr int kDefaultPgPort = 5433;

// glibc gives threads their own malloc arenas (up to 8 per core) and keeps what they freed: with a
// thread per client, 64 clients left the server at 512 MiB after a load test instead of ~150 MiB
// (bench/serve_load.py --rounds 4). Two arenas keep it flat at no measured cost in latency;
// MALLOC_ARENA_MAX in the environment still wins.
void limit_malloc_arenas() {
  if (std::getenv("MALLOC_ARENA_MAX") == nullptr) mallopt(M_ARENA_MAX, 2);
}

// --query-timeout, else serve.query_timeout.
std::chrono::milliseconds query_timeout(const ServeOptions& options, const ServeConfig& config) {
  if (!options.query_timeout) return std::chrono::milliseconds(config.query_timeout_ms);
  std::optional<int64_t> ms = parse_duration_ms(*options.query_timeout);
  if (!ms || *ms <= 0) {
    throw Error(ErrorKind::kUsage,
                "--query-timeout must be a duration such as 500ms, 30s or 5m "
                "(got '" +
                    *options.query_timeout + "')");
  }
  return std::chrono::milliseconds(*ms);
}

uint16_t checked_port(int64_t port, const std::string& option) {
  if (port < 0 || port > 65535)
    throw Error(ErrorKind::kUsage, option + " must be between 0 and 65535");
  return static_cast<uint16_t>(port);
}

// The HTTP API's bearer token: STRATA_HTTP_TOKEN, else serve.token (with ${VAR} expanded).
std::string http_token(const ServeConfig& config) {
  if (const char* token = std::getenv("STRATA_HTTP_TOKEN"); token && *token) return token;
  if (config.token.empty()) return {};
  return expand_environment(config.token, config.token_where);
}

std::vector<serve::pgwire::CatalogTable> catalog_tables(
    const std::vector<serve::AttachedTable>& tables) {
  std::vector<serve::pgwire::CatalogTable> out;
  for (const serve::AttachedTable& table : tables) {
    if (table.kind == lake::TableKind::kTable) out.push_back({table.name.space, table.name.name});
  }
  return out;
}

// The HTTP API, bound but not started, when a port is configured; nothing otherwise.
std::unique_ptr<serve::http::ApiServer> make_http_api(
    ProjectContext& context, const ServeOptions& options, const engine::Database& database,
    serve::LakeSync& lake_sync, serve::auth::AccessControl& access,
    const std::optional<serve::auth::TlsFiles>& tls) {
  const ServeConfig& config = context.config().serve;
  std::optional<int64_t> port =
      options.http_port ? std::optional<int64_t>(*options.http_port) : config.http_port;
  if (!port) return nullptr;
  serve::http::ApiServerOptions api;
  api.project = context.config().name;
  api.listener.host = options.http_host.value_or(config.http_host);
  api.listener.port = checked_port(*port, "--http-port");
  api.listener.threads = static_cast<size_t>(config.http_threads);
  api.listener.max_body_bytes = static_cast<size_t>(config.max_body_bytes);
  api.listener.token = http_token(config);
  api.listener.access = &access;
  api.listener.tls = tls;
  api.queries.timeout = query_timeout(options, config);
  api.queries.cache_bytes = static_cast<size_t>(config.cache_bytes);
  return std::make_unique<serve::http::ApiServer>(database, lake_sync, context.store(),
                                                  context.config().queries, api);
}

int serve(const GlobalOptions& globals, const ServeOptions& options) {
  limit_malloc_arenas();
  ProjectContext context(globals);
  const ServeConfig& config = context.config().serve;
  const std::string host = options.host.value_or(config.host);
  serve::auth::AccessControl access(config);
  if (!serve::pgwire::is_loopback_host(host) && !access.authentication_required()) {
    throw Error(ErrorKind::kUsage,
                "the PostgreSQL protocol listener would listen on " + host +
                    ", which is not a loopback address, without authentication; declare users "
                    "(serve.users in strata.yml, `strata user add NAME`) or listen on 127.0.0.1");
  }
  std::optional<serve::auth::TlsFiles> tls_files;
  std::unique_ptr<serve::auth::TlsContext> tls;
  if (config.tls.enabled) {
    tls_files = serve::auth::prepare_tls_files(config.tls, context.config().root);
    tls = std::make_unique<serve::auth::TlsContext>(*tls_files);
  }
  // One server per project: a second one stops here, naming the first one's pid.
  const orchestrate::FileLock server_lock = orchestrate::lock_server(context.config().root);
  serve::pgwire::ServerOptions server_options;
  server_options.host = host;
  server_options.port =
      checked_port(options.pg_port.value_or(config.pg_port.value_or(kDefaultPgPort)), "--pg-port");
  server_options.max_connections = options.max_connections;
  serve::pgwire::ServerIdentity& identity = server_options.session.identity;
  identity.version_text = "PostgreSQL 15.0 (strata " STRATA_VERSION ", DuckDB " +
                          engine::duckdb().version + ") on x86_64-pc-linux-gnu";
  identity.database_name = context.config().name;
  // One database for every client, the lake attached in it and kept up to date with commits.
  engine::Database database = engine::open_engine(context.config().engine);
  serve::LakeSync lake_sync(context.lake(), database);
  {
    engine::Connection setup = database.connect();
    std::vector<serve::AttachedTable> tables;
    for (const auto& [key, table] : lake_sync.current()->tables) tables.push_back(table);
    serve::pgwire::install_compatibility(setup, identity, catalog_tables(tables));
  }
  lake_sync.on_change(
      [](engine::Connection& connection, const std::vector<serve::AttachedTable>& changed) {
        serve::pgwire::add_catalog_tables(connection, catalog_tables(changed));
      });
  server_options.session.refresh_lake = [&lake_sync] { lake_sync.refresh(); };
  server_options.session.lake_state = [&lake_sync] { return lake_sync.current(); };
  server_options.session.access = &access;
  server_options.session.tls = tls.get();
  server_options.session.tls_required = config.tls.required;
  serve::QueryWatchdog statement_watchdog;
  server_options.session.watchdog = &statement_watchdog;
  server_options.session.statement_timeout = query_timeout(options, config);
  serve::pgwire::Server server(database, server_options);
  ServedPipelines pipelines(context, options.scheduler);
  serve::http::PipelineApi pipeline_api{pipelines.service(), context.store()};
  std::unique_ptr<serve::http::ApiServer> http =
      make_http_api(context, options, database, lake_sync, access, tls_files);
  serve::iceberg_rest::RestCatalogApi rest_catalog{context.lake(), "/iceberg", &access};
  if (http) {
    serve::http::add_pipeline_routes(http->router(), pipeline_api);
    const bool rest = options.iceberg_rest && config.iceberg_rest;
    if (rest) serve::iceberg_rest::add_rest_catalog_routes(http->router(), rest_catalog);
    http->start();
    const char* scheme = tls ? "https://" : "http://";
    std::cerr << "strata: HTTP API on " << scheme << http->address() << "/api/v1"
              << (http->requires_authentication() ? " (authentication required)" : "") << "\n";
    if (rest) {
      std::cerr << "strata: Iceberg REST catalog on " << scheme << http->address() << "/iceberg\n";
    }
    std::cerr << std::flush;
  }
  std::cerr << "strata: serving project '" << context.config().name
            << "' over the PostgreSQL protocol on " << server.address() << " (psql -h " << host
            << " -p " << server.port() << " -U strata -d " << context.config().name << ")"
            << (tls ? ", TLS with " + tls_files->cert.string() : std::string())
            << (access.authentication_required() ? ", SCRAM-SHA-256 passwords" : "")
            << "; Ctrl-C stops\n"
            << std::flush;
  server.run([] { return interrupt_requested(); });
  if (http) http->stop();
  return 0;
}

}  // namespace

void add_serve_command(CLI::App& app, const GlobalOptions& globals, Action& action) {
  auto* command = app.add_subcommand(
      "serve",
      "Serve the project's tables to PostgreSQL clients (psql, BI tools, drivers) and over HTTP");
  auto options = std::make_shared<ServeOptions>();
  command->add_option("--pg-port", options->pg_port,
                      "Port of the PostgreSQL protocol listener (default: serve.pg_port or 5433)");
  command->add_option(
      "--host", options->host,
      "Address of the PostgreSQL protocol listener (default 127.0.0.1; others require users)");
  command->add_option("--http-port", options->http_port,
                      "Port of the HTTP query API (default: serve.http_port; absent: no HTTP)");
  command->add_option(
      "--http-host", options->http_host,
      "Address of the HTTP API (default 127.0.0.1; others require a token or users)");
  command->add_option("--query-timeout", options->query_timeout,
                      "Per-query timeout of both listeners, e.g. 30s (default: serve.query_timeout "
                      "or 30s)");
  command
      ->add_option("--max-connections", options->max_connections,
                   "PostgreSQL clients served at once; more are refused")
      ->capture_default_str()
      ->check(CLI::Range(1, 10000));
  command->add_flag("!--no-scheduler", options->scheduler,
                    "Do not run pipelines on their schedules (they still run when triggered)");
  command->add_flag("!--no-iceberg-rest", options->iceberg_rest,
                    "Do not serve the Iceberg REST catalog at /iceberg on the HTTP listener "
                    "(also serve.iceberg_rest: false)");
  command->callback([&action, &globals, options] {
    action = [&globals, options] { return serve(globals, *options); };
  });
}

}  // namespace strata::cli
