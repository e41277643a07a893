#include "ingest/postgres_cdc.hpp"

#include <cctype>
#include <chrono>

#include "core/error.hpp"
#include "core/interrupt.hpp"
#include "core/log.hpp"
#include "core/text.hpp"
#include "ingest/batch.hpp"
#include "ingest/cdc_apply.hpp"
#include "ingest/database_connection.hpp"
#include "ingest/postgres_cdc_changes.hpp"

namespace strata::ingest {

namespace {

using engine::quote_identifier;
using engine::quote_literal;
using pgoutput::format_lsn;
using pgoutput::parse_lsn;

constexpr const char* kPositionKey = "lsn";
constexpr const char* kSnapshotKey = "snapshot";  // what the initial copy saw (postgres_snapshot)

std::string default_replication_name(const SourceConfig& source, const TableConfig& table) {
  std::string name = to_lower("strata_" + source.name + "_" + table.name);
  for (char& c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return name.substr(0, 63);  // PostgreSQL's identifier length
}

struct Replication {
  const database::Dialect& dialect;
  database::Endpoint endpoint;
  std::string schema;
  std::string table;
  std::string slot;
  std::string publication;
  Location where;
};

std::vector<std::vector<engine::Value>> on_server(engine::Connection& connection,
                                                  const Replication& r, const std::string& alias,
                                                  const std::string& sql) {
  return connection.query("SELECT * FROM " + r.dialect.pass_through(alias, sql)).fetch_all();
}

std::string text(const engine::Value& value) {
  if (const auto* s = std::get_if<std::string>(&value)) return *s;
  return {};
}

// Creates the publication and the slot unless they exist; returns the slot's position.
uint64_t prepare_replication(engine::Connection& connection, const Replication& r,
                             const std::string& suffix) {
  const database::Dialect& d = r.dialect;
  database::Attachment setup(connection, "strata_cdc_setup_" + suffix, d, r.endpoint,
                             /*read_only=*/false);
  const std::string relation = d.quote_identifier(r.schema) + "." + d.quote_identifier(r.table);
  if (on_server(connection, r, setup.alias(),
                "SELECT 1 FROM pg_publication WHERE pubname = " + d.quote_literal(r.publication))
          .empty()) {
    try {
      connection.execute("CALL postgres_execute(" + quote_literal(setup.alias()) + ", " +
                         quote_literal("CREATE PUBLICATION " + d.quote_identifier(r.publication) +
                                       " FOR TABLE " + relation) +
                         ")");
    } catch (const Error& e) {
      throw Error(ErrorKind::kConfig,
                  "cannot create publication '" + r.publication + "' for " + relation + ": " +
                      database::redact(e.message(), r.endpoint) +
                      "; have it created (CREATE PUBLICATION ... FOR TABLE " + relation +
                      ") and name it with 'publication:'",
                  r.where);
    }
  }
  auto slot = on_server(connection, r, setup.alias(),
                        "SELECT confirmed_flush_lsn::text, plugin::text, database::text, "
                        "current_database()::text FROM pg_replication_slots WHERE slot_name = " +
                            d.quote_literal(r.slot));
  if (!slot.empty() && text(slot.at(0).at(2)) != text(slot.at(0).at(3))) {
    throw Error(ErrorKind::kConfig,
                "replication slot '" + r.slot + "' belongs to database '" + text(slot.at(0).at(2)) +
                    "' of the server, not '" + text(slot.at(0).at(3)) +
                    "'; name another one with 'slot:'",
                r.where);
  }
  if (slot.empty()) {
    try {
      slot = on_server(connection, r, setup.alias(),
                       "SELECT lsn::text, 'pgoutput' FROM pg_create_logical_replication_slot(" +
                           d.quote_literal(r.slot) + ", 'pgoutput')");
    } catch (const Error& e) {
      throw Error(ErrorKind::kConfig,
                  "cannot create logical replication slot '" + r.slot +
                      "': " + database::redact(e.message(), r.endpoint) +
                      " (the server needs wal_level=logical, the user the REPLICATION attribute)",
                  r.where);
    }
  }
  if (text(slot.at(0).at(1)) != "pgoutput") {
    throw Error(ErrorKind::kConfig,
                "replication slot '" + r.slot + "' uses plugin '" + text(slot.at(0).at(1)) +
                    "', not pgoutput; name another one with 'slot:'",
                r.where);
  }
  return parse_lsn(text(slot.at(0).at(0)));
}

// Moves the slot to `position` (never back), so the server may recycle the WAL before it.
void advance_slot(engine::Connection& connection, const Replication& r, const std::string& alias,
                  uint64_t position) {
  const std::string lsn = r.dialect.quote_literal(format_lsn(position)) + "::pg_lsn";
  const auto rows = on_server(connection, r, alias,
                              "SELECT slot_name::text, (confirmed_flush_lsn < " + lsn +
                                  ")::text AS behind FROM pg_replication_slots WHERE slot_name = " +
                                  r.dialect.quote_literal(r.slot));
  if (rows.empty()) {
    throw Error(ErrorKind::kInput,
                "replication slot '" + r.slot + "' is gone; the changes since " +
                    format_lsn(position) +
                    " cannot be read any more (drop the tables and the source state, then load "
                    "again)",
                r.where);
  }
  if (text(rows[0][1]) != "true") return;
  on_server(connection, r, alias,
            "SELECT pg_replication_slot_advance(" + r.dialect.quote_literal(r.slot) + ", " + lsn +
                ")::text");
}

// The expression turning a change's text value into the bronze column's type.
std::string typed(const std::string& column, const std::string& type, const Replication& r) {
  const std::string value = quote_identifier(column);
  if (type == "BLOB") return "unhex(substr(" + value + ", 3))";  // bytea's text form: \x0a1b...
  if (type.find('[') != std::string::npos || starts_with(type, "STRUCT") ||
      starts_with(type, "MAP") || starts_with(type, "UNION")) {
    throw Error(ErrorKind::kInput,
                "column '" + column + "' of " + r.schema + "." + r.table + " has type " + type +
                    ", which mode: cdc does not apply yet (arrays and composite types)",
                r.where);
  }
  return "CAST(" + value + " AS " + type + ")";
}

// Appends one batch of changes to bronze and the current state, with the new position, in one
// commit. Returns the rows of the current-state table when it was updated.
std::optional<uint64_t> apply_changes(engine::Connection& connection, lake::Lake& lake,
                                      const Replication& r, const TableConfig& table,
                                      const lake::TableName& bronze_name, ChangeCollector& changes,
                                      const std::string& origin, const std::string& scope,
                                      uint64_t position, int64_t& snapshot) {
  CdcChanges batch;
  batch.lineage = {{"_strata_op", "VARCHAR"}, {"_strata_lsn", "BIGINT"}, {"_strata_seq", "BIGINT"}};
  batch.order_by = {"_strata_lsn", "_strata_seq"};
  for (const auto& column : changes.relation()->columns) batch.columns.push_back(column.name);
  batch.rows.reserve(changes.rows().size());
  for (ChangeRow& row : changes.rows()) {
    batch.rows.push_back(
        {{engine::Value(row.op), engine::Value(static_cast<int64_t>(row.commit_lsn)),
          engine::Value(row.seq)},
         std::move(row.values)});
  }
  CdcTarget target;
  target.bronze = bronze_name;
  target.table = &*table.database;
  target.origin = origin;
  target.state = {{scope, kPositionKey, format_lsn(position)}};
  target.where = r.where;
  target.typed = [&r](const std::string& column, const std::string& type) {
    return typed(column, type, r);
  };
  return apply_cdc_changes(connection, lake, target, batch, snapshot);
}

}  // namespace

DatabaseLoadResult load_postgres_cdc(const SourceConfig& source, const TableConfig& table,
                                     lake::Lake& lake, engine::Connection& connection,
                                     const std::function<void(const LoadProgress&)>& on_progress) {
  const auto started = std::chrono::steady_clock::now();
  const DatabaseTableConfig& config = *table.database;
  const database::Dialect& dialect = database::dialect_of(source.kind);
  Replication r{
      dialect,
      dialect.endpoint(*source.connection),
      config.schema,
      config.table,
      config.slot.empty() ? default_replication_name(source, table) : config.slot,
      config.publication.empty() ? default_replication_name(source, table) : config.publication,
      Location(table.where.file, table.where.line, table.where.column,
               source.name + "." + table.name)};
  const std::string scope = database_state_scope(source, table);
  database::load_extension(connection, dialect);
  const std::optional<std::string> committed = lake.store().state(scope, kPositionKey);

  if (!committed) {
    // The slot exists before the snapshot is read: no change after it can be missed. The
    // transaction that reads the rows records which transactions its snapshot saw, so the changes
    // streamed from the slot that are in the copy already are skipped later.
    const uint64_t start = prepare_replication(connection, r, start_batch().suffix);
    TableConfig full = table;
    full.database->mode = LoadMode::kFull;
    auto seen = [&](engine::Connection& reading, const std::string& alias) {
      const auto row = on_server(reading, r, alias,
                                 "SELECT txid_current_snapshot()::text, "
                                 "pg_current_wal_insert_lsn()::text")
                           .at(0);
      return std::vector<lake::StateChange>{
          {scope, kSnapshotKey, pgoutput::SnapshotSeen::parse(text(row[0]), text(row[1])).text()}};
    };
    DatabaseLoadResult result =
        load_database_table(source, full, lake, connection, on_progress,
                            {{scope, kPositionKey, format_lsn(start)}}, seen);
    result.mode = LoadMode::kCdc;
    result.cursor_to = format_lsn(start);
    return result;
  }

  DatabaseLoadResult result;
  result.table = {source.name, table.name};
  result.mode = LoadMode::kCdc;
  uint64_t position = parse_lsn(*committed);
  // Loads committed before the snapshot was recorded have none: they keep the overlap.
  const std::optional<pgoutput::SnapshotSeen> seen =
      pgoutput::SnapshotSeen::from_text(lake.store().state(scope, kSnapshotKey).value_or(""));
  result.cursor_from = format_lsn(position);
  // A dropped connection is retried with backoff; a retry resumes from the committed position
  // (batches committed before the failure stay applied, once).
  auto attempt = [&](int n) {
    result.attempts = n;
    position = parse_lsn(lake.store().state(scope, kPositionKey).value_or(*committed));
    database::Attachment attached(connection, "strata_cdc_" + start_batch().suffix, dialect,
                                  r.endpoint);
    const std::string alias = attached.alias();
    const std::string origin =
        "postgres:" +
        text(on_server(connection, r, alias, "SELECT current_database()").at(0).at(0)) + "." +
        r.schema + "." + r.table;
    // A run that stopped between its commit and the slot's advance left the slot behind.
    advance_slot(connection, r, alias, position);
    for (;;) {
      check_interrupt();
      const uint64_t flushed = parse_lsn(text(
          on_server(connection, r, alias, "SELECT pg_current_wal_flush_lsn()::text").at(0).at(0)));
      ChangeCollector changes(r.schema, r.table, config.primary_key, position);
      if (seen) changes.skip_seen_by(*seen);
      int64_t messages = 0;
      {
        engine::Result peeked = connection.query(
            "SELECT data FROM " +
            dialect.pass_through(
                alias, "SELECT data FROM pg_logical_slot_peek_binary_changes(" +
                           dialect.quote_literal(r.slot) + ", " +
                           dialect.quote_literal(format_lsn(flushed)) + "::pg_lsn, " +
                           std::to_string(config.batch_changes) +
                           ", 'proto_version', '1', 'publication_names', " +
                           dialect.quote_literal(dialect.quote_identifier(r.publication)) + ")"));
        bool more = true;
        while (more) {
          std::optional<engine::Chunk> chunk = peeked.next_chunk();
          if (!chunk) break;
          for (uint64_t row = 0; row < chunk->size() && more; ++row, ++messages) {
            more = changes.add(chunk->get_string(0, row));
          }
        }
      }
      const bool complete = messages < config.batch_changes && !changes.stopped();
      const uint64_t next = changes.position(complete ? std::optional(flushed) : std::nullopt);
      if (!changes.rows().empty()) {
        const size_t applied = changes.rows().size();
        result.current_rows = apply_changes(connection, lake, r, table, result.table, changes,
                                            origin, scope, next, result.snapshot);
        result.rows_loaded += applied;
        if (on_progress) on_progress({result.table.str(), -1, result.rows_loaded, 0});
      } else if (next > position) {
        lake::Commit commit;  // nothing of the table changed: only the position moves
        commit.state.push_back({scope, kPositionKey, format_lsn(next)});
        lake.commit(commit);
      }
      const bool progressed = next > position;
      if (progressed) advance_slot(connection, r, alias, next);
      position = std::max(position, next);
      if (complete || !progressed) break;
    }
  };
  database::with_connection_retries(dialect, r.endpoint, result.table.str(), attempt);
  result.cursor_to = format_lsn(position);
  result.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return result;
}

}  // namespace strata::ingest
