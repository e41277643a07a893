// The PostgreSQL protocol server: listens on one address, gives each client its own thread and
// its own connection to one shared DuckDB database (in which the lake is attached), refuses
// clients beyond the connection limit with SQLSTATE 53300, and on shutdown interrupts running
// queries, closes every session and joins every thread. Binding happens in the constructor, so a
// port already in use is reported before anything else starts.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <string>
#include <thread>

#include "engine/database.hpp"
#include "serve/pgwire/session.hpp"
#include "serve/pgwire/session_registry.hpp"
#include "serve/pgwire/socket.hpp"

namespace strata::serve::pgwire {

struct ServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 5433;  // 0 picks a free port
  size_t max_connections = 64;
  SessionOptions session;
};

class Server {
 public:
  // Binds and listens; throws Error(kUsage) when the address cannot be used.
  Server(const engine::Database& database, ServerOptions options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  uint16_t port() const { return port_; }
  std::string address() const;
  size_t session_count() const { return registry_.size(); }

  // Accepts clients until `stop_requested()` returns true (polled a few times a second), then
  // ends every session and returns.
  void run(const std::function<bool()>& stop_requested);

 private:
  struct Worker {
    std::thread thread;
    std::shared_ptr<std::atomic<bool>> finished;
  };

  const engine::Database& database_;
  ServerOptions options_;
  Socket listener_;
  uint16_t port_ = 0;
  SessionRegistry registry_;
  std::list<Worker> workers_;

  void start_session(Socket socket);
  void refuse(Socket socket, const std::string& sqlstate, const std::string& message);
  // Joins finished session threads (all of them when `all`).
  void reap(bool all);
  void stop_sessions();
};

}  // namespace strata::serve::pgwire
