#include "serve/pgwire/session.hpp"

#include "serve/pgwire/copy_out.hpp"

#include "core/log.hpp"
#include "serve/pgwire/backend_messages.hpp"
#include "serve/pgwire/sql_error.hpp"
#include "serve/pgwire/sql_text.hpp"

namespace strata::serve::pgwire {

namespace {

constexpr size_t kReadChunkBytes = 64 * 1024;

}  // namespace

Session::Session(Socket socket, const engine::Database& database, SessionRegistry& registry,
                 SessionOptions options)
    : socket_(std::move(socket)),
      database_(database),
      registry_(registry),
      options_(std::move(options)),
      slot_(registry_.add()),
      peer_(socket_.peer_name()),
      decoder_(options_.max_message_bytes) {
  slot_->publish_socket(socket_.fd());
}

Session::~Session() {
  streaming_portal_ = nullptr;
  portals_.clear();
  statements_.clear();
  {
    std::lock_guard lock(slot_->mutex);
    slot_->connection = nullptr;
    slot_->socket_fd = -1;
  }
  connection_.reset();
  registry_.remove(*slot_);
}

void Session::run() noexcept {
  try {
    if (!start_up()) return;
    serve_messages();
    if (slot_->is_stopping() && !terminated_) {
      send_error(shutdown_error());
      flush();
    }
    log::info("pgwire client disconnected", {{"client", peer_}, {"pid", slot_->process_id}});
  } catch (const Error& e) {
    if (client_gone_ || e.kind() == ErrorKind::kStorage) {
      log::info("pgwire client went away", {{"client", peer_}, {"pid", slot_->process_id}});
      return;
    }
    // A malformed message: the stream cannot be trusted any more, so the session ends.
    log::warn("pgwire connection closed: " + e.message(),
              {{"client", peer_}, {"pid", slot_->process_id}});
    try {
      ErrorFields fatal = error_fields(e);
      fatal.severity = "FATAL";
      if (!dynamic_cast<const SqlError*>(&e)) fatal.sqlstate = sqlstate::kProtocolViolation;
      send_error(fatal);
      flush();
    } catch (...) {
      // The client may be gone too; nothing more to tell it.
    }
  } catch (const std::exception& e) {
    log::error("pgwire session failed: " + std::string(e.what()), {{"client", peer_}});
  } catch (...) {
    log::error("pgwire session failed", {{"client", peer_}});
  }
}

// ---- I/O ------------------------------------------------------------------------------------

std::optional<Frame> Session::read_frame() {
  while (true) {
    if (auto frame = decoder_.next()) return frame;
    flush();
    char buffer[kReadChunkBytes];
    const size_t count = socket_.read_some(buffer, sizeof buffer);
    if (count == 0) return std::nullopt;
    decoder_.feed({buffer, count});
  }
}

void Session::flush() {
  if (out_.size() == 0) return;
  try {
    socket_.write_all(out_.buffer());
  } catch (const Error&) {
    client_gone_ = true;
    throw;
  }
  out_.clear();
}

void Session::send_error(const ErrorFields& error) {
  write_error(out_, error);
}

// ---- startup --------------------------------------------------------------------------------

bool Session::start_up() {
  while (true) {
    std::optional<Frame> frame = read_frame();
    if (!frame) return false;
    const StartupPacket packet = decode_startup_packet(frame->body);
    switch (packet.kind) {
      case StartupPacket::Kind::kSslRequest:
        answer_ssl_request();
        continue;
      case StartupPacket::Kind::kGssEncRequest:
        socket_.write_all("N");  // no GSS encryption: the client goes on without or stops
        continue;
      case StartupPacket::Kind::kCancel: {
        const bool found = registry_.cancel(packet.process_id, packet.secret_key);
        log::info(found ? "pgwire cancel request" : "pgwire cancel request for no session",
                  {{"pid", packet.process_id}});
        return false;
      }
      case StartupPacket::Kind::kStartup:
        break;
    }
    if ((packet.protocol >> 16) != 3) {
      throw SqlError(sqlstate::kFeatureNotSupported,
                     "unsupported frontend protocol " + std::to_string(packet.protocol >> 16) +
                         "." + std::to_string(packet.protocol & 0xffff) + ": server supports 3.0");
    }
    user_ = packet.option("user");
    if (user_.empty()) {
      throw SqlError(sqlstate::kInvalidAuthorization,
                     "no PostgreSQL user name specified in startup packet");
    }
    if (options_.tls_required && !socket_.encrypted()) {
      throw SqlError(sqlstate::kInvalidAuthorization,
                     "this server requires TLS: connect with sslmode=require");
    }
    authenticate();
    greet(packet);
    return true;
  }
}

void Session::greet(const StartupPacket& startup) {
  database_name_ = startup.option("database");
  if (database_name_.empty()) database_name_ = user_;
  // Newer clients may ask for a later minor version or protocol options: offer 3.0 without them.
  std::vector<std::string> unsupported;
  for (const auto& [name, value] : startup.options) {
    if (name.starts_with("_pq_.")) unsupported.push_back(name);
  }
  if ((startup.protocol & 0xffff) != 0 || !unsupported.empty()) {
    write_negotiate_protocol_version(out_, 0, unsupported);
  }

  connection_ = std::make_unique<engine::Connection>(database_.connect());
  {
    std::lock_guard lock(slot_->mutex);
    slot_->connection = connection_.get();
  }
  decoder_.set_startup_phase(false);

  write_authentication_ok(out_);
  parameters_ = {
      {"server_version", options_.identity.server_version},
      {"server_encoding", "UTF8"},
      {"client_encoding", "UTF8"},
      {"DateStyle", "ISO, MDY"},
      {"IntervalStyle", "postgres"},
      {"TimeZone", "UTC"},
      {"integer_datetimes", "on"},
      {"standard_conforming_strings", "on"},
      {"is_superuser", !role_ || role_->admin ? "on" : "off"},
      {"session_authorization", user_},
      {"application_name", startup.option("application_name")},
  };
  for (const auto& [name, value] : parameters_) write_parameter_status(out_, name, value);
  write_backend_key_data(out_, slot_->process_id, slot_->secret_key);
  write_ready_for_query(out_, transaction_status_);
  flush();
  log::info("pgwire client connected", {{"client", peer_},
                                        {"pid", slot_->process_id},
                                        {"user", user_},
                                        {"role", role_ ? role_->name : "(trusted)"},
                                        {"tls", socket_.encrypted() ? "on" : "off"},
                                        {"database", database_name_},
                                        {"application", parameters_["application_name"]}});
}

// ---- message loop ---------------------------------------------------------------------------

void Session::serve_messages() {
  while (!terminated_) {
    std::optional<Frame> frame = read_frame();
    if (!frame) return;
    dispatch(*frame);
  }
}

void Session::dispatch(const Frame& frame) {
  // After an error in the extended protocol everything up to the next Sync is skipped.
  if (skip_until_sync_ && frame.type != 'S' && frame.type != 'X') return;
  switch (frame.type) {
    case 'Q':
      on_query(decode_query(frame.body));
      return;
    case 'P':
      return guarded([&, message = decode_parse(frame.body)] { on_parse(message); });
    case 'B':
      return guarded([&, message = decode_bind(frame.body)] { on_bind(message); });
    case 'D':
      return guarded([&, message = decode_describe(frame.body)] { on_describe(message); });
    case 'E':
      return guarded([&, message = decode_execute(frame.body)] { on_execute(message); });
    case 'C':
      return guarded([&, message = decode_close(frame.body)] { on_close(message); });
    case 'S':
      return on_sync();
    case 'H':
      return flush();
    case 'X':
      terminated_ = true;
      return;
    case 'F':
      return guarded([] {
        throw SqlError(sqlstate::kFeatureNotSupported,
                       "the function call protocol is not supported");
      });
    case 'd':
    case 'c':
    case 'f':
      return;  // COPY messages outside COPY: ignored, as PostgreSQL does
    default:
      throw Error(ErrorKind::kInput,
                  "unexpected message type '" + std::string(1, frame.type) + "' after startup");
  }
}

void Session::throw_statement_timeout() {
  throw SqlError(sqlstate::kQueryCanceled, "canceling statement due to statement timeout");
}

ErrorFields Session::shutdown_error() {
  ErrorFields fields;
  fields.severity = "FATAL";
  fields.sqlstate = sqlstate::kAdminShutdown;
  fields.message = "terminating connection due to administrator command";
  return fields;
}

void Session::report(const Error& error, const std::string& sql) {
  if (client_gone_) throw error;
  if (slot_->is_stopping()) {
    // The server interrupted this statement to shut down: the session ends here.
    send_error(shutdown_error());
    terminated_ = true;
    return;
  }
  ErrorFields fields = error_fields(error);
  if (!sql.empty() && is_catalog_query(sql)) {
    log::warn("catalog query strata cannot answer yet",
              {{"client", peer_}, {"sql", sql}, {"error", fields.message}});
  }
  send_error(fields);
  if (transaction_status_ == 'T') transaction_status_ = 'E';
}

// ---- simple query ---------------------------------------------------------------------------

void Session::refresh_lake_if_idle() {
  if (transaction_status_ == 'I' && options_.refresh_lake) options_.refresh_lake();
}

void Session::on_query(const std::string& text) {
  // A simple Query discards the unnamed statement and portal.
  statements_.erase("");
  drop_portal("");
  const std::vector<std::string> statements = split_statements(text);
  if (statements.empty()) out_.empty_message(backend::kEmptyQueryResponse);
  for (const std::string& sql : statements) {
    try {
      refresh_lake_if_idle();
      if (std::optional<CopyOutPlan> copy = parse_copy_to_stdout(sql)) {
        park_streaming_portal();
        copy->query = guarded_select(copy->query);
        const uint64_t rows = with_statement_timeout(
            [&] { return run_copy_out(*connection_, *copy, out_, [this] { flush(); }); });
        write_command_complete(out_, "COPY " + std::to_string(rows));
        continue;
      }
      Portal portal(prepare(sql, {}), {}, {});
      try {
        with_statement_timeout([&] { return execute_portal(portal, 0, true); });
      } catch (...) {
        if (streaming_portal_ == &portal) streaming_portal_ = nullptr;
        throw;
      }
    } catch (const Error& e) {
      report(e, sql);
      break;
    }
  }
  if (!terminated_) write_ready_for_query(out_, transaction_status_);
  flush();
}

// ---- shared execution -----------------------------------------------------------------------

std::shared_ptr<PreparedQuery> Session::prepare(const std::string& sql,
                                                const std::vector<uint32_t>& declared) {
  StatementPlan plan = plan_statement(sql, parameters_);
  park_streaming_portal();
  apply_role(plan);
  return prepare_query(*connection_, std::move(plan), declared);
}

void Session::park_streaming_portal() {
  if (!streaming_portal_) return;
  Portal* portal = std::exchange(streaming_portal_, nullptr);
  portal->park();
}

bool Session::execute_portal(Portal& portal, uint64_t max_rows, bool describe) {
  if (portal.query().empty()) {
    out_.empty_message(backend::kEmptyQueryResponse);
    return false;
  }
  if (!portal.started()) {
    park_streaming_portal();
    portal.start();
  }
  if (portal.streaming()) streaming_portal_ = &portal;
  if (describe && portal.query().returns_rows) write_row_description(portal.columns());
  const bool suspended = portal.write_rows(out_, max_rows, [this] { flush(); });
  if (!portal.streaming() && streaming_portal_ == &portal) streaming_portal_ = nullptr;
  if (suspended) {
    out_.empty_message(backend::kPortalSuspended);
    return true;
  }
  write_command_complete(out_, portal.completion_tag());
  const PreparedQuery& query = portal.query();
  switch (transaction_effect(query.plan.keywords)) {
    case TransactionEffect::kBegin:
      transaction_status_ = 'T';
      break;
    case TransactionEffect::kEnd:
      transaction_status_ = 'I';
      break;
    case TransactionEffect::kNone:
      break;
  }
  if (query.plan.parameter_change) {
    const auto& [name, value] = *query.plan.parameter_change;
    parameters_[name] = value;
    write_parameter_status(out_, name, value);
  }
  return false;
}

void Session::write_row_description(const std::vector<ResultColumn>& columns) {
  std::vector<FieldDescription> fields;
  fields.reserve(columns.size());
  for (const ResultColumn& column : columns) {
    FieldDescription field;
    field.name = column.name;
    field.type_oid = column.type.pg_oid;
    field.type_size = type_length(column.type.pg_oid);
    field.type_modifier = column.type.pg_modifier;
    field.format = column.format;
    fields.push_back(std::move(field));
  }
  pgwire::write_row_description(out_, fields);
}

void Session::drop_portal(const std::string& name) {
  auto found = portals_.find(name);
  if (found == portals_.end()) return;
  if (streaming_portal_ == found->second.get()) streaming_portal_ = nullptr;
  portals_.erase(found);
}

}  // namespace strata::serve::pgwire
