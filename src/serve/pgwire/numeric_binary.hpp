// PostgreSQL's binary format of `numeric`: a header (number of base-10000 digits, weight of the
// first digit, sign, display scale) followed by the digits, each an int16. strata converts from
// and to the exact decimal text ("-123.4500"), so no precision is lost either way. Throws
// strata::Error(kInput) on text that is not a decimal number or on a malformed binary value.
#pragma once

#include <string>
#include <string_view>

namespace strata::serve::pgwire {

// Appends the binary form of `decimal_text` ("NaN", "-0.5", "12", "1.2300").
void append_numeric_binary(std::string& out, std::string_view decimal_text);
// The decimal text of a binary numeric value.
std::string numeric_binary_to_text(std::string_view binary);

}  // namespace strata::serve::pgwire
