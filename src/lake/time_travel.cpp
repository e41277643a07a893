// Lake's time travel: a query names an old state of a table as `namespace."table@<snapshot id>"`
// or `namespace."table@<ISO-8601 timestamp>"` (UTC unless it has an offset). Those names are
// plain quoted identifiers to DuckDB, so the syntax works wherever SQL does; before running a
// query, attach_time_travel finds them and creates each as a view over that snapshot's files.
#include <cctype>

#include "core/error.hpp"
#include "core/time_text.hpp"
#include "lake/iceberg_scan.hpp"
#include "lake/table_store.hpp"

namespace strata::lake {

namespace {

using engine::quote_identifier;

struct TimeTravelName {
  TableName table;
  std::string at;  // what follows the '@'
};

bool is_word_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
}

// The quoted identifier that ends just before `end` (exclusive), read backwards: its text and
// where it starts; or the bare word there.
std::optional<std::pair<std::string, size_t>> identifier_before(const std::string& sql,
                                                                size_t end) {
  if (end == 0) return std::nullopt;
  if (sql[end - 1] == '"') {
    if (end < 2) return std::nullopt;
    const size_t open = sql.rfind('"', end - 2);
    if (open == std::string::npos) return std::nullopt;
    return std::make_pair(sql.substr(open + 1, end - open - 2), open);
  }
  size_t start = end;
  while (start > 0 && is_word_char(sql[start - 1])) --start;
  if (start == end) return std::nullopt;
  return std::make_pair(sql.substr(start, end - start), start);
}

// Every `space."name@at"` in `sql`, skipping string literals.
std::vector<TimeTravelName> time_travel_names(const std::string& sql) {
  std::vector<TimeTravelName> names;
  for (size_t i = 0; i < sql.size(); ++i) {
    if (sql[i] == '\'') {  // a string literal; '' is a quote inside it
      for (++i; i < sql.size(); ++i) {
        if (sql[i] == '\'' && (i + 1 >= sql.size() || sql[i + 1] != '\'')) break;
        if (sql[i] == '\'') ++i;
      }
      continue;
    }
    if (sql[i] != '"') continue;
    const size_t close = sql.find('"', i + 1);
    if (close == std::string::npos) break;
    const std::string quoted = sql.substr(i + 1, close - i - 1);
    const size_t at = quoted.rfind('@');
    if (at != std::string::npos && at > 0 && i > 0 && sql[i - 1] == '.') {
      if (auto space = identifier_before(sql, i - 1)) {
        names.push_back({{space->first, quoted.substr(0, at)}, quoted.substr(at + 1)});
      }
    }
    i = close;
  }
  return names;
}

bool all_digits(const std::string& text) {
  if (text.empty()) return false;
  for (char c : text) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

}  // namespace

int64_t Lake::snapshot_at_time(const TableName& table, int64_t timestamp_ms) {
  const TableState state = load_table(table);
  const std::optional<int64_t> id = iceberg::snapshot_at(*state.metadata, timestamp_ms);
  if (!id) {
    throw Error(ErrorKind::kInput,
                "the table had no snapshot at " + iso_utc(timestamp_ms / 1000) +
                    " (it is younger, or that history was expired)",
                Location::of(table.str()));
  }
  return *id;
}

std::vector<std::string> Lake::attach_time_travel(engine::Connection& connection,
                                                  const std::string& sql) {
  std::vector<std::string> views;
  for (const TimeTravelName& name : time_travel_names(sql)) {
    // `alias."column@x"` names no table: left to DuckDB.
    const std::optional<TableInfo> table = store_.find_table(name.table);
    if (!table || table->kind != TableKind::kTable) continue;
    int64_t snapshot = 0;
    if (all_digits(name.at)) {
      try {
        snapshot = std::stoll(name.at);
      } catch (const std::exception&) {
        throw Error(ErrorKind::kInput, "snapshot id out of range: " + name.at,
                    Location::of(name.table.str()));
      }
    } else {
      const std::optional<int64_t> seconds = parse_instant(name.at, TimeZone::utc());
      if (!seconds) {
        throw Error(ErrorKind::kInput,
                    "after '@' comes a snapshot id or an ISO-8601 time (e.g. "
                    "2026-01-31T08:00:00Z), not '" +
                        name.at + "'",
                    Location::of(name.table.str()));
      }
      snapshot = snapshot_at_time(name.table, *seconds * 1000);
    }
    const std::string view = quote_identifier(name.table.space) + "." +
                             quote_identifier(name.table.name + "@" + name.at);
    connection.execute(create_schema_sql(name.table.space));
    connection.execute("CREATE OR REPLACE VIEW " + view + " AS " +
                       snapshot_sql(name.table, snapshot));
    views.push_back(view);
  }
  return views;
}

}  // namespace strata::lake
