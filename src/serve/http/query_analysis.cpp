#include "serve/http/query_analysis.hpp"

#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "core/text.hpp"
#include "engine/sql_tree.hpp"

namespace strata::serve::http {

namespace {

constexpr int kMaxViewDepth = 32;

using engine::json_text;

struct Walk {
  const std::set<std::string>& consistent_functions;
  std::set<std::string> ctes;
  std::set<std::pair<std::string, std::string>> tables;
  std::set<std::string> table_functions;
  std::set<std::string> catalogs;
  std::optional<std::string> uncacheable;

  void fail(std::string reason) {
    if (!uncacheable) uncacheable = std::move(reason);
  }

  void visit(nlohmann::json& node) {
    if (node.is_array()) {
      for (auto& child : node) visit(child);
      return;
    }
    if (!node.is_object()) return;
    node.erase("query_location");  // positions differ with whitespace, not with meaning
    const std::string type = json_text(node, "type");
    const std::string node_class = json_text(node, "class");
    if (type == "BASE_TABLE" && node.contains("table_name")) {
      table(node);
    } else if (type == "TABLE_FUNCTION") {
      fail("it calls a table function");
      if (node.contains("function") && node["function"].is_object()) {
        table_functions.insert(to_lower(json_text(node["function"], "function_name")));
      } else {
        table_functions.insert("");
      }
    } else if (node_class == "FUNCTION" || node_class == "AGGREGATE" || node_class == "WINDOW") {
      const std::string name = to_lower(json_text(node, "function_name"));
      if (!consistent_functions.contains(name)) {
        fail("its result may change without a commit (" + name + ")");
      }
    }
    if (node.contains("cte_map") && node["cte_map"].contains("map")) {
      for (const auto& entry : node["cte_map"]["map"]) {
        if (entry.is_object()) ctes.insert(to_lower(json_text(entry, "key")));
      }
    }
    for (auto& [key, child] : node.items()) visit(child);
  }

  void table(const nlohmann::json& node) {
    const std::string catalog = to_lower(json_text(node, "catalog_name"));
    if (!catalog.empty() && catalog != "memory") fail("it reads catalog " + catalog);
    if (!catalog.empty()) catalogs.insert(catalog);
    if (node.contains("at_clause") && !node["at_clause"].is_null()) fail("it travels in time");
    tables.emplace(to_lower(json_text(node, "schema_name")),
                   to_lower(json_text(node, "table_name")));
  }
};

}  // namespace

QueryAnalyzer::QueryAnalyzer(engine::Connection& connection) {
  // Functions all of whose overloads give the same result for the same input.
  engine::Result result = connection.query(
      "SELECT function_name FROM duckdb_functions() GROUP BY function_name "
      "HAVING bool_and(stability = 'CONSISTENT')");
  for (const auto& row : result.fetch_all()) {
    if (const auto* name = std::get_if<std::string>(&row.at(0))) {
      consistent_functions_.insert(to_lower(*name));
    }
  }
}

QueryAnalyzer::Parsed QueryAnalyzer::parse(engine::Connection& connection,
                                           const std::string& sql) const {
  Parsed parsed;
  engine::SqlTree parsed_sql = engine::serialize_sql(connection, sql);
  nlohmann::json& tree = parsed_sql.tree;
  if (!parsed_sql.ok || parsed_sql.statements != 1) {
    parsed.uncacheable = "it is not a single SELECT DuckDB can serialize";
    const std::string& error_type = parsed_sql.error_type;
    const std::string& message = parsed_sql.error_message;
    if (message.find("Only SELECT") != std::string::npos) {
      parsed.rejection = "only SELECT queries can be run through the HTTP API (it is read-only)";
    } else if (error_type == "parser") {
      parsed.rejection = "Parser Error: " + message;
    } else if (parsed_sql.statements > 1) {
      parsed.rejection = "send one statement per request";
    }
    return parsed;
  }
  parsed.select = tree;  // the walk normalizes its own copy
  Walk walk{consistent_functions_, {}, {}, {}, {}, {}};
  walk.visit(tree);
  parsed.uncacheable = walk.uncacheable;
  parsed.normalized = tree.dump();
  parsed.table_functions = std::move(walk.table_functions);
  parsed.catalogs = std::move(walk.catalogs);
  parsed.parsed = true;
  for (const auto& [schema, name] : walk.tables) {
    if (schema.empty() && walk.ctes.contains(name)) continue;
    parsed.tables.emplace(schema, name);
  }
  return parsed;
}

std::optional<std::string> QueryAnalyzer::resolve(engine::Connection& connection,
                                                  const Parsed& parsed, const LakeState& state,
                                                  std::map<std::string, int64_t>& reads,
                                                  int depth) {
  if (parsed.uncacheable) return parsed.uncacheable;
  if (depth > kMaxViewDepth) return "its views nest too deeply";
  for (const auto& [schema, name] : parsed.tables) {
    const AttachedTable* table = schema.empty() ? nullptr : state.find(schema, name);
    if (!table) {
      return "it reads " + (schema.empty() ? name : schema + "." + name) +
             ", which is not a lake table";
    }
    const std::string key = table_key(schema, name);
    if (!reads.emplace(key, table->snapshot).second) continue;  // seen already
    if (table->kind != lake::TableKind::kView) continue;
    Parsed view;
    {
      std::lock_guard lock(mutex_);
      auto cached = view_cache_.find({key, table->snapshot});
      if (cached != view_cache_.end()) view = cached->second;
    }
    if (view.normalized.empty() && !view.uncacheable) {
      view = parse(connection, table->view_sql);
      view.select.reset();  // only the table set is kept for views
      std::lock_guard lock(mutex_);
      view_cache_[{key, table->snapshot}] = view;
    }
    if (auto reason = resolve(connection, view, state, reads, depth + 1)) {
      return "it reads view " + key + " and " + *reason;
    }
  }
  return std::nullopt;
}

std::optional<std::pair<int, std::string>> QueryAnalyzer::forbidden(const Parsed& parsed,
                                                                    const LakeState& state) {
  static const std::set<std::string> kAllowedFunctions = {"range", "generate_series", "unnest"};
  static const std::set<std::string> kSystemSchemas = {"information_schema", "pg_catalog"};
  const std::string policy = " (the HTTP API reads lake tables only)";
  if (!parsed.parsed) {
    return std::pair(403, "the query cannot be checked against the read policy" + policy);
  }
  for (const std::string& catalog : parsed.catalogs) {
    if (catalog != "memory")
      return std::pair(403, "database " + catalog + " is not available" + policy);
  }
  for (const std::string& function : parsed.table_functions) {
    if (!kAllowedFunctions.contains(function)) {
      return std::pair(403, "table function " + function + "() is not available" + policy);
    }
  }
  for (const auto& [schema, name] : parsed.tables) {
    if (kSystemSchemas.contains(schema)) continue;
    if (schema.empty() || !state.find(schema, name)) {
      return std::pair(400, "no lake table " + (schema.empty() ? name : schema + "." + name) +
                                policy + "; name tables as namespace.table");
    }
  }
  return std::nullopt;
}

QueryAnalysis QueryAnalyzer::analyze(engine::Connection& connection, const std::string& sql,
                                     const LakeState& state) {
  QueryAnalysis analysis;
  Parsed parsed = parse(connection, sql);
  analysis.normalized = parsed.normalized;
  analysis.select = std::move(parsed.select);
  analysis.rejection = parsed.rejection;
  if (auto violation = forbidden(parsed, state)) {
    analysis.forbidden_status = violation->first;
    analysis.forbidden = std::move(violation->second);
  }
  std::optional<std::string> reason = resolve(connection, parsed, state, analysis.reads, 0);
  analysis.cacheable = !reason.has_value();
  if (reason) analysis.reason = "not cached: " + *reason;
  return analysis;
}

}  // namespace strata::serve::http
