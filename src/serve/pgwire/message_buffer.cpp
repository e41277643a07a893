#include "serve/pgwire/message_buffer.hpp"

#include "core/error.hpp"

namespace strata::serve::pgwire {

void put_uint16(std::string& out, uint16_t value) {
  out.push_back(static_cast<char>(value >> 8));
  out.push_back(static_cast<char>(value));
}

void put_uint32(std::string& out, uint32_t value) {
  put_uint16(out, static_cast<uint16_t>(value >> 16));
  put_uint16(out, static_cast<uint16_t>(value));
}

void put_uint64(std::string& out, uint64_t value) {
  put_uint32(out, static_cast<uint32_t>(value >> 32));
  put_uint32(out, static_cast<uint32_t>(value));
}

uint16_t get_uint16(const char* data) {
  const auto* bytes = reinterpret_cast<const unsigned char*>(data);
  return static_cast<uint16_t>((bytes[0] << 8) | bytes[1]);
}

uint32_t get_uint32(const char* data) {
  return (static_cast<uint32_t>(get_uint16(data)) << 16) | get_uint16(data + 2);
}

uint64_t get_uint64(const char* data) {
  return (static_cast<uint64_t>(get_uint32(data)) << 32) | get_uint32(data + 4);
}

// ---- MessageReader --------------------------------------------------------------------------

void MessageReader::need(size_t count) const {
  if (count > remaining()) {
    throw Error(ErrorKind::kInput, "invalid " + std::string(what_) + ": it ends after " +
                                       std::to_string(body_.size()) +
                                       " bytes, in the middle of a field");
  }
}

uint8_t MessageReader::byte() {
  need(1);
  return static_cast<uint8_t>(body_[position_++]);
}

int16_t MessageReader::int16() {
  need(2);
  const uint16_t value = get_uint16(body_.data() + position_);
  position_ += 2;
  return static_cast<int16_t>(value);
}

int32_t MessageReader::int32() {
  need(4);
  const uint32_t value = get_uint32(body_.data() + position_);
  position_ += 4;
  return static_cast<int32_t>(value);
}

int64_t MessageReader::int64() {
  need(8);
  const uint64_t value = get_uint64(body_.data() + position_);
  position_ += 8;
  return static_cast<int64_t>(value);
}

std::string_view MessageReader::cstring() {
  const size_t end = body_.find('\0', position_);
  if (end == std::string_view::npos) {
    throw Error(ErrorKind::kInput,
                "invalid " + std::string(what_) + ": a string is not terminated by a NUL byte");
  }
  std::string_view text = body_.substr(position_, end - position_);
  position_ = end + 1;
  return text;
}

std::string_view MessageReader::bytes(size_t count) {
  need(count);
  std::string_view data = body_.substr(position_, count);
  position_ += count;
  return data;
}

void MessageReader::expect_end() const {
  if (remaining() != 0) {
    throw Error(ErrorKind::kInput, "invalid " + std::string(what_) + ": " +
                                       std::to_string(remaining()) +
                                       " unexpected bytes at its end");
  }
}

// ---- MessageWriter --------------------------------------------------------------------------

void MessageWriter::begin(char type) {
  if (type != 0) buffer_.push_back(type);
  message_start_ = buffer_.size();
  put_uint32(buffer_, 0);  // the length, filled in by end()
}

void MessageWriter::end() {
  const auto length = static_cast<uint32_t>(buffer_.size() - message_start_);
  std::string encoded;
  put_uint32(encoded, length);
  buffer_.replace(message_start_, 4, encoded);
}

void MessageWriter::int16(int16_t value) {
  put_uint16(buffer_, static_cast<uint16_t>(value));
}
void MessageWriter::int32(int32_t value) {
  put_uint32(buffer_, static_cast<uint32_t>(value));
}
void MessageWriter::int64(int64_t value) {
  put_uint64(buffer_, static_cast<uint64_t>(value));
}

void MessageWriter::cstring(std::string_view text) {
  buffer_.append(text);
  buffer_.push_back('\0');
}

}  // namespace strata::serve::pgwire
