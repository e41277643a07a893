#include "ingest/ndjson_scan.hpp"

#include <nlohmann/json.hpp>

namespace strata::ingest {

namespace {

using engine::quote_literal;

std::string sql_list(const std::vector<std::string>& files) {
  std::string list = "[";
  for (size_t i = 0; i < files.size(); ++i) list += (i ? ", " : "") + quote_literal(files[i]);
  return list + "]";
}

// One line per row, as the CSV reader splits them with a delimiter and quote no JSON text has.
std::string line_reader(const std::string& files, const std::string& type,
                        const std::string& rejects, const std::string& extra) {
  return "read_csv(" + files + ", columns = {'raw': '" + type +
         "'}, header = false, delim = '\x01', quote = '', escape = '', auto_detect = false, "
         "filename = '_strata_file', store_rejects = true, rejects_table = " +
         quote_literal(rejects + "_rejects") +
         ", rejects_scan = " + quote_literal(rejects + "_scans") + extra + ")";
}

// JSON types DuckDB infers, made friendly for tables: no unsigned integers, no NULL-typed columns.
void normalize_structure(nlohmann::json& node) {
  if (node.is_string()) {
    const std::string type = node.get<std::string>();
    if (type == "NULL")
      node = "VARCHAR";
    else if (type == "UBIGINT")
      node = "BIGINT";
  } else if (node.is_array() || node.is_object()) {
    for (auto& child : node) normalize_structure(child);
  }
}

}  // namespace

std::vector<std::string> ndjson_temporary_tables(const std::string& suffix) {
  return {"strata_json_" + suffix + "_rejects", "strata_json_" + suffix + "_scans",
          "strata_numbered_" + suffix + "_rejects", "strata_numbered_" + suffix + "_scans"};
}

NdjsonPlan plan_ndjson(engine::Connection& connection, const FileTableConfig& table,
                       const std::vector<std::string>& files, const std::string& lineage,
                       const std::string& quarantine_stamp, const std::string& suffix) {
  const std::string json_rejects = "strata_json_" + suffix;
  const std::string lines = line_reader(sql_list(files), "JSON", json_rejects, "");
  const std::string is_object = "json_type(raw) = 'OBJECT'";

  // Scan 1: the structure of every object line, and how many valid lines are not objects. Lines
  // of one structure add the same to the merged structure, so one line of each is merged
  // (json_group_structure of every line would gather them all in one list first).
  auto summary =
      connection
          .query("WITH g AS MATERIALIZED (SELECT " + is_object +
                 " AS object, any_value(raw) AS sample, count(*) AS lines FROM " + lines +
                 " WHERE raw IS NOT NULL GROUP BY object, json_structure(raw)) SELECT (SELECT "
                 "json_group_structure(sample) FROM g WHERE object)::VARCHAR, (SELECT "
                 "sum(lines) FROM g WHERE NOT object)::BIGINT")
          .fetch_all();
  const auto* structure_text = std::get_if<std::string>(&summary.at(0).at(0));
  nlohmann::json structure =
      structure_text ? nlohmann::json::parse(*structure_text) : nlohmann::json::object();
  if (!structure.is_object()) structure = nlohmann::json::object();
  normalize_structure(structure);
  for (const auto& [name, type] : table.columns) structure[name] = type;
  if (structure.empty()) structure["value"] = "VARCHAR";
  const auto* counted = std::get_if<int64_t>(&summary.at(0).at(1));
  const int64_t not_objects = counted ? *counted : 0;

  NdjsonPlan plan;
  // Scan 2: the object lines, typed.
  plan.select_sql = "SELECT unnest(json_transform(raw, " + quote_literal(structure.dump()) +
                    ")), " + lineage + " FROM " + lines + " WHERE " + is_object;
  // Lines the reader rejected: invalid JSON (a failed cast to JSON) or unreadable (too long...).
  // Both scans record them, hence DISTINCT. line_byte_position counts from 1.
  plan.quarantine_sql =
      "SELECT DISTINCT " + quote_literal(table.name) +
      " AS table_name, s.file_path AS source_file, r.line::BIGINT AS line, "
      "(r.line_byte_position - 1)::BIGINT AS byte_offset, CASE WHEN r.error_type = 'CAST' THEN "
      "'invalid JSON' ELSE r.error_type::VARCHAR || ': ' || r.error_message END AS reason, "
      "r.csv_line AS raw, " +
      quarantine_stamp + " FROM " + json_rejects + "_rejects r JOIN " + json_rejects +
      "_scans s USING (scan_id, file_id)";
  if (not_objects > 0) {
    // Valid JSON that is no object: numbered scans, one per file, in file order.
    std::string numbered;
    for (const std::string& file : files) {
      numbered += std::string(numbered.empty() ? "" : " UNION ALL ") +
                  "SELECT row_number() OVER () AS line, (sum(coalesce(strlen(raw), 0) + 1) OVER "
                  "(ROWS UNBOUNDED PRECEDING) - coalesce(strlen(raw), 0) - 1)::BIGINT AS "
                  "byte_offset, "
                  "raw, _strata_file FROM " +
                  line_reader(quote_literal(file), "VARCHAR", "strata_numbered_" + suffix,
                              ", parallel = false");
    }
    plan.quarantine_sql += " UNION ALL SELECT " + quote_literal(table.name) +
                           ", _strata_file, line, byte_offset, 'not a JSON object', raw, " +
                           quarantine_stamp + " FROM (" + numbered +
                           ") WHERE json_valid(raw) AND json_type(raw) <> 'OBJECT'";
  }
  return plan;
}

}  // namespace strata::ingest
