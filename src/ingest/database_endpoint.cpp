// Connection strings of database sources: built from the parts in `connection:` (each value
// quoted the way the client library reads it) or taken from `dsn`, and described for messages
// (server and password) whichever form was used.
#include <algorithm>
#include <cstdlib>
#include <initializer_list>

#include "core/text.hpp"
#include "ingest/database_connection.hpp"

namespace strata::ingest::database {

namespace {

// `value` between `quote`s, with backslashes and the quote escaped by a backslash (the rule both
// libpq ('...') and the mysql extension ("...") follow).
std::string quote_value(std::string_view value, char quote) {
  std::string out(1, quote);
  for (char c : value) {
    if (c == quote || c == '\\') out += '\\';
    out += c;
  }
  return out + quote;
}

// The value of `key` in a keyword/value connection string ("host=a port=5432 password='x y'").
std::string keyword_value(std::string_view dsn, std::initializer_list<std::string_view> keys) {
  size_t i = 0;
  std::string found;
  while (i < dsn.size()) {
    while (i < dsn.size() && dsn[i] == ' ') ++i;
    const size_t equals = dsn.find('=', i);
    if (equals == std::string_view::npos) break;
    const std::string name = to_lower(trim(dsn.substr(i, equals - i)));
    i = equals + 1;
    while (i < dsn.size() && dsn[i] == ' ') ++i;
    std::string value;
    if (i < dsn.size() && (dsn[i] == '\'' || dsn[i] == '"')) {
      const char quote = dsn[i];
      for (++i; i < dsn.size() && dsn[i] != quote; ++i) {
        if (dsn[i] == '\\' && i + 1 < dsn.size()) ++i;
        value += dsn[i];
      }
      ++i;
    } else {
      while (i < dsn.size() && dsn[i] != ' ') value += dsn[i++];
    }
    if (std::find(keys.begin(), keys.end(), name) != keys.end()) found = value;
  }
  return found;
}

void set_server(Endpoint& endpoint, const std::string& host, const std::string& port) {
  endpoint.server = host + ":" + port;
  endpoint.host = host;
  endpoint.port = std::atoi(port.c_str());
}

// Server and password of a DSN: a URI (scheme://user:pw@host:port/db) or keyword/value pairs.
void describe_dsn(const std::string& dsn, std::initializer_list<std::string_view> schemes,
                  std::string_view default_port, Endpoint& endpoint) {
  std::string host = "localhost";
  std::string port(default_port);
  for (std::string_view scheme : schemes) {
    if (!starts_with(dsn, scheme)) continue;
    std::string_view rest = std::string_view(dsn).substr(scheme.size());
    const size_t path = std::min(rest.find('/'), rest.find('?'));
    if (path < rest.size() && rest[path] == '/') {
      const std::string_view tail = rest.substr(path + 1);
      endpoint.database = std::string(tail.substr(0, tail.find('?')));
    }
    rest = rest.substr(0, path);
    if (const size_t at = rest.rfind('@'); at != std::string_view::npos) {
      const std::string_view user = rest.substr(0, at);
      const size_t colon = user.find(':');
      endpoint.user = std::string(user.substr(0, colon));
      if (colon != std::string_view::npos) {
        endpoint.password = std::string(user.substr(colon + 1));
      }
      rest = rest.substr(at + 1);
    }
    const size_t colon = rest.rfind(':');
    if (colon != std::string_view::npos && rest.find(']', colon) == std::string_view::npos) {
      port = std::string(rest.substr(colon + 1));
      rest = rest.substr(0, colon);
    }
    if (!rest.empty()) host = std::string(rest);
    set_server(endpoint, host, port);
    return;
  }
  if (std::string value = keyword_value(dsn, {"host"}); !value.empty()) host = value;
  if (std::string value = keyword_value(dsn, {"port"}); !value.empty()) port = value;
  endpoint.password = keyword_value(dsn, {"password", "passwd"});
  endpoint.user = keyword_value(dsn, {"user"});
  endpoint.database = keyword_value(dsn, {"database", "dbname", "db"});
  set_server(endpoint, host, port);
}

// The keyword/value string of the configured parts, each value quoted with `quote`.
Endpoint from_parts(const DatabaseConnectionConfig& config, char quote,
                    std::string_view database_key, std::string_view extra) {
  auto expand = [&config](const std::string& text) {
    return expand_environment(text, config.where);
  };
  Endpoint endpoint;
  const std::string host = expand(config.host);
  std::string text = "host=" + quote_value(host, quote) + " port=" + std::to_string(config.port) +
                     " " + std::string(database_key) + "=" +
                     quote_value(expand(config.database), quote);
  endpoint.user = expand(config.user);
  endpoint.database = expand(config.database);
  endpoint.host = host;
  endpoint.port = static_cast<int>(config.port);
  if (!config.user.empty()) text += " user=" + quote_value(endpoint.user, quote);
  if (!config.password.empty()) {
    endpoint.password = expand(config.password);
    text += " password=" + quote_value(endpoint.password, quote);
  }
  endpoint.connection_string = text + std::string(extra);
  endpoint.server = host + ":" + std::to_string(config.port);
  return endpoint;
}

}  // namespace

Endpoint postgres_endpoint(const DatabaseConnectionConfig& config) {
  if (config.dsn.empty()) {
    return from_parts(config, '\'', "dbname", " connect_timeout=10 application_name=strata");
  }
  Endpoint endpoint;
  endpoint.connection_string = expand_environment(config.dsn, config.where);
  describe_dsn(endpoint.connection_string, {"postgresql://", "postgres://"}, "5432", endpoint);
  return endpoint;
}

Endpoint mysql_endpoint(const DatabaseConnectionConfig& config) {
  if (config.dsn.empty()) return from_parts(config, '"', "database", "");
  Endpoint endpoint;
  endpoint.connection_string = expand_environment(config.dsn, config.where);
  describe_dsn(endpoint.connection_string, {"mysql://", "mariadb://"}, "3306", endpoint);
  if (starts_with(endpoint.connection_string, "mariadb://")) {
    endpoint.connection_string.replace(0, 7, "mysql");  // the extension knows only mysql://
  }
  return endpoint;
}

std::string redact(std::string message, const Endpoint& endpoint) {
  constexpr std::string_view kRedacted = "********";
  auto replace_all = [](std::string& text, const std::string& secret, std::string_view with) {
    if (secret.empty()) return;
    for (size_t at = text.find(secret); at != std::string::npos;
         at = text.find(secret, at + with.size())) {
      text.replace(at, secret.size(), with);
    }
  };
  // The whole connection string first: its quoted password differs from the raw one.
  std::string shown = endpoint.connection_string;
  if (!endpoint.password.empty()) {
    for (const std::string& form : {quote_value(endpoint.password, '\''),
                                    quote_value(endpoint.password, '"'), endpoint.password}) {
      replace_all(shown, form, kRedacted);
    }
  }
  replace_all(message, endpoint.connection_string, shown);
  replace_all(message, endpoint.password, kRedacted);
  return message;
}

}  // namespace strata::ingest::database
