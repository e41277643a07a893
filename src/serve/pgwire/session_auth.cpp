// The security side of a PostgreSQL session: TLS on SSLRequest, SCRAM-SHA-256 authentication in
// PostgreSQL's SASL message flow (AuthenticationSASL, SASLInitialResponse,
// AuthenticationSASLContinue, SASLResponse, AuthenticationSASLFinal), and the role's checks and
// masks on every statement, and a catalog that lists only the lake tables the role reads.
#include <set>

#include "core/log.hpp"
#include "serve/auth/query_guard.hpp"
#include "serve/auth/scram.hpp"
#include "serve/pgwire/session.hpp"
#include "serve/pgwire/sql_error.hpp"

namespace strata::serve::pgwire {

namespace {

constexpr int32_t kAuthenticationSasl = 10;
constexpr int32_t kAuthenticationSaslContinue = 11;
constexpr int32_t kAuthenticationSaslFinal = 12;
constexpr const char* kMechanism = "SCRAM-SHA-256";

void write_authentication(MessageWriter& out, int32_t code, std::string_view data) {
  out.begin(backend::kAuthentication);
  out.int32(code);
  out.bytes(data);
  out.end();
}

}  // namespace

void Session::answer_ssl_request() {
  if (!options_.tls || socket_.encrypted()) {
    socket_.write_all("N");  // the client goes on in plain text or stops
    return;
  }
  // Bytes sent after the SSLRequest but before the handshake would be read as if they came
  // through TLS: a client does not do that, an attacker injecting plain text might.
  if (decoder_.buffered_bytes() > 0) {
    throw SqlError(sqlstate::kProtocolViolation, "received unencrypted data after SSL request");
  }
  socket_.write_all("S");
  socket_.start_tls(*options_.tls);
}

Frame Session::read_password_message() {
  std::optional<Frame> frame = read_frame();
  if (!frame) throw Error(ErrorKind::kStorage, "the client left during authentication");
  if (frame->type != 'p') {
    throw SqlError(
        sqlstate::kProtocolViolation,
        "expected a SASL response message, got message type '" + std::string(1, frame->type) + "'");
  }
  return std::move(*frame);
}

void Session::authenticate() {
  auth::AccessControl* access = options_.access;
  if (!access || !access->authentication_required()) return;  // trust
  decoder_.set_startup_phase(false);
  std::string mechanisms(kMechanism);
  mechanisms.append(1, '\0').append(1, '\0');  // the list ends with an empty name
  write_authentication(out_, kAuthenticationSasl, mechanisms);
  flush();

  const Frame initial = read_password_message();
  MessageReader reader(initial.body, "SASLInitialResponse message");
  const std::string mechanism(reader.cstring());
  const int32_t length = reader.int32();
  const std::string client_first(length < 0 ? std::string_view()
                                            : reader.bytes(static_cast<size_t>(length)));
  reader.expect_end();
  if (mechanism != kMechanism) {
    throw SqlError(sqlstate::kProtocolViolation,
                   "client selected an invalid SASL authentication mechanism");
  }
  auth::ScramExchange exchange(access->verifier(user_), user_);
  std::optional<std::string> server_final;
  try {
    write_authentication(out_, kAuthenticationSaslContinue, exchange.server_first(client_first));
    flush();
    const Frame response = read_password_message();
    server_final = exchange.server_final(response.body);
  } catch (const SqlError&) {
    throw;
  } catch (const Error& e) {
    if (e.kind() == ErrorKind::kStorage) throw;
    throw SqlError(sqlstate::kProtocolViolation, e.message());
  }
  if (!server_final) {
    log::warn("pgwire password authentication failed", {{"client", peer_}, {"user", user_}});
    throw SqlError(sqlstate::kInvalidPassword,
                   "password authentication failed for user \"" + user_ + "\"");
  }
  write_authentication(out_, kAuthenticationSaslFinal, *server_final);
  role_ = access->role_of(user_);
}

void Session::apply_role(StatementPlan& plan) {
  if (!role_ || role_->admin || plan.local_tag || plan.sql.empty()) return;
  static const std::set<std::string> kTransactionControl = {"BEGIN", "START",    "COMMIT",
                                                            "END",   "ROLLBACK", "ABORT"};
  const std::string first = plan.keywords.empty() ? std::string() : plan.keywords[0];
  if (kTransactionControl.contains(first)) return;
  if (first == "SET" && plan.sql.starts_with("SET search_path = ")) return;
  plan.sql = guarded_select(plan.sql);
}

std::string Session::guarded_select(const std::string& sql) {
  if (!role_ || role_->admin) return sql;
  std::shared_ptr<const LakeState> state =
      options_.lake_state ? options_.lake_state() : std::make_shared<const LakeState>();
  sync_catalog_visibility(*state);
  auth::GuardedQuery guarded = auth::guard_query(*connection_, sql, *role_, *state, true);
  if (guarded.denied) throw SqlError(sqlstate::kInsufficientPrivilege, *guarded.denied);
  return guarded.sql;
}

void Session::sync_catalog_visibility(const LakeState& state) {
  if (catalog_visibility_version_ == state.version) return;
  std::vector<std::string> hidden;
  for (const auto& [key, table] : state.tables) {
    if (!auth::may_read(*role_, table.name.space, table.name.name)) hidden.push_back(key);
  }
  set_hidden_relations(*connection_, hidden);
  catalog_visibility_version_ = state.version;
}

}  // namespace strata::serve::pgwire
