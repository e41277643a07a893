#include "transform/snapshot.hpp"

#include <regex>

#include "core/text.hpp"
#include "transform/staged_table.hpp"

namespace strata::transform {
namespace {

using engine::quote_identifier;

std::string setting(const Model& snapshot, const std::string& key) {
  const jinja::Value* value = snapshot.config.all.find(key);
  return value && !value->is_none() ? value->str() : std::string();
}

std::vector<std::string> columns_of(engine::Connection& connection, const std::string& relation) {
  std::vector<std::string> columns;
  for (auto& [name, type] : describe_columns(connection, relation)) columns.push_back(name);
  return columns;
}

}  // namespace

std::pair<std::string, std::string> snapshot_block(std::string_view text) {
  static const std::regex open(R"(\{%-?\s*snapshot\s+([A-Za-z_][A-Za-z0-9_]*)\s*-?%\})");
  static const std::regex close(R"(\{%-?\s*endsnapshot\s*-?%\})");
  const std::string source(text);
  std::smatch start, end;
  if (!std::regex_search(source, start, open)) return {"", ""};
  const size_t body_begin = static_cast<size_t>(start.position(0) + start.length(0));
  const std::string rest = source.substr(body_begin);
  if (!std::regex_search(rest, end, close)) {
    throw Error(ErrorKind::kInput, "`{% snapshot " + start[1].str() +
                                       " %}` is never closed: expected `{% endsnapshot %}`");
  }
  const std::string before = source.substr(0, body_begin);
  std::string body(static_cast<size_t>(std::count(before.begin(), before.end(), '\n')), '\n');
  body += rest.substr(0, static_cast<size_t>(end.position(0)));
  return {start[1].str(), body};
}

uint64_t build_snapshot(lake::Lake& lake, engine::Connection& connection, const Model& snapshot,
                        const std::string& select_sql) {
  const std::string strategy = setting(snapshot, "strategy");
  const std::string updated_at = setting(snapshot, "updated_at");
  const std::vector<std::string>& keys = snapshot.config.unique_key;
  if (keys.empty()) throw Error(ErrorKind::kInput, "a snapshot needs a unique_key");
  if (strategy != "timestamp" && strategy != "check") {
    throw Error(ErrorKind::kInput,
                "snapshot strategy must be 'timestamp' or 'check', not '" + strategy + "'");
  }
  if (strategy == "timestamp" && updated_at.empty()) {
    throw Error(ErrorKind::kInput, "the timestamp strategy needs updated_at (a column)");
  }
  const StagedTable staged_table(connection, "__strata_snapshot_" + snapshot.name, select_sql);
  const std::string& staged = staged_table.relation();

  auto key_of = [&](const std::string& alias) {
    std::vector<std::string> parts;
    for (const std::string& key : keys) parts.push_back(alias + "." + quote_identifier(key));
    return parts.size() == 1 ? parts.front() : "concat_ws('|', " + join(parts, ", ") + ")";
  };
  // dbt's scd id: md5 of the key and the version's time, '|'-separated, NULLs as ''.
  auto scd_id = [&](const std::string& alias, const std::string& time) {
    return "md5(coalesce(cast(" + key_of(alias) + " as varchar), '') || '|' || coalesce(cast(" +
           time + " as varchar), ''))";
  };
  const std::string version_time =
      strategy == "timestamp" ? "s." + quote_identifier(updated_at) : "cast(now() as timestamp)";
  const std::vector<std::string> source_columns = columns_of(connection, staged);
  auto new_version = [&](const std::string& from) {
    return "SELECT s.*, " + scd_id("s", version_time) + " AS dbt_scd_id, " + version_time +
           " AS dbt_updated_at, " + version_time + " AS dbt_valid_from, nullif(" + version_time +
           ", " + version_time + ") AS dbt_valid_to FROM " + from;
  };
  const lake::TableName table = snapshot.relation();
  uint64_t rows = 0;
  if (!lake.store().find_table(table)) {
    lake.overwrite(connection, table, new_version(staged + " AS s"), &rows);
    return rows;
  }
  const std::string target = quoted_relation(table);
  std::string changed;
  if (strategy == "timestamp") {
    changed = "s." + quote_identifier(updated_at) + " > c.dbt_updated_at";
  } else {
    std::vector<std::string> checked;
    const jinja::Value* cols = snapshot.config.all.find("check_cols");
    if (cols && cols->is_list()) {
      for (const jinja::Value& col : cols->as_list()) checked.push_back(col.str());
    } else {
      checked = source_columns;
    }
    std::vector<std::string> differs;
    for (const std::string& col : checked) {
      differs.push_back("s." + quote_identifier(col) + " IS DISTINCT FROM c." +
                        quote_identifier(col));
    }
    changed = "(" + join(differs, " OR ") + ")";
  }
  std::vector<std::string> matches;
  for (const std::string& key : keys) {
    matches.push_back("s." + quote_identifier(key) + " = c." + quote_identifier(key));
  }
  const std::string match = join(matches, " AND ");
  const std::string current = "(SELECT * FROM " + target + " WHERE dbt_valid_to IS NULL)";
  // Source rows that start a new version: changed ones and keys with no current version.
  const std::string starting = "(SELECT s.* FROM " + staged + " AS s LEFT JOIN " + current +
                               " AS c ON " + match + " WHERE c.dbt_scd_id IS NULL OR " + changed +
                               ") AS s";
  // The current versions they close, with the time the new version starts.
  std::string closing = "SELECT c.dbt_scd_id AS closed_id, " + version_time +
                        " AS closed_at FROM " + staged + " AS s JOIN " + current + " AS c ON " +
                        match + " WHERE " + changed;
  // hard_deletes='invalidate': a key gone from the source closes its current version now.
  const jinja::Value* legacy = snapshot.config.all.find("invalidate_hard_deletes");
  if (setting(snapshot, "hard_deletes") == "invalidate" || (legacy && legacy->truthy())) {
    closing += " UNION ALL SELECT c.dbt_scd_id, cast(now() as timestamp) FROM " + current +
               " AS c WHERE NOT EXISTS (SELECT 1 FROM " + staged + " AS s WHERE " + match + ")";
  } else if (!setting(snapshot, "hard_deletes").empty() &&
             setting(snapshot, "hard_deletes") != "ignore") {
    throw Error(ErrorKind::kInput, "hard_deletes='" + setting(snapshot, "hard_deletes") +
                                       "' is not supported yet (use 'ignore' or 'invalidate')");
  }
  std::vector<std::string> kept_columns;
  for (const std::string& column : columns_of(connection, target)) {
    kept_columns.push_back(column == "dbt_valid_to"
                               ? "coalesce(t.dbt_valid_to, closing.closed_at) AS dbt_valid_to"
                               : "t." + quote_identifier(column));
  }
  const std::string sql = "WITH closing AS (" + closing + ") SELECT " + join(kept_columns, ", ") +
                          " FROM " + target +
                          " AS t LEFT JOIN closing ON t.dbt_scd_id = closing.closed_id "
                          "UNION ALL BY NAME " +
                          new_version(starting);
  lake.overwrite(connection, table, sql, &rows);
  return rows;
}

}  // namespace strata::transform
