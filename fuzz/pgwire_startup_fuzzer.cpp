// libFuzzer target: the startup phase of a PostgreSQL connection. The input is the raw byte stream
// a client sends before its session starts; it is cut into packets by the FrameDecoder (untyped,
// length-prefixed) and each packet is decoded as a StartupMessage, SSLRequest, GSSENCRequest or
// CancelRequest. strata::Error is the expected outcome for malformed input; anything else
// (a crash, a sanitizer report, another exception) is a bug.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/error.hpp"
#include "serve/pgwire/frame_decoder.hpp"
#include "serve/pgwire/frontend_messages.hpp"

using namespace strata::serve::pgwire;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  try {
    decode_startup_packet(input);
  } catch (const strata::Error&) {
  }
  try {
    FrameDecoder decoder(1 << 20);
    decoder.feed(input);
    while (auto frame = decoder.next()) {
      const StartupPacket packet = decode_startup_packet(frame->body);
      (void)packet.option("user");
    }
  } catch (const strata::Error&) {
  }
  return 0;
}
