#include "ingest/mysql_cdc.hpp"

#include <chrono>
#include <memory>

#include "core/error.hpp"
#include "core/log.hpp"
#include "core/text.hpp"
#include "ingest/cdc_apply.hpp"
#include "ingest/database_connection.hpp"
#include "ingest/mysql_cdc_stream.hpp"

namespace strata::ingest {

namespace {

using engine::quote_identifier;
using mysql::BinlogPosition;

constexpr const char* kPositionKey = "binlog";
constexpr const char* kGtidKey = "gtid";

std::string value(const mysql::TextResult& result, size_t column) {
  if (result.rows.empty() || column >= result.rows[0].size()) return {};
  return result.rows[0][column].value_or("");
}

// A connection failure or refusal as the user is told it: the server, the table, what to grant.
Error cdc_error(const Error& error, const database::Endpoint& endpoint, const Location& where) {
  std::string message = database::redact(error.message(), endpoint);
  if (message.find("error 1227") != std::string::npos ||
      message.find("error 1045") != std::string::npos) {
    return Error(ErrorKind::kConfig,
                 message +
                     " (mode: cdc needs a user with REPLICATION SLAVE and BINLOG MONITOR, on "
                     "MySQL REPLICATION CLIENT, besides SELECT)",
                 where);
  }
  if (message.find("error 1236") != std::string::npos) {
    return Error(ErrorKind::kInput,
                 message +
                     " (the binary log at the committed position is gone: drop the tables and the "
                     "source state, then load again from a new snapshot)",
                 where);
  }
  return Error(error.kind(), message, where);
}

// The server's current binlog position, checking that its binary log serves CDC.
BinlogPosition current_position(mysql::Client& client, const Location& where) {
  const mysql::TextResult settings =
      client.query("SELECT @@log_bin, @@binlog_format, @@binlog_row_image");
  if (value(settings, 0) != "1") {
    throw Error(ErrorKind::kConfig,
                "MySQL server " + client.server() +
                    " has no binary log (log_bin is off); mode: cdc needs log_bin, "
                    "binlog_format=ROW and binlog_row_image=FULL",
                where);
  }
  if (to_lower(value(settings, 1)) != "row" || to_lower(value(settings, 2)) != "full") {
    throw Error(ErrorKind::kConfig,
                "MySQL server " + client.server() + " logs binlog_format=" + value(settings, 1) +
                    ", binlog_row_image=" + value(settings, 2) +
                    "; mode: cdc needs binlog_format=ROW and binlog_row_image=FULL",
                where);
  }
  mysql::TextResult status;
  try {
    status = client.query("SHOW MASTER STATUS");
  } catch (const Error& e) {
    // MySQL 8.4 renamed it.
    if (e.message().find("error 1064") == std::string::npos) throw;
    status = client.query("SHOW BINARY LOG STATUS");
  }
  BinlogPosition position;
  position.file = value(status, 0);
  position.position = std::stoull(value(status, 1).empty() ? "4" : value(status, 1));
  if (position.file.empty()) {
    throw Error(ErrorKind::kConfig,
                "MySQL server " + client.server() + " reports no binary log position", where);
  }
  if (client.is_mariadb()) {
    const database::Dialect& dialect = database::dialect_of("mysql");
    position.gtid =
        value(client.query("SELECT BINLOG_GTID_POS(" + dialect.quote_literal(position.file) + ", " +
                           std::to_string(position.position) + ")"),
              0);
  }
  return position;
}

// MariaDB: starts the transaction the initial copy is read in with a consistent snapshot and
// returns the binlog position that snapshot corresponds to (MariaDB's binlog_snapshot_file and
// _position status), so each change is in the copy or after the position, never both.
BinlogPosition snapshot_position(engine::Connection& reading, const std::string& alias) {
  const std::string on = engine::quote_literal(alias) + ", ";
  auto run = [&](const std::string& sql) {
    reading.execute("CALL mysql_execute(" + on + engine::quote_literal(sql) + ")");
  };
  auto rows = [&](const std::string& sql) {
    return reading.query("SELECT * FROM mysql_query(" + on + engine::quote_literal(sql) + ")")
        .fetch_all();
  };
  run("SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ");
  run("START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY");
  BinlogPosition position;
  for (const auto& row : rows("SHOW STATUS LIKE 'binlog_snapshot_%'")) {
    const std::string name = to_lower(std::get<std::string>(row.at(0)));
    const std::string value = std::get<std::string>(row.at(1));
    if (name == "binlog_snapshot_file") position.file = value;
    if (name == "binlog_snapshot_position") position.position = std::stoull(value);
  }
  if (position.file.empty()) {
    throw Error(ErrorKind::kInternal, "MariaDB reports no binlog_snapshot_file");
  }
  const database::Dialect& dialect = database::dialect_of("mysql");
  const auto gtid = rows("SELECT BINLOG_GTID_POS(" + dialect.quote_literal(position.file) + ", " +
                         std::to_string(position.position) + ")");
  if (const auto* text = std::get_if<std::string>(&gtid.at(0).at(0))) position.gtid = *text;
  return position;
}

std::vector<lake::StateChange> position_state(const std::string& scope,
                                              const BinlogPosition& position) {
  std::vector<lake::StateChange> state = {{scope, kPositionKey, position.text()}};
  if (!position.gtid.empty()) state.push_back({scope, kGtidKey, position.gtid});
  return state;
}

}  // namespace

DatabaseLoadResult load_mysql_cdc(const SourceConfig& source, const TableConfig& table,
                                  lake::Lake& lake, engine::Connection& connection,
                                  const std::function<void(const LoadProgress&)>& on_progress) {
  const auto started = std::chrono::steady_clock::now();
  const DatabaseTableConfig& config = *table.database;
  const database::Dialect& dialect = database::dialect_of("mysql");
  const database::Endpoint endpoint = dialect.endpoint(*source.connection);
  const Location where(table.where.file, table.where.line, table.where.column,
                       source.name + "." + table.name);
  const mysql::ClientOptions options{endpoint.host, endpoint.port, endpoint.user, endpoint.password,
                                     endpoint.database};
  const std::string scope = database_state_scope(source, table);
  const std::optional<std::string> committed = lake.store().state(scope, kPositionKey);

  mysql::StreamTarget target;
  target.database = config.schema.empty() ? endpoint.database : config.schema;
  target.table = config.table;
  target.primary_key = config.primary_key;
  target.batch_changes = config.batch_changes;

  if (!committed) {
    // MariaDB: the copy is read in a consistent snapshot whose binlog position is committed with
    // it. MySQL: the position is read before the snapshot, so no change after it can be missed,
    // but changes committed in between are in the copy and again in the binlog.
    BinlogPosition start;
    bool mariadb = false;
    try {
      mysql::Client client(options);
      start = current_position(client, where);
      mariadb = client.is_mariadb();
    } catch (const Error& e) {
      throw cdc_error(e, endpoint, where);
    }
    TableConfig full = table;
    full.database->mode = LoadMode::kFull;
    InSnapshot at_snapshot;
    if (mariadb) {
      at_snapshot = [&](engine::Connection& reading, const std::string& alias) {
        const std::string before = start.text();
        start = snapshot_position(reading, alias);
        // Changes between the two are in the copy; the position after them keeps them out of
        // the change log.
        log::debug("initial copy at its snapshot's binlog position",
                   {{"table", source.name + "." + table.name},
                    {"position", start.text()},
                    {"position_read_before", before}});
        return position_state(scope, start);
      };
    }
    DatabaseLoadResult result = load_database_table(
        source, full, lake, connection, on_progress,
        mariadb ? std::vector<lake::StateChange>{} : position_state(scope, start), at_snapshot);
    result.mode = LoadMode::kCdc;
    result.cursor_to = start.text();
    return result;
  }

  DatabaseLoadResult result;
  result.table = {source.name, table.name};
  result.mode = LoadMode::kCdc;
  result.origin = "mysql:" + target.database + "." + target.table;
  BinlogPosition position = BinlogPosition::parse(*committed);
  position.gtid = lake.store().state(scope, kGtidKey).value_or("");
  result.cursor_from = position.text();
  for (;;) {
    lake.attach(connection, result.table);
    target.bronze_types.clear();
    for (const auto& row : connection
                               .query("DESCRIBE SELECT * FROM " + quote_identifier(source.name) +
                                      "." + quote_identifier(table.name))
                               .fetch_all()) {
      target.bronze_types[std::get<std::string>(row.at(0))] = std::get<std::string>(row.at(1));
    }
    mysql::BinlogBatch batch;
    auto attempt = [&](int n) {
      result.attempts = n;
      mysql::Client client(options);
      batch = mysql::read_binlog_batch(client, target, position);
    };
    try {
      database::with_connection_retries(dialect, endpoint, result.table.str(), attempt);
    } catch (const Error& e) {
      if (e.kind() == ErrorKind::kInterrupted) throw;
      throw cdc_error(e, endpoint, where);
    }
    const bool progressed = batch.next.text() != position.text();
    if (!batch.changes.rows.empty()) {
      const size_t applied = batch.changes.rows.size();
      CdcTarget apply;
      apply.bronze = result.table;
      apply.table = &config;
      apply.origin = result.origin;
      apply.state = position_state(scope, batch.next);
      apply.where = where;
      apply.typed = [](const std::string& column, const std::string& type) {
        const std::string value = quote_identifier(column);
        return type == "BLOB" ? "unhex(" + value + ")" : "CAST(" + value + " AS " + type + ")";
      };
      result.current_rows =
          apply_cdc_changes(connection, lake, apply, batch.changes, result.snapshot);
      result.rows_loaded += applied;
      if (on_progress) on_progress({result.table.str(), -1, result.rows_loaded, 0});
    } else if (progressed) {
      lake::Commit commit;  // nothing of the table changed: only the position moves
      commit.state = position_state(scope, batch.next);
      lake.commit(commit);
    }
    position = batch.next;
    if (batch.at_end || !progressed) break;
  }
  result.cursor_to = position.text();
  result.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return result;
}

}  // namespace strata::ingest
