// libFuzzer target: the Bind parameter decoders, in text and binary format, for every type OID
// strata decodes (and their array types), with and without a type DuckDB inferred. The first input
// bytes pick the format, the declared OID and the inferred OID; the rest is the parameter value.
// SqlError (22P02, 22P03, 0A000, ...) is the expected outcome for malformed values. It also checks
// that binary numeric values survive text and back unchanged, since that codec is exact.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "core/error.hpp"
#include "fuzz_input.hpp"
#include "serve/pgwire/frontend_messages.hpp"
#include "serve/pgwire/numeric_binary.hpp"
#include "serve/pgwire/parameter_codec.hpp"
#include "serve/pgwire/pg_types.hpp"

using namespace strata::serve::pgwire;

namespace {

constexpr uint32_t kScalarTypes[] = {
    oid::kUnspecified, oid::kBool,   oid::kBytea,   oid::kChar,      oid::kName,
    oid::kInt8,        oid::kInt2,   oid::kInt4,    oid::kText,      oid::kOid,
    oid::kJson,        oid::kFloat4, oid::kFloat8,  oid::kUnknown,   oid::kBpchar,
    oid::kVarchar,     oid::kDate,   oid::kTime,    oid::kTimestamp, oid::kTimestamptz,
    oid::kInterval,    oid::kTimetz, oid::kNumeric, oid::kUuid,      oid::kJsonb};
constexpr size_t kScalarCount = sizeof(kScalarTypes) / sizeof(kScalarTypes[0]);

// Even choices are scalars, odd ones the array type of that scalar (0 when it has none).
uint32_t pick_type(uint8_t choice) {
  const uint32_t scalar = kScalarTypes[(choice / 2) % kScalarCount];
  if (choice % 2 == 0) return scalar;
  return array_type_of(scalar);
}

void check_numeric_round_trip(std::string_view binary) {
  std::string text;
  try {
    text = numeric_binary_to_text(binary);
  } catch (const strata::Error&) {
    return;
  }
  std::string again;
  append_numeric_binary(again, text);
  if (numeric_binary_to_text(again) != text) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  strata::fuzz::FuzzInput input(data, size);
  const uint8_t flags = input.byte();
  const uint32_t declared = pick_type(input.byte());
  const uint32_t inferred = (flags & 2) ? pick_type(input.byte()) : oid::kUnspecified;
  const int16_t format = (flags & 1) ? kBinaryFormat : kTextFormat;
  const std::string value(input.rest());
  try {
    OwnedValue decoded = decode_parameter(value, format, declared, inferred, 1);
  } catch (const strata::Error&) {
  }
  if (flags & 4) {
    try {
      parse_array_literal(value);
    } catch (const strata::Error&) {
    }
  }
  if (flags & 8) check_numeric_round_trip(value);
  return 0;
}
