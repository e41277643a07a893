// A small reader over a fuzzer's input: the first bytes choose what to exercise (a message type, a
// format, a type OID, how to split the stream), the rest is the message itself. Reading past the
// end yields zeros, so every input is usable and the fuzzer spends no time on rejected lengths.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace strata::fuzz {

class FuzzInput {
 public:
  FuzzInput(const uint8_t* data, size_t size) : rest_(reinterpret_cast<const char*>(data), size) {}

  uint8_t byte() {
    if (rest_.empty()) return 0;
    const auto value = static_cast<uint8_t>(rest_.front());
    rest_.remove_prefix(1);
    return value;
  }
  // Up to `count` bytes (fewer at the end of the input).
  std::string_view take(size_t count) {
    const std::string_view piece = rest_.substr(0, count);
    rest_.remove_prefix(piece.size());
    return piece;
  }
  std::string_view rest() const { return rest_; }
  bool empty() const { return rest_.empty(); }

 private:
  std::string_view rest_;
};

}  // namespace strata::fuzz
