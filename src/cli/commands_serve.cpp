// `strata serve`: the long-running server. Today it serves the project's lake tables over the
// PostgreSQL wire protocol (psql, BI tools, drivers); it runs until SIGINT or SIGTERM.
#include <iostream>

#include "cli/commands.hpp"
#include "cli/serve_pipelines.hpp"
#include "core/error.hpp"
#include "core/interrupt.hpp"
#include "core/log.hpp"
#include "engine/session.hpp"
#include "orchestrate/process_lock.hpp"
#include "serve/pgwire/compatibility.hpp"
#include "serve/pgwire/server.hpp"
#include "serve/pgwire/socket.hpp"

namespace strata::cli {

namespace {

struct ServeOptions {
  int pg_port = 5433;
  std::string host = "127.0.0.1";
  size_t max_connections = 64;
  bool scheduler = true;  // --no-scheduler: pipelines run only when triggered
};

int serve(const GlobalOptions& globals, const ServeOptions& options) {
  if (!serve::pgwire::is_loopback_host(options.host)) {
    throw Error(ErrorKind::kUsage,
                "--host " + options.host +
                    " is not a loopback address; strata serve has no authentication yet, so it "
                    "listens only on 127.0.0.1, ::1 or localhost");
  }
  if (options.pg_port < 0 || options.pg_port > 65535) {
    throw Error(ErrorKind::kUsage, "--pg-port must be between 0 and 65535");
  }
  ProjectContext context(globals);
  // One server per project: a second one stops here, naming the first one's pid.
  const orchestrate::FileLock server_lock = orchestrate::lock_server(context.config().root);
  serve::pgwire::ServerOptions server_options;
  server_options.host = options.host;
  server_options.port = static_cast<uint16_t>(options.pg_port);
  server_options.max_connections = options.max_connections;
  serve::pgwire::ServerIdentity& identity = server_options.session.identity;
  identity.version_text = "PostgreSQL 15.0 (strata " STRATA_VERSION ", DuckDB " +
                          engine::duckdb().version + ") on x86_64-pc-linux-gnu";
  identity.database_name = context.config().name;
  // One database for every client, the lake attached in it; each session connects to it.
  engine::Database database = engine::open_engine(context.config().engine);
  {
    engine::Connection setup = database.connect();
    context.lake().attach_all(setup);
    std::vector<serve::pgwire::CatalogTable> tables;
    for (const lake::TableInfo& table : context.store().list_tables()) {
      if (table.kind == lake::TableKind::kTable)
        tables.push_back({table.name.space, table.name.name});
    }
    serve::pgwire::install_compatibility(setup, identity, tables);
  }
  serve::pgwire::Server server(database, server_options);
  ServedPipelines pipelines(context, options.scheduler);
  std::cerr << "strata: serving project '" << context.config().name
            << "' over the PostgreSQL protocol on " << server.address() << " (psql -h "
            << options.host << " -p " << server.port() << " -U strata -d " << context.config().name
            << "); Ctrl-C stops\n"
            << std::flush;
  server.run([] { return interrupt_requested(); });
  return 0;
}

}  // namespace

void add_serve_command(CLI::App& app, const GlobalOptions& globals, Action& action) {
  auto* command = app.add_subcommand(
      "serve", "Serve the project's tables to PostgreSQL clients (psql, BI tools, drivers)");
  auto options = std::make_shared<ServeOptions>();
  command->add_option("--pg-port", options->pg_port, "Port of the PostgreSQL protocol listener")
      ->capture_default_str();
  command->add_option("--host", options->host, "Address to listen on (loopback only for now)")
      ->capture_default_str();
  command
      ->add_option("--max-connections", options->max_connections,
                   "Clients served at once; more are refused")
      ->capture_default_str()
      ->check(CLI::Range(1, 10000));
  command->add_flag("!--no-scheduler", options->scheduler,
                    "Do not run pipelines on their schedules (they still run when triggered)");
  command->callback([&action, &globals, options] {
    action = [&globals, options] { return serve(globals, *options); };
  });
}

}  // namespace strata::cli
