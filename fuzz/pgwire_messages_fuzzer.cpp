// libFuzzer target: the body decoders of every message a PostgreSQL client sends after startup
// (Query, Parse, Bind, Describe, Execute, Close). The first input byte picks the decoder, the rest
// is the message body. For Bind it also applies the 0/1/n format rules to every parameter and to
// result column counts around the format list's length, as the session does.
#include <cstddef>
#include <cstdint>

#include "core/error.hpp"
#include "fuzz_input.hpp"
#include "serve/pgwire/frontend_messages.hpp"

using namespace strata::serve::pgwire;

namespace {

void exercise_bind(std::string_view body) {
  const BindMessage bind = decode_bind(body);
  for (size_t i = 0; i < bind.parameters.size(); ++i) (void)bind.parameter_format(i);
  const size_t n = bind.result_formats.size();
  for (size_t count : {size_t{0}, size_t{1}, n, n + 1}) {
    for (size_t i = 0; i < count; ++i) {
      try {
        (void)result_format(bind.result_formats, i, count);
      } catch (const strata::Error&) {
        break;
      }
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  strata::fuzz::FuzzInput input(data, size);
  const uint8_t which = input.byte();
  const std::string_view body = input.rest();
  try {
    switch (which % 6) {
      case 0:
        decode_query(body);
        break;
      case 1:
        decode_parse(body);
        break;
      case 2:
        exercise_bind(body);
        break;
      case 3:
        decode_describe(body);
        break;
      case 4:
        decode_execute(body);
        break;
      default:
        decode_close(body);
        break;
    }
  } catch (const strata::Error&) {
  }
  return 0;
}
