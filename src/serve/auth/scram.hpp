// SCRAM-SHA-256 (RFC 5802, RFC 7677) as PostgreSQL uses it: verifiers in PostgreSQL's stored form
// `SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>` (base64), made from a password with a
// random salt, and the server side of one exchange (client-first -> server-first, client-final ->
// server-final), which never sees the password. Channel binding is not offered: clients that
// support it send the "y" flag, accepted; a client that insists on binding ("p=") is refused.
// Passwords are used as their UTF-8 bytes (no SASLprep normalization).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace strata::serve::auth {

struct ScramVerifier {
  int iterations = 4096;
  std::string salt;        // raw bytes
  std::string stored_key;  // raw 32 bytes: H(HMAC(SaltedPassword, "Client Key"))
  std::string server_key;  // raw 32 bytes: HMAC(SaltedPassword, "Server Key")
};

// Parses the stored form; nothing when it is malformed.
std::optional<ScramVerifier> parse_scram_verifier(const std::string& text);
std::string format_scram_verifier(const ScramVerifier& verifier);
// A verifier for `password` with a fresh 16-byte random salt.
ScramVerifier make_scram_verifier(std::string_view password, int iterations = 4096);
// The verifier for `password` with a given (raw) salt.
ScramVerifier derive_scram_verifier(std::string_view password, std::string salt, int iterations);
// Whether `password` matches (for HTTP Basic authentication); constant time in the comparison.
bool check_password(const ScramVerifier& verifier, std::string_view password);

std::string base64_encode(std::string_view data);
std::optional<std::string> base64_decode(std::string_view text);

// The server side of one SCRAM-SHA-256 exchange. A null verifier (unknown user) runs a mock
// exchange with a salt derived from the user name, so a client cannot tell unknown users from
// wrong passwords.
class ScramExchange {
 public:
  // `server_nonce`: empty for a random one (tests give a fixed one).
  ScramExchange(std::optional<ScramVerifier> verifier, std::string_view user,
                std::string server_nonce = {});

  // The server-first-message for the client-first-message; throws Error(kInput) when malformed.
  std::string server_first(std::string_view client_first);
  // The server-final-message when the proof is right; nothing when authentication failed.
  // Throws Error(kInput) when the message is malformed or does not continue the exchange.
  std::optional<std::string> server_final(std::string_view client_final);

 private:
  ScramVerifier verifier_;
  bool known_user_ = false;
  std::string gs2_header_;
  std::string client_first_bare_;
  std::string server_first_;
  std::string nonce_;
  std::string server_nonce_;
};

}  // namespace strata::serve::auth
