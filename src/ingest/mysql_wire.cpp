#include "ingest/mysql_wire.hpp"

#include <netdb.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/interrupt.hpp"

namespace strata::ingest::mysql {

namespace {

constexpr size_t kMaxPayload = 0xffffff;

}  // namespace

void ByteReader::need(size_t count) const {
  if (count > remaining()) {
    throw Error(ErrorKind::kInput, what_ + " is truncated: " + std::to_string(count) +
                                       " bytes needed at byte offset " + std::to_string(offset_) +
                                       ", " + std::to_string(remaining()) + " left");
  }
}

uint64_t ByteReader::uint_le(size_t width) {
  need(width);
  uint64_t value = 0;
  for (size_t i = 0; i < width; ++i) {
    value |= static_cast<uint64_t>(static_cast<uint8_t>(bytes_[offset_ + i])) << (8 * i);
  }
  offset_ += width;
  return value;
}

uint64_t ByteReader::uint_be(size_t width) {
  need(width);
  uint64_t value = 0;
  for (size_t i = 0; i < width; ++i) {
    value = (value << 8) | static_cast<uint8_t>(bytes_[offset_ + i]);
  }
  offset_ += width;
  return value;
}

uint64_t ByteReader::lenenc() {
  const uint8_t first = u8();
  if (first < 0xfb) return first;
  if (first == 0xfc) return uint_le(2);
  if (first == 0xfd) return uint_le(3);
  if (first == 0xfe) return uint_le(8);
  throw Error(ErrorKind::kInput, what_ + ": invalid length-encoded integer at byte offset " +
                                     std::to_string(offset_ - 1));
}

std::string_view ByteReader::bytes(size_t count) {
  need(count);
  std::string_view out = bytes_.substr(offset_, count);
  offset_ += count;
  return out;
}

std::string_view ByteReader::null_terminated() {
  const size_t end = bytes_.find('\0', offset_);
  if (end == std::string_view::npos) return rest();
  std::string_view out = bytes_.substr(offset_, end - offset_);
  offset_ = end + 1;
  return out;
}

void put_uint_le(std::string& out, uint64_t value, size_t width) {
  for (size_t i = 0; i < width; ++i) out += static_cast<char>((value >> (8 * i)) & 0xff);
}

void put_lenenc(std::string& out, uint64_t value) {
  if (value < 0xfb) {
    put_uint_le(out, value, 1);
  } else if (value <= 0xffff) {
    out += static_cast<char>(0xfc);
    put_uint_le(out, value, 2);
  } else if (value <= 0xffffff) {
    out += static_cast<char>(0xfd);
    put_uint_le(out, value, 3);
  } else {
    out += static_cast<char>(0xfe);
    put_uint_le(out, value, 8);
  }
}

Socket::Socket(const std::string& host, int port, int timeout_seconds)
    : server_(host + ":" + std::to_string(port)) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const int status = getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found);
  if (status != 0) {
    throw Error(ErrorKind::kStorage,
                "cannot resolve MySQL server " + server_ + ": " + gai_strerror(status));
  }
  std::string failure = "no address";
  for (addrinfo* a = found; a != nullptr && fd_ < 0; a = a->ai_next) {
    const int fd = ::socket(a->ai_family, a->ai_socktype, a->ai_protocol);
    if (fd < 0) continue;
    timeval timeout{timeout_seconds, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
    if (::connect(fd, a->ai_addr, a->ai_addrlen) == 0) {
      fd_ = fd;
    } else {
      failure = std::strerror(errno);
      ::close(fd);
    }
  }
  freeaddrinfo(found);
  if (fd_ < 0) {
    throw Error(ErrorKind::kStorage, "cannot connect to MySQL server " + server_ + ": " + failure);
  }
}

Socket::~Socket() {
  if (fd_ >= 0) ::close(fd_);
}

void Socket::read_exact(char* into, size_t count) {
  while (count > 0) {
    const ssize_t n = ::recv(fd_, into, count, 0);
    if (n > 0) {
      into += n;
      count -= static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) {
      check_interrupt();
      continue;
    }
    const std::string reason = n == 0 ? "the server closed the connection"
                               : (errno == EAGAIN || errno == EWOULDBLOCK)
                                   ? "no answer within the timeout"
                                   : std::strerror(errno);
    throw Error(ErrorKind::kStorage, "lost connection to MySQL server " + server_ + ": " + reason);
  }
}

void Socket::write_all(std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      throw Error(ErrorKind::kStorage, "lost connection to MySQL server " + server_ +
                                           " while sending: " + std::strerror(errno));
    }
    bytes.remove_prefix(static_cast<size_t>(n));
  }
}

std::string Socket::read_packet() {
  std::string payload;
  for (;;) {
    char header[4];
    read_exact(header, 4);
    const size_t length = static_cast<uint8_t>(header[0]) |
                          (static_cast<size_t>(static_cast<uint8_t>(header[1])) << 8) |
                          (static_cast<size_t>(static_cast<uint8_t>(header[2])) << 16);
    sequence_ = static_cast<uint8_t>(static_cast<uint8_t>(header[3]) + 1);
    const size_t at = payload.size();
    payload.resize(at + length);
    read_exact(payload.data() + at, length);
    if (length < kMaxPayload) return payload;
  }
}

void Socket::write_packet(std::string_view payload) {
  for (;;) {
    const size_t length = std::min(payload.size(), kMaxPayload);
    std::string packet;
    put_uint_le(packet, length, 3);
    packet += static_cast<char>(sequence_++);
    packet.append(payload.substr(0, length));
    write_all(packet);
    payload.remove_prefix(length);
    if (length < kMaxPayload) return;
  }
}

}  // namespace strata::ingest::mysql
