#include "serve/auth/access_control.hpp"

#include "core/digest.hpp"
#include "core/error.hpp"
#include "core/text.hpp"

namespace strata::serve::auth {

namespace {

constexpr std::chrono::seconds kRememberFor{60};
constexpr size_t kMaxRemembered = 1024;

std::string credential_key(const std::string& user, const std::string& password) {
  return sha256(user + '\0' + password);
}

}  // namespace

bool may_read(const RoleConfig& role, const std::string& schema, const std::string& table) {
  if (role.admin) return true;
  const std::string space = to_lower(schema);
  const std::string name = space + "." + to_lower(table);
  for (const std::string& pattern : role.read) {
    if (pattern == "*" || pattern == space || pattern == space + ".*" || pattern == name) {
      return true;
    }
  }
  return false;
}

std::vector<const ColumnMask*> masks_of(const RoleConfig& role, const std::string& schema,
                                        const std::string& table) {
  std::vector<const ColumnMask*> out;
  if (role.admin) return out;
  const std::string space = to_lower(schema);
  const std::string name = to_lower(table);
  for (const ColumnMask& mask : role.masks) {
    if (mask.schema == space && mask.table == name) out.push_back(&mask);
  }
  return out;
}

AccessControl::AccessControl(const ServeConfig& config)
    : token_role_(config.role(config.token_role)) {
  if (!token_role_) token_role_ = config.role(kDefaultRole);
  for (const UserConfig& user : config.users) {
    std::optional<ScramVerifier> verifier = parse_scram_verifier(user.verifier);
    if (!verifier) {
      throw Error(ErrorKind::kConfig,
                  "the password of user " + user.name + " is not a valid SCRAM-SHA-256 verifier",
                  user.where);
    }
    users_[user.name] = User{std::move(*verifier), config.role(user.role)};
  }
}

std::optional<ScramVerifier> AccessControl::verifier(const std::string& user) const {
  auto found = users_.find(user);
  if (found == users_.end()) return std::nullopt;
  return found->second.verifier;
}

const RoleConfig* AccessControl::role_of(const std::string& user) const {
  auto found = users_.find(user);
  return found == users_.end() ? nullptr : found->second.role;
}

const RoleConfig* AccessControl::authenticate(const std::string& user,
                                              const std::string& password) {
  auto found = users_.find(user);
  if (found == users_.end()) return nullptr;
  const std::string key = credential_key(user, password);
  const auto now = std::chrono::steady_clock::now();
  {
    std::lock_guard lock(mutex_);
    auto remembered = recent_.find(key);
    if (remembered != recent_.end() && now - remembered->second < kRememberFor) {
      return found->second.role;
    }
  }
  if (!check_password(found->second.verifier, password)) return nullptr;
  std::lock_guard lock(mutex_);
  if (recent_.size() >= kMaxRemembered) recent_.clear();
  recent_[key] = now;
  return found->second.role;
}

}  // namespace strata::serve::auth
