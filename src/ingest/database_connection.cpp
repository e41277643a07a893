#include "ingest/database_connection.hpp"

#include <algorithm>
#include <array>
#include <thread>

#include "core/interrupt.hpp"
#include "core/log.hpp"
#include "core/text.hpp"

namespace strata::ingest::database {

namespace {

constexpr Dialect kPostgres{"PostgreSQL", "postgres",
                            "postgres",   "postgres_query",
                            "",           "SELECT current_database()",
                            "public",     &postgres_endpoint,
                            '"',          false};
// Results stream from the server (mysql_use_result) instead of being buffered whole by the client.
constexpr Dialect kMysql{
    "MySQL", "mysql",         "mysql", "mysql_query", ", stream_results=TRUE", "SELECT DATABASE()",
    "",      &mysql_endpoint, '`',     true};

}  // namespace

const Dialect& dialect_of(const std::string& kind) {
  if (kind == "postgres") return kPostgres;
  if (kind == "mysql") return kMysql;
  throw Error(ErrorKind::kInternal, "'" + kind + "' is not a database source kind");
}

std::string Dialect::quote_identifier(std::string_view name) const {
  std::string out(1, identifier_quote);
  for (char c : name) {
    if (c == identifier_quote) out += c;
    out += c;
  }
  return out + identifier_quote;
}

std::string Dialect::quote_literal(std::string_view value) const {
  std::string out = "'";
  for (char c : value) {
    if (c == '\'' || (backslash_escapes && c == '\\')) out += c;
    out += c;
  }
  return out + "'";
}

std::string Dialect::pass_through(const std::string& alias, const std::string& sql) const {
  return std::string(query_function) + "(" + engine::quote_literal(alias) + ", " +
         engine::quote_literal(sql) + std::string(query_options) + ")";
}

bool is_connection_error(std::string_view message) {
  static constexpr std::array<std::string_view, 20> kSigns = {
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
      // MySQL / MariaDB (client library and extension wording)
      "failed to connect to mysql",
      "can't connect to",
      "lost connection to",
      "server has gone away",
      "connection was killed",
      "too many connections",
  };
  const std::string lower = to_lower(message);
  return std::any_of(kSigns.begin(), kSigns.end(), [&lower](std::string_view sign) {
    return lower.find(sign) != std::string::npos;
  });
}

void load_extension(engine::Connection& connection, const Dialect& dialect) {
  const std::string name(dialect.extension);
  try {
    connection.execute("LOAD " + name);
  } catch (const Error& e) {
    throw Error(ErrorKind::kEngine, "the DuckDB " + name +
                                        " extension cannot be loaded (scripts/setup.sh installs "
                                        "it): " +
                                        e.message());
  }
  if (dialect.kind == "mysql") {
    // MySQL TIMESTAMP values are shown in the session's time zone: make it UTC, whatever the
    // server's default, so loads are reproducible (DATETIME values are not converted).
    connection.execute("SET mysql_session_time_zone = '+00:00'");
  }
}

Attachment::Attachment(engine::Connection& connection, std::string alias, const Dialect& dialect,
                       const Endpoint& endpoint, bool read_only)
    : connection_(connection), alias_(std::move(alias)) {
  connection_.execute("ATTACH " + engine::quote_literal(endpoint.connection_string) + " AS " +
                      engine::quote_identifier(alias_) + " (TYPE " +
                      std::string(dialect.extension) + (read_only ? ", READ_ONLY)" : ")"));
}

Attachment::~Attachment() {
  try {
    connection_.execute("DETACH DATABASE IF EXISTS " + engine::quote_identifier(alias_));
  } catch (const Error& e) {
    log::warn("could not detach a database source", {{"error", e.message()}});
  }
}

ReadTransaction::ReadTransaction(engine::Connection& connection) : connection_(connection) {
  connection_.execute("BEGIN TRANSACTION");
}

ReadTransaction::~ReadTransaction() {
  if (!open_) return;
  try {
    connection_.execute("ROLLBACK");
  } catch (const Error& e) {
    log::warn("could not end a read transaction", {{"error", e.message()}});
  }
}

void ReadTransaction::commit() {
  open_ = false;
  connection_.execute("COMMIT");
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

void with_connection_retries(const Dialect& dialect, const Endpoint& endpoint,
                             const std::string& table, const std::function<void(int)>& attempt) {
  with_retries(
      RetryPolicy{}, attempt, [](const Error& e) { return is_connection_error(e.message()); },
      [&](const Error& e, int n, std::chrono::milliseconds delay) {
        log::warn(std::string(dialect.product) + " connection failed; retrying",
                  {{"table", table},
                   {"server", endpoint.server},
                   {"attempt", n},
                   {"retry_in_ms", delay.count()},
                   {"error", redact(e.message(), endpoint)}});
      });
}

}  // namespace strata::ingest::database
