#include "serve/pgwire/server.hpp"

#include <chrono>

#include "core/log.hpp"
#include "serve/pgwire/backend_messages.hpp"
#include "serve/pgwire/sql_error.hpp"

namespace strata::serve::pgwire {

namespace {

constexpr int kAcceptPollMs = 200;
constexpr std::chrono::seconds kShutdownGrace{3};

}  // namespace

Server::Server(const engine::Database& database, ServerOptions options)
    : database_(database), options_(std::move(options)) {
  listener_ = listen_tcp(options_.host, options_.port);
  port_ = local_port(listener_);
}

Server::~Server() {
  stop_sessions();
}

std::string Server::address() const {
  const bool ipv6 = options_.host.find(':') != std::string::npos;
  return (ipv6 ? "[" + options_.host + "]" : options_.host) + ":" + std::to_string(port_);
}

void Server::run(const std::function<bool()>& stop_requested) {
  log::info("pgwire server listening",
            {{"address", address()}, {"max_connections", options_.max_connections}});
  while (!stop_requested()) {
    std::optional<Socket> socket = accept_connection(listener_, kAcceptPollMs);
    reap(false);
    if (!socket) continue;
    if (workers_.size() >= options_.max_connections) {
      log::warn("pgwire connection refused: too many clients",
                {{"client", socket->peer_name()}, {"max_connections", options_.max_connections}});
      refuse(std::move(*socket), sqlstate::kTooManyConnections, "sorry, too many clients already");
      continue;
    }
    start_session(std::move(*socket));
  }
  log::info("pgwire server stopping", {{"address", address()}, {"sessions", workers_.size()}});
  stop_sessions();
  listener_.close();
  log::info("pgwire server stopped", {{"address", address()}});
}

void Server::start_session(Socket socket) {
  auto finished = std::make_shared<std::atomic<bool>>(false);
  Worker worker;
  worker.finished = finished;
  worker.thread = std::thread([this, finished, client = std::move(socket)]() mutable {
    // The entry point of a session thread: nothing escapes it.
    try {
      Session session(std::move(client), database_, registry_, options_.session);
      session.run();
    } catch (const std::exception& e) {
      log::error("pgwire session could not start: " + std::string(e.what()));
    } catch (...) {
      log::error("pgwire session could not start");
    }
    finished->store(true);
  });
  workers_.push_back(std::move(worker));
}

void Server::refuse(Socket socket, const std::string& sqlstate, const std::string& message) {
  MessageWriter out;
  ErrorFields error;
  error.severity = "FATAL";
  error.sqlstate = sqlstate;
  error.message = message;
  write_error(out, error);
  try {
    socket.write_all(out.buffer());
  } catch (const Error&) {
    // The client is gone already.
  }
}

void Server::reap(bool all) {
  for (auto worker = workers_.begin(); worker != workers_.end();) {
    if (all || worker->finished->load()) {
      if (worker->thread.joinable()) worker->thread.join();
      worker = workers_.erase(worker);
    } else {
      ++worker;
    }
  }
}

void Server::stop_sessions() {
  // Sessions first get the chance to tell their clients; those still busy after a grace period
  // (a client that stopped reading) are cut off.
  registry_.shutdown_all(false);
  const auto deadline = std::chrono::steady_clock::now() + kShutdownGrace;
  while (std::chrono::steady_clock::now() < deadline) {
    reap(false);
    if (workers_.empty()) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  registry_.shutdown_all(true);
  reap(true);
}

}  // namespace strata::serve::pgwire
