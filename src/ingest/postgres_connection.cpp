#include "ingest/postgres_connection.hpp"

#include <algorithm>
#include <array>
#include <thread>

#include "core/interrupt.hpp"
#include "core/log.hpp"
#include "core/text.hpp"

namespace strata::ingest::postgres {

namespace {

using engine::quote_identifier;
using engine::quote_literal;

constexpr std::string_view kRedacted = "********";

// A value quoted for a libpq keyword/value connection string.
std::string libpq_quote(std::string_view value) {
  std::string out = "'";
  for (char c : value) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  return out + "'";
}

// The value of `key` in a keyword/value connection string ("host=a port=5432 password='x y'").
std::string keyword_value(std::string_view dsn, std::string_view key) {
  size_t i = 0;
  while (i < dsn.size()) {
    while (i < dsn.size() && dsn[i] == ' ') ++i;
    const size_t equals = dsn.find('=', i);
    if (equals == std::string_view::npos) break;
    const std::string_view name = trim(dsn.substr(i, equals - i));
    i = equals + 1;
    while (i < dsn.size() && dsn[i] == ' ') ++i;
    std::string value;
    if (i < dsn.size() && dsn[i] == '\'') {
      for (++i; i < dsn.size() && dsn[i] != '\''; ++i) {
        if (dsn[i] == '\\' && i + 1 < dsn.size()) ++i;
        value += dsn[i];
      }
      ++i;
    } else {
      while (i < dsn.size() && dsn[i] != ' ') value += dsn[i++];
    }
    if (name == key) return value;
  }
  return {};
}

// Server and password of a libpq connection string, URI (postgresql://user:pw@host:port/db) or
// keyword/value form.
void describe_dsn(const std::string& dsn, Endpoint& endpoint) {
  std::string host = "localhost";
  std::string port = "5432";
  for (std::string_view scheme : {"postgresql://", "postgres://"}) {
    if (!starts_with(dsn, scheme)) continue;
    std::string_view rest = std::string_view(dsn).substr(scheme.size());
    rest = rest.substr(0, std::min(rest.find('/'), rest.find('?')));
    if (const size_t at = rest.rfind('@'); at != std::string_view::npos) {
      const std::string_view user = rest.substr(0, at);
      if (const size_t colon = user.find(':'); colon != std::string_view::npos) {
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
    endpoint.server = host + ":" + port;
    return;
  }
  if (std::string value = keyword_value(dsn, "host"); !value.empty()) host = value;
  if (std::string value = keyword_value(dsn, "port"); !value.empty()) port = value;
  endpoint.password = keyword_value(dsn, "password");
  endpoint.server = host + ":" + port;
}

}  // namespace

Endpoint endpoint_of(const DatabaseConnectionConfig& config) {
  Endpoint endpoint;
  if (!config.dsn.empty()) {
    endpoint.connection_string = expand_environment(config.dsn, config.where);
    describe_dsn(endpoint.connection_string, endpoint);
    return endpoint;
  }
  const std::string host = expand_environment(config.host, config.where);
  std::string text = "host=" + libpq_quote(host) + " port=" + std::to_string(config.port) +
                     " dbname=" + libpq_quote(expand_environment(config.database, config.where));
  if (!config.user.empty()) {
    text += " user=" + libpq_quote(expand_environment(config.user, config.where));
  }
  if (!config.password.empty()) {
    endpoint.password = expand_environment(config.password, config.where);
    text += " password=" + libpq_quote(endpoint.password);
  }
  endpoint.connection_string = text + " connect_timeout=10 application_name=strata";
  endpoint.server = host + ":" + std::to_string(config.port);
  return endpoint;
}

std::string redact(std::string message, const Endpoint& endpoint) {
  auto replace_all = [&message](const std::string& secret, std::string_view with) {
    if (secret.empty()) return;
    for (size_t at = message.find(secret); at != std::string::npos;
         at = message.find(secret, at + with.size())) {
      message.replace(at, secret.size(), with);
    }
  };
  // The whole connection string first: its quoted password differs from the raw one.
  std::string shown = endpoint.connection_string;
  if (!endpoint.password.empty()) {
    for (const std::string& form : {libpq_quote(endpoint.password), endpoint.password}) {
      for (size_t at = shown.find(form); at != std::string::npos;
           at = shown.find(form, at + kRedacted.size())) {
        shown.replace(at, form.size(), kRedacted);
      }
    }
  }
  replace_all(endpoint.connection_string, shown);
  replace_all(endpoint.password, kRedacted);
  return message;
}

bool is_connection_error(std::string_view message) {
  static constexpr std::array<std::string_view, 14> kSigns = {
      "unable to connect",
      "could not connect",
      "connection refused",
      "connection to server",
      "server closed the connection",
      "terminating connection",
      "no connection to the server",
      "could not receive data",
      "could not send data",
      "connection timed out",
      "timeout expired",
      "ssl syscall",
      "the database system is starting up",
      "the database system is shutting down",
  };
  const std::string lower = to_lower(message);
  return std::any_of(kSigns.begin(), kSigns.end(), [&lower](std::string_view sign) {
    return lower.find(sign) != std::string::npos;
  });
}

void load_extension(engine::Connection& connection) {
  try {
    connection.execute("LOAD postgres");
  } catch (const Error& e) {
    throw Error(ErrorKind::kEngine,
                "the DuckDB postgres extension cannot be loaded (scripts/setup.sh installs it): " +
                    e.message());
  }
}

Attachment::Attachment(engine::Connection& connection, std::string alias, const Endpoint& endpoint)
    : connection_(connection), alias_(std::move(alias)) {
  connection_.execute("ATTACH " + quote_literal(endpoint.connection_string) + " AS " +
                      quote_identifier(alias_) + " (TYPE postgres, READ_ONLY)");
}

Attachment::~Attachment() {
  try {
    connection_.execute("DETACH DATABASE IF EXISTS " + quote_identifier(alias_));
  } catch (const Error& e) {
    log::warn("could not detach the PostgreSQL source", {{"error", e.message()}});
  }
}

void with_retries(
    const RetryPolicy& policy, const std::function<void(int)>& attempt,
    const std::function<bool(const Error&)>& retryable,
    const std::function<void(const Error&, int, std::chrono::milliseconds)>& on_retry) {
  std::chrono::milliseconds delay = policy.first_delay;
  for (int n = 1;; ++n) {
    check_interrupt();
    try {
      attempt(n);
      return;
    } catch (const Error& e) {
      if (n >= policy.attempts || e.kind() == ErrorKind::kInterrupted || !retryable(e)) throw;
      on_retry(e, n, delay);
    }
    const auto until = std::chrono::steady_clock::now() + delay;
    while (std::chrono::steady_clock::now() < until) {
      check_interrupt();
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    delay *= 2;
  }
}

}  // namespace strata::ingest::postgres
