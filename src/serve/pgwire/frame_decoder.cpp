#include "serve/pgwire/frame_decoder.hpp"

#include <cctype>

#include "core/error.hpp"
#include "serve/pgwire/message_buffer.hpp"

namespace strata::serve::pgwire {

namespace {

std::string describe_type(char type) {
  if (std::isprint(static_cast<unsigned char>(type))) return std::string("'") + type + "'";
  return "byte " + std::to_string(static_cast<unsigned char>(type));
}

}  // namespace

bool is_frontend_message_type(char type) {
  switch (type) {
    case 'Q':  // Query
    case 'P':  // Parse
    case 'B':  // Bind
    case 'D':  // Describe
    case 'E':  // Execute
    case 'C':  // Close
    case 'S':  // Sync
    case 'H':  // Flush
    case 'X':  // Terminate
    case 'p':  // password / SASL response
    case 'F':  // FunctionCall
    case 'd':  // CopyData
    case 'c':  // CopyDone
    case 'f':  // CopyFail
      return true;
    default:
      return false;
  }
}

void FrameDecoder::feed(std::string_view data) {
  // Drop what was consumed before growing the buffer, so it holds at most one partial message.
  if (offset_ > 0 && offset_ == buffer_.size()) {
    buffer_.clear();
    offset_ = 0;
  } else if (offset_ > 65536 && offset_ * 2 > buffer_.size()) {
    buffer_.erase(0, offset_);
    offset_ = 0;
  }
  buffer_.append(data);
}

std::optional<Frame> FrameDecoder::next() {
  const size_t header = startup_ ? 4 : 5;
  if (buffered_bytes() < header) return std::nullopt;
  const char* start = buffer_.data() + offset_;
  Frame frame;
  if (!startup_) {
    frame.type = start[0];
    if (!is_frontend_message_type(frame.type)) {
      throw Error(ErrorKind::kInput, "invalid frontend message type " + describe_type(frame.type));
    }
  }
  const uint32_t length = get_uint32(start + header - 4);
  const size_t limit = startup_ ? kMaxStartupPacketBytes : max_message_bytes_;
  const size_t minimum = startup_ ? 8 : 4;
  if (length < minimum) {
    throw Error(ErrorKind::kInput,
                "invalid message length " + std::to_string(length) +
                    (startup_ ? " in a startup packet"
                              : " in a message of type " + describe_type(frame.type)));
  }
  if (length > limit) {
    throw Error(
        ErrorKind::kInput,
        "message of " + std::to_string(length) + " bytes is larger than the limit of " +
            std::to_string(limit) + " bytes" +
            (startup_ ? " for a startup packet" : " (type " + describe_type(frame.type) + ")"));
  }
  const size_t total = header - 4 + length;
  if (buffered_bytes() < total) return std::nullopt;
  frame.body.assign(start + header, total - header);
  offset_ += total;
  return frame;
}

}  // namespace strata::serve::pgwire
