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
  const std::string lines = line_reader(sql_list(files), "VARCHAR", json_rejects, "");
  // json_type fails on invalid text: CASE asks it only of valid lines, whatever the plan's order.
  const std::string is_object =
      "(CASE WHEN json_valid(raw) THEN json_type(raw) = 'OBJECT' ELSE false END)";

  // Scan 1: the structure of the object lines, and how many lines are not objects. Lines of one
  // structure add the same to the merged structure, so one line of each is merged
  // (json_group_structure of every line would gather them all in one list first).
  auto summary =
      connection
          .query("WITH g AS MATERIALIZED (SELECT " + is_object +
                 " AS object, any_value(raw) AS sample, count(*) AS lines FROM " + lines +
                 " WHERE raw IS NOT NULL GROUP BY object, CASE WHEN " + is_object +
                 " THEN json_structure(raw) END) SELECT (SELECT json_group_structure((CASE WHEN "
                 "object THEN sample END)::JSON) FROM g "
                 "WHERE object)::VARCHAR, (SELECT sum(lines) FROM g WHERE NOT object)::BIGINT")
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
  plan.select_sql = "SELECT unnest(json_transform(CASE WHEN " + is_object + " THEN raw END, " +
                    quote_literal(structure.dump()) + ")), " + lineage + " FROM " + lines +
                    " WHERE " + is_object;
  // Lines the reader rejected (not UTF-8, too long, ...). Both scans record them, hence DISTINCT;
  // line_byte_position counts from 1.
  const std::string rejected =
      "(SELECT DISTINCT s.file_path, r.line::BIGINT AS line, "
      "(r.line_byte_position - 1)::BIGINT AS byte_offset, "
      "r.error_type::VARCHAR || ': ' || r.error_message AS reason, "
      "r.csv_line AS raw FROM " +
      json_rejects + "_rejects r JOIN " + json_rejects + "_scans s USING (scan_id, file_id))";
  plan.quarantine_sql = "SELECT " + quote_literal(table.name) +
                        " AS table_name, file_path AS source_file, line, byte_offset, reason, "
                        "raw, " +
                        quarantine_stamp + " FROM " + rejected;
  if (not_objects > 0) {
    // Scan 3, only when some lines are not JSON objects: numbered scans, one per file in file
    // order. The reader leaves out the lines it rejects, so a line's number is its row number
    // plus the rejected lines before it (a rejected line numbered L with i rejected lines before
    // it comes before row number n when L - i <= n); its byte offset is exact only with none.
    std::string numbered;
    for (const std::string& file : files) {
      numbered += std::string(numbered.empty() ? "" : " UNION ALL ") +
                  "SELECT row_number() OVER () AS n, (sum(coalesce(strlen(raw), 0) + 1) OVER "
                  "(ROWS UNBOUNDED PRECEDING) - coalesce(strlen(raw), 0) - 1)::BIGINT AS "
                  "byte_offset, raw, _strata_file FROM " +
                  line_reader(quote_literal(file), "VARCHAR", "strata_numbered_" + suffix,
                              ", parallel = false");
    }
    const std::string skipped =
        "(SELECT file_path, line - (row_number() OVER (PARTITION BY "
        "file_path ORDER BY line) - 1) AS before_row FROM " +
        rejected + ")";
    const std::string skipped_before =
        "(SELECT count(*) FROM " + skipped +
        " k WHERE k.file_path = x._strata_file AND k.before_row <= x.n)";
    plan.quarantine_sql +=
        " UNION ALL SELECT " + quote_literal(table.name) + ", _strata_file, n + " + skipped_before +
        ", CASE WHEN " + skipped_before +
        " = 0 THEN byte_offset END, CASE WHEN json_valid(raw) THEN 'not a JSON "
        "object' ELSE 'invalid JSON' END, raw, " +
        quarantine_stamp + " FROM (" + numbered + ") x WHERE raw IS NOT NULL AND NOT " + is_object;
  }
  return plan;
}

}  // namespace strata::ingest
