// libFuzzer target: a whole client byte stream as the session reads it. The first input byte sets
// the size of the reads the bytes arrive in (1 to 256 bytes, so messages straddle reads at every
// offset); the FrameDecoder starts in the startup phase, switches to typed messages after a
// protocol 3.0 StartupMessage, and every typed message goes to its body decoder. The message size
// limit is small (64 KiB) so that oversized-message handling is reached quickly.
#include <cstddef>
#include <cstdint>

#include "core/error.hpp"
#include "fuzz_input.hpp"
#include "serve/pgwire/frame_decoder.hpp"
#include "serve/pgwire/frontend_messages.hpp"

using namespace strata::serve::pgwire;

namespace {

void decode_frame(const Frame& frame) {
  switch (frame.type) {
    case 'Q':
      decode_query(frame.body);
      break;
    case 'P':
      decode_parse(frame.body);
      break;
    case 'B': {
      const BindMessage bind = decode_bind(frame.body);
      for (size_t i = 0; i < bind.parameters.size(); ++i) (void)bind.parameter_format(i);
      break;
    }
    case 'D':
      decode_describe(frame.body);
      break;
    case 'E':
      decode_execute(frame.body);
      break;
    case 'C':
      decode_close(frame.body);
      break;
    default:
      break;  // Sync, Flush, Terminate, CopyData, ...: the body is not decoded
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  strata::fuzz::FuzzInput input(data, size);
  const size_t read_size = input.byte() + 1;
  FrameDecoder decoder(64 * 1024);
  try {
    while (!input.empty()) {
      decoder.feed(input.take(read_size));
      while (auto frame = decoder.next()) {
        if (decoder.startup_phase()) {
          const StartupPacket packet = decode_startup_packet(frame->body);
          if (packet.kind == StartupPacket::Kind::kStartup &&
              packet.protocol == kProtocolVersion3) {
            decoder.set_startup_phase(false);
          }
          continue;
        }
        try {
          decode_frame(*frame);
        } catch (const strata::Error&) {
          // A malformed body ends that message only; the session answers with an error.
        }
      }
    }
  } catch (const strata::Error&) {
    // A malformed header: the stream cannot be resynchronised, the session closes.
  }
  return 0;
}
