#include "core/serve_config.hpp"

#include <algorithm>
#include <regex>

#include "core/text.hpp"
#include "core/time_text.hpp"
#include "core/yaml_util.hpp"

namespace strata {

namespace {

int64_t positive(const yaml::Reader& reader, const std::string& key, int64_t fallback,
                 int64_t maximum) {
  const int64_t value = reader.integer(key, fallback);
  if (value < 1 || value > maximum) {
    reader.fail_at(reader.node()[key],
                   "'" + key + "' must be between 1 and " + std::to_string(maximum));
  }
  return value;
}

std::optional<int64_t> port(const yaml::Reader& reader, const std::string& key) {
  if (!reader.has(key)) return std::nullopt;
  const int64_t value = reader.integer(key, 0);
  if (value < 0 || value > 65535) {
    reader.fail_at(reader.node()[key], "'" + key + "' must be a port between 0 and 65535");
  }
  return value;
}

// The enum value whose name (in `names`, in enum order) is `text`; else fails at `node`.
template <typename Enum>
Enum named_value(const yaml::Reader& reader, const YAML::Node& node, const std::string& text,
                 const std::vector<std::string>& names, const std::string& what) {
  for (size_t i = 0; i < names.size(); ++i) {
    if (text == names[i]) return static_cast<Enum>(i);
  }
  reader.fail_at(node, "unknown " + what + " '" + text + "'; use one of: " + join(names, ", ") +
                           did_you_mean(text, names));
}

QueryParamType param_type(const yaml::Reader& reader, const YAML::Node& node,
                          const std::string& text) {
  return named_value<QueryParamType>(reader, node, text, query_param_type_names(),
                                     "parameter type");
}

QueryParamConfig parse_param(const std::string& name, const yaml::Reader& param) {
  static const std::regex kName("^[A-Za-z_][A-Za-z0-9_]*$");
  if (!std::regex_match(name, kName)) {
    param.fail("parameter name '" + name +
               "' must start with a letter or underscore and contain only letters, digits and "
               "underscores");
  }
  QueryParamConfig config;
  config.name = name;
  if (param.node().IsScalar()) {  // shorthand: `year: integer`
    config.type = param_type(param, param.node(), param.node().as<std::string>());
    return config;
  }
  param.expect_map("parameter " + name);
  param.expect_keys({"type", "default", "description"}, "parameter " + name);
  config.type = param_type(param, param.node()["type"], param.required_string("type"));
  if (param.has("default")) config.default_value = param.string("default", "");
  config.description = param.string("description", "");
  return config;
}

NamedQueryConfig parse_query(const std::string& name, const yaml::Reader& query) {
  NamedQueryConfig config;
  config.name = name;
  config.where = query.where();
  if (query.node().IsScalar()) {  // shorthand: `name: SELECT ...`
    config.sql = query.node().as<std::string>();
    return config;
  }
  query.expect_map("query " + name);
  query.expect_keys({"sql", "params", "description"}, "query " + name);
  config.sql = query.required_string("sql");
  config.description = query.string("description", "");
  const yaml::Reader params = query.child("params");
  if (params.node().IsDefined() && !params.node().IsNull()) {
    params.expect_map("params");
    for (auto& [param_name, param] : params.entries()) {
      config.params.push_back(parse_param(param_name, param));
    }
  }
  return config;
}

TlsConfig parse_tls(const yaml::Reader& serve) {
  TlsConfig tls;
  if (!serve.has("tls")) return tls;
  const yaml::Reader reader = serve.child("tls");
  tls.where = reader.where();
  if (reader.node().IsScalar()) {  // `tls: true`: a generated certificate
    tls.enabled = serve.boolean("tls", false);
    return tls;
  }
  reader.expect_map("tls");
  reader.expect_keys({"cert", "key", "required"}, "tls");
  tls.enabled = true;
  tls.cert = reader.string("cert", "");
  tls.key = reader.string("key", "");
  if (tls.cert.empty() != tls.key.empty()) {
    reader.fail(
        "'tls' needs both 'cert' and 'key' (PEM files), or neither for a generated "
        "self-signed certificate");
  }
  tls.required = reader.boolean("required", false);
  return tls;
}

MaskKind mask_kind(const yaml::Reader& reader, const YAML::Node& node, const std::string& text) {
  return named_value<MaskKind>(reader, node, text, mask_kind_names(), "mask");
}

RoleConfig parse_role(const std::string& name, const yaml::Reader& role) {
  RoleConfig config;
  config.name = name;
  config.where = role.where();
  if (role.node().IsNull()) return config;
  role.expect_map("role " + name);
  role.expect_keys({"read", "masks", "admin"}, "role " + name);
  config.admin = role.boolean("admin", false);
  if (role.has("read")) {
    config.read.clear();
    for (const std::string& entry : role.string_list("read")) {
      const std::string pattern = to_lower(entry);
      if (pattern.empty() || std::count(pattern.begin(), pattern.end(), '.') > 1) {
        role.fail_at(role.node()["read"],
                     "'read' entries are '*', 'schema', 'schema.*' or "
                     "'schema.table' (got '" +
                         entry + "')");
      }
      config.read.push_back(pattern);
    }
  }
  const yaml::Reader masks = role.child("masks");
  if (masks.node().IsDefined() && !masks.node().IsNull()) {
    masks.expect_map("masks of role " + name);
    for (auto& [column, kind] : masks.entries()) {
      std::vector<std::string> parts = split(to_lower(column), '.');
      if (parts.size() != 3 || parts[0].empty() || parts[1].empty() || parts[2].empty()) {
        kind.fail("a mask is keyed by schema.table.column (got '" + column + "')");
      }
      if (!kind.node().IsScalar()) kind.fail("a mask is one of: " + join(mask_kind_names(), ", "));
      config.masks.push_back({parts[0], parts[1], parts[2],
                              mask_kind(kind, kind.node(), kind.node().as<std::string>()),
                              kind.where()});
    }
  }
  return config;
}

UserConfig parse_user(const std::string& name, const yaml::Reader& user) {
  static const std::regex kName("^[A-Za-z_][A-Za-z0-9_.@-]*$");
  if (!std::regex_match(name, kName)) {
    user.fail("user name '" + name +
              "' must start with a letter or underscore and contain only "
              "letters, digits and _ . @ -");
  }
  UserConfig config;
  config.name = name;
  config.where = user.where();
  user.expect_map("user " + name);
  user.expect_keys({"role", "password"}, "user " + name);
  config.role = user.string("role", kDefaultRole);
  config.verifier = user.required_string("password");
  if (!is_scram_verifier(config.verifier)) {
    user.fail_at(user.node()["password"],
                 "the password of user " + name +
                     " must be a SCRAM-SHA-256 verifier; passwords "
                     "are never stored in plain text: run `strata user add " +
                     name + "` to write it");
  }
  return config;
}

void parse_access(const yaml::Reader& serve, ServeConfig& config) {
  config.roles.push_back(RoleConfig{kDefaultRole, {"*"}, {}, false, serve.where()});
  const yaml::Reader roles = serve.child("roles");
  if (roles.node().IsDefined() && !roles.node().IsNull()) {
    roles.expect_map("roles");
    for (auto& [name, role] : roles.entries()) {
      RoleConfig parsed = parse_role(to_lower(name), role);
      if (parsed.name == kDefaultRole) {
        config.roles.front() = std::move(parsed);
      } else {
        config.roles.push_back(std::move(parsed));
      }
    }
  }
  std::vector<std::string> role_names;
  for (const RoleConfig& role : config.roles) role_names.push_back(role.name);
  auto check_role = [&](const std::string& role, const YAML::Node& node) {
    if (!config.role(role)) {
      serve.fail_at(node, "unknown role '" + role + "'; roles: " + join(role_names, ", ") +
                              did_you_mean(role, role_names));
    }
  };
  const yaml::Reader users = serve.child("users");
  if (users.node().IsDefined() && !users.node().IsNull()) {
    users.expect_map("users");
    for (auto& [name, user] : users.entries()) {
      UserConfig parsed = parse_user(name, user);
      parsed.role = to_lower(parsed.role);
      check_role(parsed.role, user.node()["role"] ? user.node()["role"] : user.node());
      config.users.push_back(std::move(parsed));
    }
  }
  if (serve.has("token_role")) {
    config.token_role = to_lower(serve.string("token_role", kDefaultRole));
    check_role(config.token_role, serve.node()["token_role"]);
  }
}

}  // namespace

const std::vector<std::string>& mask_kind_names() {
  static const std::vector<std::string> kNames = {"email", "hash", "null", "redact"};
  return kNames;
}

std::string mask_kind_name(MaskKind kind) {
  return mask_kind_names().at(static_cast<size_t>(kind));
}

bool is_scram_verifier(const std::string& text) {
  static const std::regex kVerifier(
      "^SCRAM-SHA-256\\$[1-9][0-9]{0,8}:[A-Za-z0-9+/]+=*\\$[A-Za-z0-9+/]+=*:[A-Za-z0-9+/]+=*$");
  return std::regex_match(text, kVerifier);
}

const RoleConfig* ServeConfig::role(const std::string& name) const {
  for (const RoleConfig& role : roles) {
    if (role.name == name) return &role;
  }
  // A configuration made without parse_serve still has the built-in role.
  static const RoleConfig kReader{kDefaultRole, {"*"}, {}, false, {}};
  return name == kDefaultRole ? &kReader : nullptr;
}

const UserConfig* ServeConfig::user(const std::string& name) const {
  for (const UserConfig& user : users) {
    if (user.name == name) return &user;
  }
  return nullptr;
}

const std::vector<std::string>& query_param_type_names() {
  static const std::vector<std::string> kNames = {"integer", "number", "string",
                                                  "boolean", "date",   "timestamp"};
  return kNames;
}

std::string query_param_type_name(QueryParamType type) {
  return query_param_type_names().at(static_cast<size_t>(type));
}

ServeConfig parse_serve(const yaml::Reader& serve) {
  ServeConfig config;
  if (!serve.node().IsDefined() || serve.node().IsNull()) {
    config.roles.push_back(RoleConfig{kDefaultRole, {"*"}, {}, false, serve.where()});
    return config;
  }
  serve.expect_map("serve");
  serve.expect_keys(
      {"host", "http_host", "pg_port", "http_port", "token", "query_timeout", "http_threads",
       "cache_mb", "max_body_kb", "tls", "users", "roles", "token_role", "iceberg_rest"},
      "serve");
  config.tls = parse_tls(serve);
  parse_access(serve, config);
  config.host = serve.string("host", config.host);
  config.http_host = serve.string("http_host", config.http_host);
  config.pg_port = port(serve, "pg_port");
  config.http_port = port(serve, "http_port");
  config.token = serve.string("token", "");
  config.iceberg_rest = serve.boolean("iceberg_rest", config.iceberg_rest);
  if (serve.has("token")) config.token_where = yaml::location(serve.node()["token"], serve.file());
  const std::string timeout = serve.string("query_timeout", "");
  if (!timeout.empty()) {
    std::optional<int64_t> ms = parse_duration_ms(timeout);
    if (!ms || *ms <= 0) {
      serve.fail_at(
          serve.node()["query_timeout"],
          "'query_timeout' must be a duration such as 500ms, 30s or 5m (got '" + timeout + "')");
    }
    config.query_timeout_ms = *ms;
  }
  config.http_threads = positive(serve, "http_threads", config.http_threads, 1024);
  config.cache_bytes = positive(serve, "cache_mb", config.cache_bytes >> 20, 1 << 20) << 20;
  config.max_body_bytes = positive(serve, "max_body_kb", config.max_body_bytes >> 10, 1 << 20)
                          << 10;
  return config;
}

std::vector<NamedQueryConfig> parse_named_queries(const yaml::Reader& queries) {
  std::vector<NamedQueryConfig> out;
  if (!queries.node().IsDefined() || queries.node().IsNull()) return out;
  queries.expect_map("queries");
  static const std::regex kName("^[A-Za-z_][A-Za-z0-9_-]*$");
  for (auto& [name, query] : queries.entries()) {
    if (!std::regex_match(name, kName)) {
      query.fail("query name '" + name +
                 "' must start with a letter or underscore and contain only letters, digits, "
                 "underscores and dashes");
    }
    out.push_back(parse_query(name, query));
  }
  return out;
}

}  // namespace strata
