// The extended query protocol of Session: Parse, Bind, Describe, Execute, Close and Sync.
#include "serve/pgwire/backend_messages.hpp"
#include "serve/pgwire/session.hpp"
#include "serve/pgwire/sql_error.hpp"
#include "serve/pgwire/sql_text.hpp"

namespace strata::serve::pgwire {

namespace {

std::string quoted(const std::string& name) {
  return "\"" + name + "\"";
}

}  // namespace

void Session::on_parse(const ParseMessage& message) {
  last_sql_ = message.query;
  if (!message.statement.empty() && statements_.count(message.statement)) {
    throw SqlError(sqlstate::kDuplicatePreparedStatement,
                   "prepared statement " + quoted(message.statement) + " already exists");
  }
  const std::vector<std::string> statements = split_statements(message.query);
  if (statements.size() > 1) {
    throw SqlError(sqlstate::kSyntaxError,
                   "cannot insert multiple commands into a prepared statement");
  }
  refresh_lake_if_idle();
  statements_[message.statement] =
      prepare(statements.empty() ? std::string() : statements[0], message.parameter_types);
  out_.empty_message(backend::kParseComplete);
}

void Session::on_bind(const BindMessage& message) {
  auto found = statements_.find(message.statement);
  if (found == statements_.end()) {
    throw SqlError(sqlstate::kInvalidStatementName,
                   "prepared statement " + quoted(message.statement) + " does not exist");
  }
  const std::shared_ptr<PreparedQuery>& query = found->second;
  last_sql_ = query->plan.sql;
  refresh_lake_if_idle();
  if (!message.portal.empty() && portals_.count(message.portal)) {
    throw SqlError(sqlstate::kDuplicateCursor,
                   "portal " + quoted(message.portal) + " already exists");
  }
  const size_t expected = query->parameter_types.size();
  if (message.parameters.size() != expected) {
    throw SqlError(sqlstate::kProtocolViolation,
                   "bind message supplies " + std::to_string(message.parameters.size()) +
                       " parameters, but prepared statement " + quoted(message.statement) +
                       " requires " + std::to_string(expected));
  }
  std::vector<OwnedValue> values;
  values.reserve(expected);
  for (size_t i = 0; i < expected; ++i) {
    const uint32_t declared = i < query->declared_types.size() ? query->declared_types[i] : 0;
    const uint32_t inferred = i < query->inferred_types.size() ? query->inferred_types[i] : 0;
    values.push_back(decode_parameter(message.parameters[i], message.parameter_format(i), declared,
                                      inferred, i + 1));
  }
  drop_portal(message.portal);
  portals_[message.portal] =
      std::make_unique<Portal>(query, std::move(values), message.result_formats);
  out_.empty_message(backend::kBindComplete);
}

void Session::on_describe(const DescribeMessage& message) {
  if (message.kind == 'S') {
    auto found = statements_.find(message.name);
    if (found == statements_.end()) {
      throw SqlError(sqlstate::kInvalidStatementName,
                     "prepared statement " + quoted(message.name) + " does not exist");
    }
    const PreparedQuery& query = *found->second;
    write_parameter_description(out_, query.parameter_types);
    if (query.returns_rows) {
      write_row_description(query.columns);
    } else {
      out_.empty_message(backend::kNoData);
    }
    return;
  }
  auto found = portals_.find(message.name);
  if (found == portals_.end()) {
    throw SqlError(sqlstate::kInvalidCursorName,
                   "portal " + quoted(message.name) + " does not exist");
  }
  Portal& portal = *found->second;
  last_sql_ = portal.query().plan.sql;
  if (!portal.query().returns_rows) {
    out_.empty_message(backend::kNoData);
    return;
  }
  // Start the query now: the types DuckDB produces with these parameters are the ones to report.
  if (!portal.started()) {
    park_streaming_portal();
    portal.start();
    if (portal.streaming()) streaming_portal_ = &portal;
  }
  write_row_description(portal.columns());
}

void Session::on_execute(const ExecuteMessage& message) {
  auto found = portals_.find(message.portal);
  if (found == portals_.end()) {
    throw SqlError(sqlstate::kInvalidCursorName,
                   "portal " + quoted(message.portal) + " does not exist");
  }
  last_sql_ = found->second->query().plan.sql;
  with_statement_timeout([&] {
    return execute_portal(*found->second, static_cast<uint64_t>(message.max_rows), false);
  });
}

void Session::on_close(const CloseMessage& message) {
  if (message.kind == 'S') {
    statements_.erase(message.name);
  } else {
    drop_portal(message.name);
  }
  out_.empty_message(backend::kCloseComplete);
}

void Session::on_sync() {
  skip_until_sync_ = false;
  // Outside a transaction block, Sync ends the implicit transaction and with it every portal.
  if (transaction_status_ == 'I') {
    streaming_portal_ = nullptr;
    portals_.clear();
  }
  write_ready_for_query(out_, transaction_status_);
  flush();
}

}  // namespace strata::serve::pgwire
