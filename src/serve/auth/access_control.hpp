// Who may connect to `strata serve` and what each may read: the users of serve.users with their
// SCRAM-SHA-256 verifiers (checked once at start), their roles, and password checks for HTTP Basic
// authentication (PBKDF2 is slow on purpose, so a successful check is remembered for a minute by
// a hash of user and password). A role answers which lake tables it may read and which of their
// columns it sees masked.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "core/serve_config.hpp"
#include "serve/auth/scram.hpp"

namespace strata::serve::auth {

// Whether `role` may read lake table schema.table (names in any case).
bool may_read(const RoleConfig& role, const std::string& schema, const std::string& table);
// The masked columns of schema.table for `role` (lower case names); empty for admin roles.
std::vector<const ColumnMask*> masks_of(const RoleConfig& role, const std::string& schema,
                                        const std::string& table);

class AccessControl {
 public:
  // Throws Error(kConfig) at the user's line for a verifier that does not parse.
  explicit AccessControl(const ServeConfig& config);

  // True when users are declared: every client must then authenticate.
  bool authentication_required() const { return !users_.empty(); }
  std::optional<ScramVerifier> verifier(const std::string& user) const;
  // The role of a declared user, or null.
  const RoleConfig* role_of(const std::string& user) const;
  const RoleConfig& token_role() const { return *token_role_; }
  // The user's role when `password` is right, else null.
  const RoleConfig* authenticate(const std::string& user, const std::string& password);

 private:
  struct User {
    ScramVerifier verifier;
    const RoleConfig* role = nullptr;
  };
  std::map<std::string, User> users_;
  const RoleConfig* token_role_ = nullptr;
  std::mutex mutex_;
  std::map<std::string, std::chrono::steady_clock::time_point> recent_;  // sha256(user, password)
};

}  // namespace strata::serve::auth
