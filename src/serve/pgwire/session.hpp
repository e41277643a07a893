// One client connection speaking PostgreSQL protocol 3.0: the startup exchange (TLS when the
// server has a certificate, GSS encryption declined; SCRAM-SHA-256 authentication when users are
// declared, else trust; the parameter statuses clients expect, a cancel key), statements checked
// and masked for the user's role (serve/auth/query_guard.hpp),
// then the simple query protocol and the extended protocol (named and unnamed statements and
// portals, Describe, Execute with row limits, Sync, Flush, Close), each statement run on the
// session's own DuckDB connection. Errors become ErrorResponses and the session goes on; a
// malformed message or a vanished client ends only this session. run() never throws: it is the
// body of the session's thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "core/error.hpp"
#include "engine/database.hpp"
#include "serve/auth/access_control.hpp"
#include "serve/auth/tls.hpp"
#include "serve/lake_sync.hpp"
#include "serve/pgwire/backend_messages.hpp"
#include "serve/pgwire/compatibility.hpp"
#include "serve/pgwire/frame_decoder.hpp"
#include "serve/pgwire/frontend_messages.hpp"
#include "serve/pgwire/message_buffer.hpp"
#include "serve/pgwire/portal.hpp"
#include "serve/pgwire/session_registry.hpp"
#include "serve/pgwire/socket.hpp"
#include "serve/query_watchdog.hpp"

namespace strata::serve::pgwire {

struct SessionOptions {
  size_t max_message_bytes = 64 * 1024 * 1024;
  ServerIdentity identity;
  // Called before a statement starts outside a transaction block, so that tables committed while
  // the server runs become visible (serve/lake_sync.hpp); may be empty.
  std::function<void()> refresh_lake;
  // Statements running longer are interrupted (SQLSTATE 57014); none when 0 or no watchdog.
  QueryWatchdog* watchdog = nullptr;
  std::chrono::milliseconds statement_timeout{0};
  // TLS on SSLRequest when set; `tls_required` refuses clients that do not ask for it.
  const auth::TlsContext* tls = nullptr;
  bool tls_required = false;
  // Users and roles; none (or no users declared): trust, and statements run unrestricted.
  auth::AccessControl* access = nullptr;
  // The lake as attached now, for the role's checks and masks.
  std::function<std::shared_ptr<const LakeState>()> lake_state;
};

class Session {
 public:
  Session(Socket socket, const engine::Database& database, SessionRegistry& registry,
          SessionOptions options);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // Serves the client until it leaves or the server shuts down. Never throws.
  void run() noexcept;

 private:
  Socket socket_;
  const engine::Database& database_;
  SessionRegistry& registry_;
  SessionOptions options_;
  std::shared_ptr<SessionSlot> slot_;
  std::string peer_;
  std::unique_ptr<engine::Connection> connection_;
  FrameDecoder decoder_;
  MessageWriter out_;
  std::map<std::string, std::string> parameters_;  // reported with ParameterStatus
  std::string user_;
  std::string database_name_;
  const RoleConfig* role_ = nullptr;  // null: trusted, unrestricted
  // The lake state whose unreadable tables the connection's catalog hides, once set.
  std::optional<uint64_t> catalog_visibility_version_;

  std::map<std::string, std::shared_ptr<PreparedQuery>> statements_;
  std::map<std::string, std::unique_ptr<Portal>> portals_;
  Portal* streaming_portal_ = nullptr;  // the portal whose DuckDB result is open
  char transaction_status_ = 'I';
  bool skip_until_sync_ = false;
  bool terminated_ = false;
  bool client_gone_ = false;
  std::string last_sql_;  // of the statement prepared or executed last, for log lines

  // Startup: false when the connection ends there (a cancel request, a refused startup).
  bool start_up();
  void greet(const StartupPacket& startup);
  // SSLRequest: 'S' and the TLS handshake, or 'N'.
  void answer_ssl_request();
  // SCRAM-SHA-256 when users are declared; throws SqlError 28P01 when it fails.
  void authenticate();
  Frame read_password_message();
  // Refuses or masks the statement for the session's role (nothing for trusted sessions).
  void apply_role(StatementPlan& plan);
  std::string guarded_select(const std::string& sql);
  // Hides the lake tables the role may not read from the catalog, when the lake changed.
  void sync_catalog_visibility(const LakeState& state);
  void serve_messages();
  void dispatch(const Frame& frame);

  // I/O
  std::optional<Frame> read_frame();
  void flush();
  void send_error(const ErrorFields& error);
  // Sends an ErrorResponse for `error` (logging failed catalog queries); rethrows when the
  // client is gone.
  void report(const Error& error, const std::string& sql);
  static ErrorFields shutdown_error();
  // Runs an extended-protocol handler; an error is reported and skips messages up to Sync.
  template <typename Handler>
  void guarded(Handler&& handler) {
    try {
      handler();
    } catch (const Error& e) {
      report(e, last_sql_);
      skip_until_sync_ = true;
    }
  }

  // Simple query protocol.
  void on_query(const std::string& text);
  void refresh_lake_if_idle();
  // Extended protocol.
  void on_parse(const ParseMessage& message);
  void on_bind(const BindMessage& message);
  void on_describe(const DescribeMessage& message);
  void on_execute(const ExecuteMessage& message);
  void on_close(const CloseMessage& message);
  void on_sync();

  // Statement execution shared by both protocols.
  std::shared_ptr<PreparedQuery> prepare(const std::string& sql,
                                         const std::vector<uint32_t>& declared);
  // Runs a portal's statement and sends its rows (after a RowDescription when `describe`) and
  // its completion; true if it was suspended at `max_rows`.
  bool execute_portal(Portal& portal, uint64_t max_rows, bool describe);
  // Runs `body` under the statement timeout: an interruption by the timeout becomes SQLSTATE
  // 57014 "canceling statement due to statement timeout".
  template <typename Body>
  auto with_statement_timeout(Body&& body) {
    std::unique_ptr<QueryWatchdog::Watch> watch;
    if (options_.watchdog && options_.statement_timeout.count() > 0) {
      watch = options_.watchdog->watch(*connection_, options_.statement_timeout);
    }
    try {
      return body();
    } catch (const Error&) {
      if (watch && watch->expired()) throw_statement_timeout();
      throw;
    }
  }
  [[noreturn]] static void throw_statement_timeout();
  void park_streaming_portal();
  void drop_portal(const std::string& name);
  void write_row_description(const std::vector<ResultColumn>& columns);
};

}  // namespace strata::serve::pgwire
