// Cuts the byte stream a PostgreSQL client sends into messages. Before the session starts, packets
// have no type byte (StartupMessage, SSLRequest, GSSENCRequest, CancelRequest); after it, every
// message is a type byte and a length that counts itself. The decoder rejects, as soon as the
// header arrives, lengths that are too small, larger than the configured limit, or types no
// client sends, so a hostile or broken client can neither make the server buffer gigabytes nor
// read past a message's end: it gets strata::Error(kInput), and the session closes that connection.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace strata::serve::pgwire {

struct Frame {
  char type = 0;  // 0 for the untyped packets of the startup phase
  std::string body;
};

class FrameDecoder {
 public:
  static constexpr size_t kMaxStartupPacketBytes = 10000;

  explicit FrameDecoder(size_t max_message_bytes) : max_message_bytes_(max_message_bytes) {}

  // While true (the initial state), packets are read without a type byte.
  void set_startup_phase(bool startup) { startup_ = startup; }
  bool startup_phase() const { return startup_; }

  void feed(std::string_view data);
  // The next complete message, or nothing until more bytes arrive. Throws Error(kInput) on a
  // malformed header; the stream cannot be resynchronised after that.
  std::optional<Frame> next();
  size_t buffered_bytes() const { return buffer_.size() - offset_; }

 private:
  size_t max_message_bytes_;
  bool startup_ = true;
  std::string buffer_;
  size_t offset_ = 0;
};

// True for the message types a frontend may send once the session has started.
bool is_frontend_message_type(char type);

}  // namespace strata::serve::pgwire
