#include "serve/pgwire/socket.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include "core/error.hpp"

namespace strata::serve::pgwire {

namespace {

std::string system_error(const std::string& what) {
  return what + ": " + std::strerror(errno);
}

struct AddressList {
  addrinfo* list = nullptr;
  ~AddressList() {
    if (list) freeaddrinfo(list);
  }
};

}  // namespace

Socket& Socket::operator=(Socket&& other) noexcept {
  if (this != &other) {
    close();
    fd_ = std::exchange(other.fd_, -1);
    tls_ = std::move(other.tls_);
  }
  return *this;
}

void Socket::close() {
  tls_.reset();
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

size_t Socket::read_some(char* buffer, size_t size) {
  if (tls_) return tls_->read_some(buffer, size);
  while (true) {
    const ssize_t count = ::recv(fd_, buffer, size, 0);
    if (count >= 0) return static_cast<size_t>(count);
    if (errno == EINTR) continue;
    if (errno == ECONNRESET || errno == ENOTCONN || errno == EBADF) return 0;
    throw Error(ErrorKind::kStorage, system_error("cannot read from the client"));
  }
}

void Socket::start_tls(const auth::TlsContext& context) {
  tls_ = std::make_unique<auth::TlsConnection>(context, fd_);
}

void Socket::write_all(std::string_view data) {
  if (tls_) return tls_->write_all(data.data(), data.size());
  while (!data.empty()) {
    const ssize_t count = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
    if (count < 0) {
      if (errno == EINTR) continue;
      throw Error(ErrorKind::kStorage, system_error("cannot write to the client"));
    }
    data.remove_prefix(static_cast<size_t>(count));
  }
}

std::string Socket::peer_name() const {
  sockaddr_storage address{};
  socklen_t length = sizeof address;
  if (getpeername(fd_, reinterpret_cast<sockaddr*>(&address), &length) != 0) return "unknown";
  char host[NI_MAXHOST];
  char port[NI_MAXSERV];
  if (getnameinfo(reinterpret_cast<sockaddr*>(&address), length, host, sizeof host, port,
                  sizeof port, NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
    return "unknown";
  }
  return std::string(host) + ":" + port;
}

bool is_loopback_host(const std::string& host) {
  if (host == "localhost" || host == "::1") return true;
  in_addr address{};
  return inet_pton(AF_INET, host.c_str(), &address) == 1 && (ntohl(address.s_addr) >> 24) == 127;
}

Socket listen_tcp(const std::string& host, uint16_t port, int backlog) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  AddressList addresses;
  const std::string service = std::to_string(port);
  if (const int status = getaddrinfo(host.c_str(), service.c_str(), &hints, &addresses.list)) {
    throw Error(ErrorKind::kUsage,
                "cannot listen on " + host + ":" + service + ": " + gai_strerror(status));
  }
  std::string failure = "no address";
  for (addrinfo* entry = addresses.list; entry; entry = entry->ai_next) {
    Socket socket(
        ::socket(entry->ai_family, entry->ai_socktype | SOCK_CLOEXEC, entry->ai_protocol));
    if (!socket) {
      failure = std::strerror(errno);
      continue;
    }
    const int on = 1;
    setsockopt(socket.fd(), SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    if (::bind(socket.fd(), entry->ai_addr, entry->ai_addrlen) != 0) {
      failure = errno == EADDRINUSE ? "the address is already in use (is another server running "
                                      "on this port?)"
                                    : std::strerror(errno);
      continue;
    }
    if (::listen(socket.fd(), backlog) != 0) {
      failure = std::strerror(errno);
      continue;
    }
    return socket;
  }
  throw Error(ErrorKind::kUsage, "cannot listen on " + host + ":" + service + ": " + failure);
}

uint16_t local_port(const Socket& listener) {
  sockaddr_storage address{};
  socklen_t length = sizeof address;
  if (getsockname(listener.fd(), reinterpret_cast<sockaddr*>(&address), &length) != 0) return 0;
  if (address.ss_family == AF_INET6) {
    return ntohs(reinterpret_cast<sockaddr_in6*>(&address)->sin6_port);
  }
  return ntohs(reinterpret_cast<sockaddr_in*>(&address)->sin_port);
}

std::optional<Socket> accept_connection(const Socket& listener, int timeout_ms) {
  pollfd waiting{listener.fd(), POLLIN, 0};
  const int ready = ::poll(&waiting, 1, timeout_ms);
  if (ready <= 0) return std::nullopt;
  const int fd = ::accept4(listener.fd(), nullptr, nullptr, SOCK_CLOEXEC);
  if (fd < 0) return std::nullopt;  // the client gave up already, or EINTR: try again later
  const int on = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
  return Socket(fd);
}

}  // namespace strata::serve::pgwire
