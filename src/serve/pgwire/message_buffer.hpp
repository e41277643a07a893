// Reading and writing the fields of PostgreSQL protocol messages: big-endian integers,
// NUL-terminated strings and byte runs. MessageReader checks every read against the message's
// length, so a message that lies about its contents becomes strata::Error(kInput) instead of a read
// past its end. MessageWriter appends whole backend messages (type byte, length, fields) to one
// output buffer, filling in each length when the message ends.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace strata::serve::pgwire {

class MessageReader {
 public:
  // `what` names the message in errors ("Bind message").
  MessageReader(std::string_view body, std::string_view what) : body_(body), what_(what) {}

  uint8_t byte();
  int16_t int16();
  int32_t int32();
  int64_t int64();
  // The text up to the next NUL, which is consumed.
  std::string_view cstring();
  std::string_view bytes(size_t count);
  size_t remaining() const { return body_.size() - position_; }
  // Throws unless every byte was read.
  void expect_end() const;

 private:
  std::string_view body_;
  std::string_view what_;
  size_t position_ = 0;
  void need(size_t count) const;
};

class MessageWriter {
 public:
  // Starts a message of `type`; type 0 writes a message without a type byte (startup replies).
  void begin(char type);
  // Fills in the length of the message begun last.
  void end();

  void byte(uint8_t value) { buffer_.push_back(static_cast<char>(value)); }
  void int16(int16_t value);
  void int32(int32_t value);
  void int64(int64_t value);
  void cstring(std::string_view text);
  void bytes(std::string_view data) { buffer_.append(data); }

  // A message with no fields (ParseComplete, NoData, ...).
  void empty_message(char type) {
    begin(type);
    end();
  }

  std::string& buffer() { return buffer_; }
  size_t size() const { return buffer_.size(); }
  void clear() { buffer_.clear(); }

 private:
  std::string buffer_;
  size_t message_start_ = 0;
};

// Big-endian encoding into and out of raw bytes, shared by the readers, writers and codecs.
void put_uint16(std::string& out, uint16_t value);
void put_uint32(std::string& out, uint32_t value);
void put_uint64(std::string& out, uint64_t value);
uint16_t get_uint16(const char* data);
uint32_t get_uint32(const char* data);
uint64_t get_uint64(const char* data);

}  // namespace strata::serve::pgwire
