#include "ingest/database_source.hpp"

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <regex>

#include "core/error.hpp"
#include "core/log.hpp"
#include "core/text.hpp"
#include "engine/query_monitor.hpp"
#include "ingest/batch.hpp"
#include "ingest/bronze_partitioning.hpp"
#include "ingest/current_state.hpp"
#include "ingest/database_connection.hpp"
#include "ingest/mysql_cdc.hpp"
#include "ingest/postgres_cdc.hpp"

namespace strata::ingest {

namespace {

namespace fs = std::filesystem;
using engine::quote_identifier;
using engine::quote_literal;

using database::Dialect;

// The SQL run on the server for a table or query (a table without a schema is in the connected
// database).
std::string source_sql(const DatabaseTableConfig& database, const Dialect& dialect) {
  if (database.query.empty()) {
    return "SELECT * FROM " +
           (database.schema.empty() ? "" : dialect.quote_identifier(database.schema) + ".") +
           dialect.quote_identifier(database.table);
  }
  std::string query(trim(database.query));
  while (!query.empty() && (query.back() == ';' || query.back() == ' ')) query.pop_back();
  return "SELECT * FROM (" + query + ") AS strata_query";
}

std::string described(const DatabaseTableConfig& database, const std::string& table_name) {
  if (!database.query.empty()) return "the query of table " + table_name;
  return "table " + (database.schema.empty() ? "" : database.schema + ".") + database.table;
}

struct Column {
  std::string name;
  std::string type;  // DuckDB's name for it
};

// The columns of a relation, from binding it only: the server runs no query for the table.
std::vector<Column> describe(engine::Connection& connection, const std::string& relation) {
  std::vector<Column> columns;
  for (const auto& row : connection.query("DESCRIBE SELECT * FROM " + relation).fetch_all()) {
    columns.push_back({std::get<std::string>(row.at(0)), std::get<std::string>(row.at(1))});
  }
  return columns;
}

const Column& require_column(const std::vector<Column>& columns, const std::string& name,
                             const std::string& role, const std::string& what,
                             const Location& where) {
  std::vector<std::string> names;
  for (const Column& column : columns) {
    if (column.name == name) return column;
    names.push_back(column.name);
  }
  throw Error(ErrorKind::kConfig,
              role + " column '" + name + "' is not a column of " + what +
                  did_you_mean(name, names) + "; its columns: " + join(names, ", "),
              where);
}

// The lowest cursor value to read above: the high-water mark minus the lookback window (as text
// both the engine and the server read).
std::string lower_bound(engine::Connection& connection, const std::string& high_water,
                        const Column& cursor, const DatabaseTableConfig& database,
                        const Location& where) {
  if (database.lookback.empty()) return high_water;
  static const std::regex kNumber(R"(^\d+(\.\d+)?$)");
  const std::string window = std::regex_match(database.lookback, kNumber)
                                 ? database.lookback
                                 : "INTERVAL " + quote_literal(database.lookback);
  try {
    engine::Value bound = connection
                              .query("SELECT (CAST(" + quote_literal(high_water) + " AS " +
                                     cursor.type + ") - " + window + ")::VARCHAR")
                              .scalar();
    return std::get<std::string>(bound);
  } catch (const Error& e) {
    throw Error(ErrorKind::kConfig,
                "lookback '" + database.lookback + "' cannot be taken from cursor '" + cursor.name +
                    "' of type " + cursor.type + ": " + e.message(),
                where);
  }
}

// The new high-water mark: the largest cursor value among the rows written and the previous mark.
std::optional<std::string> high_water_mark(engine::Connection& connection,
                                           const std::vector<lake::DataFile>& files,
                                           const Column& cursor,
                                           const std::optional<std::string>& previous) {
  std::string list;
  for (const auto& file : files) list += (list.empty() ? "" : ", ") + quote_literal(file.path);
  std::string sql =
      "SELECT max(" + quote_identifier(cursor.name) + ") AS c FROM read_parquet([" + list + "])";
  if (previous) {
    sql += " UNION ALL SELECT CAST(" + quote_literal(*previous) + " AS " + cursor.type + ")";
  }
  engine::Value mark = connection.query("SELECT max(c)::VARCHAR FROM (" + sql + ")").scalar();
  if (const auto* text = std::get_if<std::string>(&mark)) return *text;
  return std::nullopt;
}

// How a load reads: the relation rows come from, what it leaves out, and the cursor.
struct ReadPlan {
  std::string relation;  // a DuckDB table expression
  std::string where;     // a WHERE clause over it (`s`): the cursor range, rows not loaded yet
  Column cursor;         // incremental loads
  std::string cursor_from;
  std::string in_interval;  // a load of a data interval: its condition on the cursor (unqualified)
};

// The data interval `[start, end)` as a condition on the cursor `column`, each bound cast to
// `type` from its text `quoted` by the engine's or the server's quoting.
std::string interval_condition(const std::string& column, const std::string& start,
                               const std::string& end, const std::string& type,
                               const std::function<std::string(const std::string&)>& quoted) {
  return column + " >= CAST(" + quoted(start) + " AS " + type + ") AND " + column + " < CAST(" +
         quoted(end) + " AS " + type + ")";
}

// Whether a cursor of this (DuckDB) type can be bounded by a data interval, and how.
bool zoned_time_cursor(const Column& cursor, const std::string& what, const Location& where) {
  if (cursor.type == "TIMESTAMP WITH TIME ZONE") return true;
  if (cursor.type == "DATE" || starts_with(cursor.type, "TIMESTAMP")) return false;
  throw Error(ErrorKind::kConfig,
              "interval_bounded needs a date or timestamp cursor; cursor '" + cursor.name +
                  "' of " + what + " is " + cursor.type,
              where);
}

// A whole table (a full load, or an incremental one's first) is scanned in parallel by the
// extension, every reader in one exported snapshot. A query or a cursor range is one statement run
// in PostgreSQL, where an index on the cursor serves the range.
ReadPlan plan_read(engine::Connection& connection, const std::string& alias,
                   const std::string& schema, const Dialect& dialect, const SourceConfig& source,
                   const TableConfig& table, const std::optional<std::string>& previous,
                   bool bronze_exists, const LoadInterval* interval, const Location& where) {
  const DatabaseTableConfig& database = *table.database;
  std::string server_sql = source_sql(database, dialect);
  auto queried = [&] { return dialect.pass_through(alias, server_sql); };
  ReadPlan plan;
  plan.relation = database.query.empty()
                      ? quote_identifier(alias) + "." + quote_identifier(schema) + "." +
                            quote_identifier(database.table)
                      : queried();
  if (database.mode != LoadMode::kIncremental) return plan;

  const std::string what = described(database, table.name);
  const std::vector<Column> columns = describe(connection, plan.relation);
  plan.cursor = require_column(columns, database.cursor, "cursor", what, where);
  for (const std::string& key : database.primary_key) {
    require_column(columns, key, "primary key", what, where);
  }
  const std::string c = quote_identifier(plan.cursor.name);
  if (interval) {
    // The rows of the data interval, whatever was loaded before.
    const bool zoned = zoned_time_cursor(plan.cursor, what, where);
    const std::string& start = zoned ? interval->start_utc : interval->start_local;
    const std::string& end = zoned ? interval->end_utc : interval->end_local;
    const std::string engine_type = zoned ? "TIMESTAMPTZ" : "TIMESTAMP";
    const auto engine_quoted = [](const std::string& text) { return quote_literal(text); };
    plan.cursor_from = start;
    plan.in_interval = interval_condition(c, start, end, engine_type, engine_quoted);
    if (dialect.kind == "mysql" && database.query.empty()) {
      plan.where = " WHERE " + interval_condition("s." + c, start, end, engine_type, engine_quoted);
    } else {
      const std::string server_type = dialect.kind == "mysql" ? "DATETIME(6)"
                                      : zoned                 ? "timestamptz"
                                                              : "timestamp";
      server_sql +=
          " WHERE " + interval_condition(dialect.quote_identifier(plan.cursor.name), start, end,
                                         server_type, [&dialect](const std::string& text) {
                                           return dialect.quote_literal(text);
                                         });
      plan.relation = queried();
    }
    return plan;
  }
  if (!previous) return plan;
  plan.cursor_from = lower_bound(connection, *previous, plan.cursor, database, where);
  std::vector<std::string> conditions;
  if (dialect.kind == "mysql" && database.query.empty()) {
    // A pass-through query types some MySQL columns (JSON) unlike the table scan; the scan pushes
    // the range down to the server instead, so every load of the table has the same types.
    conditions.push_back("s." + c + " > CAST(" + quote_literal(plan.cursor_from) + " AS " +
                         plan.cursor.type + ")");
  } else {
    server_sql += " WHERE " + dialect.quote_identifier(plan.cursor.name) + " > " +
                  dialect.quote_literal(plan.cursor_from);
    plan.relation = queried();
  }
  if (bronze_exists && !database.primary_key.empty() && !database.lookback.empty()) {
    // Rows the lookback window re-reads unchanged (same key, same cursor) are loaded already.
    std::string skip_seen = "NOT EXISTS (SELECT 1 FROM " + quote_identifier(source.name) + "." +
                            quote_identifier(table.name) + " AS b WHERE b." + c + " > CAST(" +
                            quote_literal(plan.cursor_from) + " AS " + plan.cursor.type +
                            ") AND b." + c + " = s." + c;
    for (const std::string& key : database.primary_key) {
      skip_seen += " AND b." + quote_identifier(key) + " = s." + quote_identifier(key);
    }
    conditions.push_back(skip_seen + ")");
  }
  if (!conditions.empty()) plan.where = " WHERE " + join(conditions, " AND ");
  return plan;
}

// A failure to read from the source, as the user is told it: the server, the table, whether the
// connection was the problem (after how many attempts), never the password.
Error source_error(const Error& error, const Dialect& dialect, const database::Endpoint& endpoint,
                   const std::string& what, int attempts, const Location& where) {
  const std::string message = database::redact(error.message(), endpoint);
  const std::string server = std::string(dialect.product) + " at " + endpoint.server;
  if (database::is_connection_error(message)) {
    return Error(ErrorKind::kStorage,
                 "cannot read " + what + " from " + server + " (" + std::to_string(attempts) +
                     " attempts; nothing was committed): " + message,
                 where);
  }
  return Error(error.kind() == ErrorKind::kEngine ? ErrorKind::kInput : error.kind(),
               "reading " + what + " from " + server + " failed: " + message, where);
}

// Removes data files written but not to be committed (a load that found no rows).
void discard(const std::vector<lake::DataFile>& files) {
  std::error_code ec;
  for (const auto& file : files) {
    fs::remove(file.path, ec);
    fs::remove(fs::path(file.path).parent_path(), ec);  // only when empty
  }
}

// Serializes the loads of one table within the process (parallel runs of a backfill), so that
// they do not fail each other's compare-and-swap; loads in other processes still conflict.
std::unique_lock<std::mutex> lock_table(const std::string& scope) {
  static std::mutex guard;
  static std::map<std::string, std::unique_ptr<std::mutex>> locks;
  std::mutex* table_lock = nullptr;
  {
    std::lock_guard lock(guard);
    auto& entry = locks[scope];
    if (!entry) entry = std::make_unique<std::mutex>();
    table_lock = entry.get();
  }
  return std::unique_lock(*table_lock);
}

// What a load of one data interval commits, besides the rows it read (`written`).
struct IntervalCommit {
  const TableConfig& table;
  const std::optional<lake::TableInfo>& bronze;
  const std::string& in_interval;  // the interval's condition on the cursor
  const Column& cursor;
  const std::optional<std::string>& previous;  // the high-water mark
  std::string scope;
};

// A load of a data interval replaces what earlier loads put in bronze for it: one commit removes
// the bronze rows whose cursor is in the interval (rewriting the files holding them), adds the
// rows read now, merges those into the current state (a later version of a key stays) and keeps
// the high-water mark the largest cursor ever loaded (for plain `strata ingest` runs after it).
// Re-running an interval thus neither loses nor duplicates a row; the commit expects bronze
// unchanged since the load began (kConflict otherwise, nothing committed).
void commit_interval(engine::Connection& connection, lake::Lake& lake, const IntervalCommit& load,
                     lake::WriteResult& written, DatabaseLoadResult& result,
                     const std::vector<lake::StateChange>& extra_state) {
  const DatabaseTableConfig& database = *load.table.database;
  lake::PreparedDelete replaced;
  if (load.bronze) replaced = lake.prepare_delete(connection, result.table, load.in_interval);
  result.rows_replaced = replaced.rows_deleted;
  if (written.rows == 0 && (load.bronze || written.files.empty())) {
    // (A first load of an empty interval still commits its empty file: the table then exists.)
    discard(written.files);
    written.files.clear();
    if (replaced.removed.empty()) return;  // nothing loaded before, nothing now
  }
  lake::TableChange change;
  change.table = result.table;
  change.kind = lake::TableKind::kTable;
  change.mode = lake::WriteMode::kAppend;
  change.location = lake.table_location(result.table).string();
  change.expected_snapshot = load.bronze ? load.bronze->current_snapshot : 0;
  change.added_files = written.files;
  change.added_files.insert(change.added_files.end(), replaced.written.files.begin(),
                            replaced.written.files.end());
  change.removed_files = replaced.removed;
  if (!replaced.removed.empty()) change.operation = "overwrite";
  lake::Commit commit;
  commit.tables.push_back(std::move(change));
  commit.state = extra_state;
  if (written.rows > 0) {
    if (auto mark = high_water_mark(connection, written.files, load.cursor, load.previous)) {
      result.cursor_to = *mark;
      commit.state.push_back({load.scope, "cursor", *mark});
    }
    if (database.current_state) {
      CurrentStateMerge merge{result.table, database.primary_key, {database.cursor}, false, {}};
      merge.keep_later = true;
      result.current_rows = add_current_state(connection, lake, merge, written.files, commit);
    }
  }
  result.snapshot = lake.commit(commit).front();
}

}  // namespace

bool is_database_source(const SourceConfig& source) {
  return source.kind == "postgres" || source.kind == "mysql";
}

std::string database_state_scope(const SourceConfig& source, const TableConfig& table) {
  return source.kind + ":" + source.name + "." + table.name;
}

DatabaseLoadResult load_database_table(const SourceConfig& source, const TableConfig& table,
                                       lake::Lake& lake, engine::Connection& connection,
                                       const std::function<void(const LoadProgress&)>& on_progress,
                                       const std::vector<lake::StateChange>& extra_state,
                                       const InSnapshot& in_snapshot,
                                       const std::optional<LoadInterval>& interval) {
  if (table.database && table.database->mode == LoadMode::kCdc) {
    if (source.kind == "mysql") return load_mysql_cdc(source, table, lake, connection, on_progress);
    return load_postgres_cdc(source, table, lake, connection, on_progress);
  }
  const auto started = std::chrono::steady_clock::now();
  if (!source.connection || !table.database) {
    throw Error(ErrorKind::kInternal, "not a table of a database source",
                Location::of(source.name + "." + table.name));
  }
  const DatabaseTableConfig& database = *table.database;
  DatabaseLoadResult result;
  result.table = {source.name, table.name};
  result.mode = database.mode;
  const bool incremental = database.mode == LoadMode::kIncremental;
  const bool bounded = incremental && database.interval_bounded && interval.has_value();
  result.interval_bounded = bounded;
  const std::string scope = database_state_scope(source, table);
  const std::unique_lock<std::mutex> table_lock = lock_table(scope);
  const std::string what = described(database, table.name);
  const Location where(table.where.file, table.where.line, table.where.column, result.table.str());
  const Dialect& dialect = database::dialect_of(source.kind);
  const database::Endpoint endpoint = dialect.endpoint(*source.connection);
  database::load_extension(connection, dialect);

  // What is already loaded. The table's snapshot is read before the cursor state and the commit
  // expects it unchanged, so a concurrent load of the same table cannot slip in between.
  partition_by_load_day(lake, result.table);
  const std::optional<lake::TableInfo> bronze = lake.store().find_table(result.table);
  std::optional<std::string> previous;
  if (incremental) previous = lake.store().state(scope, "cursor");
  if (bronze && incremental && !database.primary_key.empty()) {
    lake.attach(connection, result.table);  // the rows a lookback re-read is compared with
  }

  const Batch batch = start_batch();
  Column cursor;
  std::string in_interval;
  lake::WriteResult written;
  std::vector<lake::StateChange> state = extra_state;
  auto attempt = [&](int n) {
    result.attempts = n;
    state = extra_state;
    // Writable only to start a consistent snapshot (MySQL's mysql_execute refuses otherwise).
    database::Attachment attached(connection, "strata_db_" + batch.suffix, dialect, endpoint,
                                  /*read_only=*/!in_snapshot);
    std::optional<database::ReadTransaction> consistent;
    if (in_snapshot) {
      consistent.emplace(connection);
      for (auto& change : in_snapshot(connection, attached.alias())) state.push_back(change);
    }
    const std::string name = std::get<std::string>(
        connection
            .query("SELECT * FROM " +
                   dialect.pass_through(attached.alias(), std::string(dialect.database_query)))
            .scalar());
    // In MySQL a schema is a database: a table without one is in the connected database.
    const std::string schema = database.schema.empty() ? name : database.schema;
    const std::string prefix =
        source.kind + ":" + (dialect.default_schema.empty() ? "" : name + ".");
    result.origin =
        prefix + (database.query.empty() ? schema + "." + database.table : "query:" + table.name);
    const ReadPlan plan =
        plan_read(connection, attached.alias(), schema, dialect, source, table, previous,
                  bronze.has_value(), bounded ? &*interval : nullptr, where);
    in_interval = plan.in_interval;
    cursor = plan.cursor;
    result.cursor_from = plan.cursor_from;
    const std::string select = "SELECT s.*, " + batch.loaded_at + " AS _strata_loaded_at, " +
                               quote_literal(batch.id) + " AS _strata_batch_id, " +
                               quote_literal(result.origin) + " AS _strata_source FROM " +
                               plan.relation + " AS s" + plan.where;
    engine::QueryMonitor monitor(connection, [&](const engine::QueryProgress& p) {
      if (on_progress) on_progress({result.table.str(), p.percentage, p.rows_processed, 0});
    });
    written = lake.write_files(connection, result.table, select);
    if (consistent) consistent->commit();
  };

  try {
    database::with_connection_retries(dialect, endpoint, result.table.str(), attempt);
  } catch (const Error& e) {
    if (e.kind() == ErrorKind::kInterrupted || e.kind() == ErrorKind::kConfig) throw;
    throw source_error(e, dialect, endpoint, what, result.attempts, where);
  }

  result.rows_loaded = written.rows;
  result.bytes = written.bytes;
  result.cursor_to = previous.value_or("");
  // A full load of a table that became empty still empties its current state.
  const bool empty_full_load = written.rows == 0 && bronze && !incremental;
  if (bounded) {
    commit_interval(connection, lake, {table, bronze, in_interval, cursor, previous, scope},
                    written, result, state);
    if (result.snapshot) partition_by_load_day(lake, result.table);
  } else if (written.rows == 0 && (bronze || written.files.empty()) &&
             !(empty_full_load && database.current_state)) {
    // Nothing new. (A first load of an empty table still commits its empty file: the bronze
    // table then exists, with the source's columns.)
    discard(written.files);
  } else if (empty_full_load) {
    discard(written.files);
    lake::Commit commit;
    commit.state = state;
    CurrentStateMerge merge{result.table, database.primary_key, {}, true, {}};
    merge.soft_deletes = database.soft_deletes;
    result.current_rows = add_current_state(connection, lake, merge, {}, commit);
    if (!commit.tables.empty()) lake.commit(commit);
  } else {
    lake::TableChange change;
    change.table = result.table;
    change.kind = lake::TableKind::kTable;
    change.mode = lake::WriteMode::kAppend;
    change.location = lake.table_location(result.table).string();
    if (incremental) change.expected_snapshot = bronze ? bronze->current_snapshot : 0;
    change.added_files = written.files;
    lake::Commit commit;
    commit.tables.push_back(std::move(change));
    commit.state = state;
    if (incremental && written.rows > 0) {
      std::optional<std::string> mark =
          high_water_mark(connection, written.files, cursor, previous);
      if (mark) {
        result.cursor_to = *mark;
        commit.state.push_back({scope, "cursor", *mark});
      } else {
        log::warn("every row loaded has a NULL cursor; the next load reads them again",
                  {{"table", result.table.str()}, {"cursor", database.cursor}});
      }
    }
    if (database.current_state) {
      CurrentStateMerge merge{
          result.table,
          database.primary_key,
          incremental ? std::vector<std::string>{database.cursor} : std::vector<std::string>{},
          !incremental,
          {}};
      merge.soft_deletes = database.soft_deletes;
      result.current_rows = add_current_state(connection, lake, merge, written.files, commit);
    }
    result.snapshot = lake.commit(commit).front();
    partition_by_load_day(lake, result.table);
  }
  result.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return result;
}

}  // namespace strata::ingest
