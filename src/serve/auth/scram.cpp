#include "serve/auth/scram.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <charconv>
#include <vector>

#include "core/digest.hpp"
#include "core/error.hpp"
#include "core/text.hpp"

namespace strata::serve::auth {

namespace {

constexpr size_t kKeyBytes = 32;
constexpr size_t kSaltBytes = 16;
constexpr size_t kNonceBytes = 18;
constexpr int kMaxIterations = 100'000'000;

std::string random_bytes(size_t count) {
  std::string out(count, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(count)) != 1) {
    throw Error(ErrorKind::kInternal, "the system's random number generator failed");
  }
  return out;
}

std::string salted_password(std::string_view password, std::string_view salt, int iterations) {
  std::string out(kKeyBytes, '\0');
  if (PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()),
                        reinterpret_cast<const unsigned char*>(salt.data()),
                        static_cast<int>(salt.size()), iterations, EVP_sha256(),
                        static_cast<int>(out.size()),
                        reinterpret_cast<unsigned char*>(out.data())) != 1) {
    throw Error(ErrorKind::kInternal, "PBKDF2 failed");
  }
  return out;
}

bool same_bytes(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string xor_bytes(std::string_view a, std::string_view b) {
  std::string out(a);
  for (size_t i = 0; i < out.size() && i < b.size(); ++i) out[i] = static_cast<char>(a[i] ^ b[i]);
  return out;
}

[[noreturn]] void malformed(const std::string& what) {
  throw Error(ErrorKind::kInput, "malformed SCRAM message: " + what);
}

// The value of attribute `name` ("r", "s", ...) in a comma-separated SCRAM message, from `from`.
std::optional<std::string_view> attribute(const std::vector<std::string_view>& parts, char name) {
  for (std::string_view part : parts) {
    if (part.size() >= 2 && part[0] == name && part[1] == '=') return part.substr(2);
  }
  return std::nullopt;
}

std::vector<std::string_view> split_view(std::string_view text) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (true) {
    const size_t comma = text.find(',', start);
    out.push_back(text.substr(start, comma == std::string_view::npos ? comma : comma - start));
    if (comma == std::string_view::npos) return out;
    start = comma + 1;
  }
}

// A secret of this process, so mock salts of unknown users are stable but not predictable.
const std::string& mock_secret() {
  static const std::string kSecret = random_bytes(kKeyBytes);
  return kSecret;
}

}  // namespace

std::string base64_encode(std::string_view data) {
  std::string out(4 * ((data.size() + 2) / 3) + 1, '\0');
  const int length = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                     reinterpret_cast<const unsigned char*>(data.data()),
                                     static_cast<int>(data.size()));
  out.resize(static_cast<size_t>(length));
  return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  std::string out(3 * (text.size() / 4) + 1, '\0');
  const int length = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                     reinterpret_cast<const unsigned char*>(text.data()),
                                     static_cast<int>(text.size()));
  if (length < 0) return std::nullopt;
  size_t size = static_cast<size_t>(length);
  // EVP_DecodeBlock counts the padding as zero bytes.
  for (size_t i = text.size(); i > 0 && text[i - 1] == '='; --i) --size;
  out.resize(size);
  return out;
}

std::optional<ScramVerifier> parse_scram_verifier(const std::string& text) {
  const std::string prefix = "SCRAM-SHA-256$";
  if (!text.starts_with(prefix)) return std::nullopt;
  const std::string_view rest = std::string_view(text).substr(prefix.size());
  const size_t colon = rest.find(':');
  const size_t dollar = rest.find('$');
  const size_t key_colon = rest.find(':', dollar == std::string_view::npos ? rest.size() : dollar);
  if (colon == std::string_view::npos || dollar == std::string_view::npos || colon > dollar ||
      key_colon == std::string_view::npos) {
    return std::nullopt;
  }
  ScramVerifier verifier;
  const std::string_view iterations = rest.substr(0, colon);
  auto [end, error] = std::from_chars(iterations.data(), iterations.data() + iterations.size(),
                                      verifier.iterations);
  if (error != std::errc() || end != iterations.data() + iterations.size() ||
      verifier.iterations < 1 || verifier.iterations > kMaxIterations) {
    return std::nullopt;
  }
  auto salt = base64_decode(rest.substr(colon + 1, dollar - colon - 1));
  auto stored = base64_decode(rest.substr(dollar + 1, key_colon - dollar - 1));
  auto server = base64_decode(rest.substr(key_colon + 1));
  if (!salt || salt->empty() || !stored || stored->size() != kKeyBytes || !server ||
      server->size() != kKeyBytes) {
    return std::nullopt;
  }
  verifier.salt = std::move(*salt);
  verifier.stored_key = std::move(*stored);
  verifier.server_key = std::move(*server);
  return verifier;
}

std::string format_scram_verifier(const ScramVerifier& verifier) {
  return "SCRAM-SHA-256$" + std::to_string(verifier.iterations) + ":" +
         base64_encode(verifier.salt) + "$" + base64_encode(verifier.stored_key) + ":" +
         base64_encode(verifier.server_key);
}

ScramVerifier make_scram_verifier(std::string_view password, int iterations) {
  return derive_scram_verifier(password, random_bytes(kSaltBytes), iterations);
}

ScramVerifier derive_scram_verifier(std::string_view password, std::string salt, int iterations) {
  ScramVerifier verifier;
  verifier.iterations = iterations;
  verifier.salt = std::move(salt);
  const std::string salted = salted_password(password, verifier.salt, iterations);
  verifier.stored_key = sha256(hmac_sha256(salted, "Client Key"));
  verifier.server_key = hmac_sha256(salted, "Server Key");
  return verifier;
}

bool check_password(const ScramVerifier& verifier, std::string_view password) {
  const std::string salted = salted_password(password, verifier.salt, verifier.iterations);
  return same_bytes(sha256(hmac_sha256(salted, "Client Key")), verifier.stored_key);
}

ScramExchange::ScramExchange(std::optional<ScramVerifier> verifier, std::string_view user,
                             std::string server_nonce)
    : known_user_(verifier.has_value()), server_nonce_(std::move(server_nonce)) {
  if (verifier) {
    verifier_ = std::move(*verifier);
  } else {
    std::string user_key(user);
    verifier_.salt = sha256(mock_secret() + user_key).substr(0, kSaltBytes);
    verifier_.stored_key = random_bytes(kKeyBytes);
    verifier_.server_key = random_bytes(kKeyBytes);
  }
}

std::string ScramExchange::server_first(std::string_view client_first) {
  // gs2-header: cbind-flag "," [authzid] ","
  const size_t first_comma = client_first.find(',');
  const size_t second_comma =
      first_comma == std::string_view::npos ? first_comma : client_first.find(',', first_comma + 1);
  if (second_comma == std::string_view::npos) malformed("no GS2 header");
  const std::string_view flag = client_first.substr(0, first_comma);
  if (flag.starts_with("p=")) {
    throw Error(ErrorKind::kInput,
                "SCRAM channel binding is not supported by this server; connect with "
                "channel_binding=prefer or disable");
  }
  if (flag != "n" && flag != "y") malformed("unknown channel binding flag");
  if (second_comma != first_comma + 1) malformed("authorization identities are not supported");
  gs2_header_ = std::string(client_first.substr(0, second_comma + 1));
  client_first_bare_ = std::string(client_first.substr(second_comma + 1));
  const std::vector<std::string_view> parts = split_view(client_first_bare_);
  if (parts.size() < 2 || !parts[0].starts_with("n=")) malformed("no user name attribute");
  const std::optional<std::string_view> client_nonce = attribute(parts, 'r');
  if (!client_nonce || client_nonce->empty()) malformed("no client nonce");
  for (char c : *client_nonce) {
    if (c < 0x21 || c > 0x7e) malformed("the client nonce has non-printable characters");
  }
  nonce_ = std::string(*client_nonce) +
           (server_nonce_.empty() ? base64_encode(random_bytes(kNonceBytes)) : server_nonce_);
  server_first_ = "r=" + nonce_ + ",s=" + base64_encode(verifier_.salt) +
                  ",i=" + std::to_string(verifier_.iterations);
  return server_first_;
}

std::optional<std::string> ScramExchange::server_final(std::string_view client_final) {
  if (server_first_.empty()) malformed("the final message came before the first");
  const size_t proof_at = client_final.rfind(",p=");
  if (proof_at == std::string_view::npos) malformed("no proof");
  const std::string_view without_proof = client_final.substr(0, proof_at);
  const std::vector<std::string_view> parts = split_view(without_proof);
  const std::optional<std::string_view> binding = attribute(parts, 'c');
  const std::optional<std::string_view> nonce = attribute(parts, 'r');
  if (!binding || !nonce) malformed("no channel binding or nonce attribute");
  if (*binding != base64_encode(gs2_header_)) malformed("the channel binding does not match");
  if (*nonce != nonce_) malformed("the nonce does not match");
  const std::optional<std::string> proof = base64_decode(client_final.substr(proof_at + 3));
  if (!proof || proof->size() != kKeyBytes) malformed("the proof is not 32 bytes of base64");

  const std::string auth_message =
      client_first_bare_ + "," + server_first_ + "," + std::string(without_proof);
  const std::string client_signature = hmac_sha256(verifier_.stored_key, auth_message);
  const std::string client_key = xor_bytes(*proof, client_signature);
  if (!same_bytes(sha256(client_key), verifier_.stored_key) || !known_user_) return std::nullopt;
  return "v=" + base64_encode(hmac_sha256(verifier_.server_key, auth_message));
}

}  // namespace strata::serve::auth
