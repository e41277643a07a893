// POSIX TCP sockets with RAII: a listening socket bound to one address, accept with a timeout (so
// the accept loop can notice a shutdown request), and a connected socket whose reads return what
// arrived and whose writes send everything or throw, in plain text or, after start_tls(), through
// TLS. Errors are strata::Error(kUsage)
// for a bad address, kStorage for socket failures (the closest kind: an I/O failure).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "serve/auth/tls.hpp"

namespace strata::serve::pgwire {

class Socket {
 public:
  Socket() = default;
  explicit Socket(int fd) : fd_(fd) {}
  Socket(Socket&& other) noexcept
      : fd_(std::exchange(other.fd_, -1)), tls_(std::move(other.tls_)) {}
  Socket& operator=(Socket&& other) noexcept;
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  ~Socket() { close(); }

  int fd() const { return fd_; }
  explicit operator bool() const { return fd_ >= 0; }
  void close();

  // Reads what is available (blocking until something is): the byte count, 0 at end of stream.
  // Throws Error(kStorage) on a socket error.
  size_t read_some(char* buffer, size_t size);
  // Writes all of `data`; throws Error(kStorage) if the peer went away.
  void write_all(std::string_view data);
  // The peer's address as "host:port", for log lines.
  std::string peer_name() const;

  // Runs the TLS handshake; reads and writes are encrypted from then on. Throws Error(kStorage).
  void start_tls(const auth::TlsContext& context);
  bool encrypted() const { return tls_ != nullptr; }

 private:
  int fd_ = -1;
  std::unique_ptr<auth::TlsConnection> tls_;
};

// Whether `host` is a loopback address (127.0.0.0/8, ::1 or "localhost").
bool is_loopback_host(const std::string& host);

// A socket listening on host:port (port 0 picks a free port). Throws Error(kUsage) with a plain
// message when the address is in use or cannot be bound.
Socket listen_tcp(const std::string& host, uint16_t port, int backlog = 128);
uint16_t local_port(const Socket& listener);
// The next connection, or nothing after `timeout_ms` without one.
std::optional<Socket> accept_connection(const Socket& listener, int timeout_ms);

}  // namespace strata::serve::pgwire
