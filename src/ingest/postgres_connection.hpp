// Reaching a PostgreSQL source through DuckDB's postgres extension. The libpq connection string is
// built from the source's configuration (environment variables expanded, values quoted); the
// source is attached read-only to the engine session under a private name for one load and
// detached again at its end, whatever happens. Failures are sorted: a connection problem is retried
// with exponential backoff, anything else fails at once, and no message ever shows the password.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <string_view>

#include "core/config.hpp"
#include "engine/database.hpp"

namespace strata::ingest::postgres {

// The connection as libpq takes it, and what messages may show of it.
struct Endpoint {
  std::string connection_string;  // with the password: never printed
  std::string server;             // "host:port" for messages
  std::string password;           // as given, to be removed from messages
};

// Expands ${VARIABLES} (kConfig when one is unset) and quotes every value for libpq.
Endpoint endpoint_of(const DatabaseConnectionConfig& config);

// `message` with the connection string and the password replaced by a redacted form.
std::string redact(std::string message, const Endpoint& endpoint);

// Whether an error message says the server could not be reached or the connection broke (worth
// retrying), as opposed to an error in the request itself (a missing table, a bad column).
bool is_connection_error(std::string_view message);

// Loads the postgres extension; kEngine with the way to install it when it is missing.
void load_extension(engine::Connection& connection);

// The source attached read-only as `alias` for as long as this object lives.
class Attachment {
 public:
  Attachment(engine::Connection& connection, std::string alias, const Endpoint& endpoint);
  ~Attachment();
  Attachment(const Attachment&) = delete;
  Attachment& operator=(const Attachment&) = delete;

  const std::string& alias() const { return alias_; }

 private:
  engine::Connection& connection_;
  std::string alias_;
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

}  // namespace strata::ingest::postgres
