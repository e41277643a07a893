// The byte level of the MySQL client/server protocol, which MariaDB speaks too: a TCP connection
// that sends and receives packets (a 3-byte little-endian length, a sequence number, the payload;
// payloads of 16 MB and more continue in the next packet), and a reader of the protocol's integer
// and string encodings (fixed little- and big-endian integers, length-encoded integers and
// strings). A short read is a kInput error naming what was being read and the byte offset, so a
// malformed packet or event never reads past its end.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace strata::ingest::mysql {

// Reads the protocol's encodings from a byte string it does not own.
class ByteReader {
 public:
  ByteReader(std::string_view bytes, std::string what) : bytes_(bytes), what_(std::move(what)) {}

  size_t offset() const { return offset_; }
  size_t remaining() const { return bytes_.size() - offset_; }
  bool at_end() const { return offset_ >= bytes_.size(); }

  uint64_t uint_le(size_t width);  // 1..8 bytes, little-endian
  uint64_t uint_be(size_t width);  // 1..8 bytes, big-endian
  uint8_t u8() { return static_cast<uint8_t>(uint_le(1)); }
  uint64_t lenenc();  // a length-encoded integer
  std::string_view bytes(size_t count);
  std::string_view lenenc_string() { return bytes(lenenc()); }
  std::string_view null_terminated();
  std::string_view rest() { return bytes(remaining()); }
  void skip(size_t count) { bytes(count); }

 private:
  std::string_view bytes_;
  std::string what_;
  size_t offset_ = 0;

  void need(size_t count) const;
};

void put_uint_le(std::string& out, uint64_t value, size_t width);
void put_lenenc(std::string& out, uint64_t value);

// One TCP connection to a server, with a receive timeout. Closed at destruction.
class Socket {
 public:
  // Connects to host:port; kStorage naming the server on failure.
  Socket(const std::string& host, int port, int timeout_seconds);
  ~Socket();
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;

  // A whole payload (continuation packets joined); its sequence number is tracked.
  std::string read_packet();
  // Sends `payload` as the next packet(s) of the current exchange.
  void write_packet(std::string_view payload);
  // A command starts a new exchange: sequence numbers restart at 0.
  void reset_sequence() { sequence_ = 0; }
  const std::string& server() const { return server_; }

 private:
  int fd_ = -1;
  uint8_t sequence_ = 0;
  std::string server_;

  void read_exact(char* into, size_t count);
  void write_all(std::string_view bytes);
};

}  // namespace strata::ingest::mysql
