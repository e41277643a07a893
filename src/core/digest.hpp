// Cryptographic hashes over bytes, from OpenSSL's libcrypto, for every place strata hashes: S3
// request signatures (SigV4), SCRAM-SHA-256 verifiers and proofs, MySQL password scrambles and
// remembered credentials. Results are the raw digest bytes; hex_encode (core/text.hpp) writes
// them as text. A libcrypto failure is an Error(kInternal).
#pragma once

#include <string>
#include <string_view>

namespace strata {

std::string sha1(std::string_view data);
std::string sha256(std::string_view data);
std::string hmac_sha256(std::string_view key, std::string_view data);

}  // namespace strata
