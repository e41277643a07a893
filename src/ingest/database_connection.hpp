// Reaching a database source (PostgreSQL, or MySQL/MariaDB) through DuckDB's scanner extension for
// it. A `Dialect` says how each kind of server is spoken to: its extension, connection string,
// quoting and pass-through query function. The connection string is built from the source's
// configuration (environment variables expanded, values quoted); the source is attached read-only
// to the engine session under a private name for one load and detached again at its end, whatever
// happens. Failures are sorted: a connection problem is retried with exponential backoff, anything
// else fails at once, and no message ever shows the password.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <string_view>

#include "core/config.hpp"
#include "engine/database.hpp"

namespace strata::ingest::database {

// The connection as the extension takes it, and what messages may show of it.
struct Endpoint {
  std::string connection_string;  // with the password: never printed
  std::string server;             // "host:port" for messages
  std::string password;           // as given, to be removed from messages
  // The parts, for clients that connect by themselves (MySQL CDC speaks the protocol itself).
  std::string host;
  int port = 0;
  std::string user;
  std::string database;
};

// libpq keyword/value form, or the URI or keyword/value form given as `dsn`.
Endpoint postgres_endpoint(const DatabaseConnectionConfig& config);
// The mysql extension's keyword/value form, or the `mysql://` URI or keyword/value `dsn`.
Endpoint mysql_endpoint(const DatabaseConnectionConfig& config);

struct Dialect {
  std::string_view product;         // for messages: "PostgreSQL", "MySQL"
  std::string_view kind;            // the source kind and lineage prefix: "postgres", "mysql"
  std::string_view extension;       // the DuckDB extension (LOAD name and ATTACH type)
  std::string_view query_function;  // runs SQL on the server: postgres_query, mysql_query
  std::string_view query_options;   // appended to the query function's arguments
  std::string_view database_query;  // SQL naming the connected database
  std::string_view default_schema;  // empty: the connected database
  Endpoint (*endpoint)(const DatabaseConnectionConfig&);
  char identifier_quote;   // '"' or '`'
  bool backslash_escapes;  // string literals need backslashes doubled

  std::string quote_identifier(std::string_view name) const;
  std::string quote_literal(std::string_view value) const;
  // A relation of the server read by the query function in the engine: `sql` runs on the server.
  std::string pass_through(const std::string& alias, const std::string& sql) const;
};

// The dialect of a database source kind ("postgres", "mysql"); kInternal for others.
const Dialect& dialect_of(const std::string& kind);

// `message` with the connection string and the password replaced by a redacted form.
std::string redact(std::string message, const Endpoint& endpoint);

// Whether an error message says the server could not be reached or the connection broke (worth
// retrying), as opposed to an error in the request itself (a missing table, a bad column).
bool is_connection_error(std::string_view message);

// Loads the dialect's extension; kEngine with the way to install it when it is missing.
void load_extension(engine::Connection& connection, const Dialect& dialect);

// The source attached as `alias` (read-only unless `read_only` is false: CDC creates its
// publication) for as long as this object lives.
class Attachment {
 public:
  Attachment(engine::Connection& connection, std::string alias, const Dialect& dialect,
             const Endpoint& endpoint, bool read_only = true);
  ~Attachment();
  Attachment(const Attachment&) = delete;
  Attachment& operator=(const Attachment&) = delete;

  const std::string& alias() const { return alias_; }

 private:
  engine::Connection& connection_;
  std::string alias_;
};

// An explicit engine transaction for as long as this object lives (rolled back unless committed):
// every statement in it reaches an attached source in one transaction of the source's own, so a
// query on the server and the rows read after it see one snapshot of the database.
class ReadTransaction {
 public:
  explicit ReadTransaction(engine::Connection& connection);
  ~ReadTransaction();
  ReadTransaction(const ReadTransaction&) = delete;
  ReadTransaction& operator=(const ReadTransaction&) = delete;

  void commit();

 private:
  engine::Connection& connection_;
  bool open_ = true;
};

struct RetryPolicy {
  int attempts = 3;
  std::chrono::milliseconds first_delay{500};  // doubled after each failed attempt
};

// Runs `attempt(n)` (n = 1, 2, ...) until it succeeds, retrying only errors for which
// `retryable` is true, after calling `on_retry(error, n, delay)`. Waits honour Ctrl-C. The last
// error is rethrown as it is.
void with_retries(
    const RetryPolicy& policy, const std::function<void(int)>& attempt,
    const std::function<bool(const Error&)>& retryable,
    const std::function<void(const Error&, int, std::chrono::milliseconds)>& on_retry);

// with_retries with the default policy for connection errors, logging each retry with the
// table and the server (never the password).
void with_connection_retries(const Dialect& dialect, const Endpoint& endpoint,
                             const std::string& table, const std::function<void(int)>& attempt);

}  // namespace strata::ingest::database
