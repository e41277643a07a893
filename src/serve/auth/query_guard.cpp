#include "serve/auth/query_guard.hpp"

#include <nlohmann/json.hpp>

#include <set>

#include "core/error.hpp"
#include "core/text.hpp"
#include "serve/auth/access_control.hpp"

namespace strata::serve::auth {

namespace {

using nlohmann::json;

constexpr int kMaxViewDepth = 32;

const std::set<std::string>& system_schemas() {
  static const std::set<std::string> kSchemas = {"pg_catalog", "information_schema", "pg_strata"};
  return kSchemas;
}

std::string text_of(const json& node, const char* key) {
  auto it = node.find(key);
  return it != node.end() && it->is_string() ? it->get<std::string>() : std::string();
}

bool is_base_table(const json& node) {
  return node.is_object() && text_of(node, "type") == "BASE_TABLE" && node.contains("table_name");
}

// The parse tree of a single SELECT, or nothing (not a SELECT, several statements, a syntax error).
std::optional<json> parse_select(engine::Connection& connection, const std::string& sql) {
  engine::Value serialized =
      connection.query("SELECT json_serialize_sql($1::VARCHAR)", {engine::Value(sql)}).scalar();
  const auto* text = std::get_if<std::string>(&serialized);
  if (!text) return std::nullopt;
  json tree = json::parse(*text, nullptr, false);
  if (!tree.is_object()) return std::nullopt;
  auto error = tree.find("error");
  auto statements = tree.find("statements");
  if (error == tree.end() || !error->is_boolean() || error->get<bool>() ||
      statements == tree.end() || !statements->is_array() || statements->size() != 1) {
    return std::nullopt;
  }
  return tree;
}

void collect_ctes(const json& node, std::set<std::string>& ctes) {
  if (node.is_array()) {
    for (const auto& child : node) collect_ctes(child, ctes);
    return;
  }
  if (!node.is_object()) return;
  if (node.contains("cte_map") && node["cte_map"].contains("map")) {
    for (const auto& entry : node["cte_map"]["map"]) {
      if (entry.is_object()) ctes.insert(to_lower(text_of(entry, "key")));
    }
  }
  for (const auto& [key, child] : node.items()) collect_ctes(child, ctes);
}

void collect_tables(const json& node, std::vector<std::pair<std::string, std::string>>& out) {
  if (node.is_array()) {
    for (const auto& child : node) collect_tables(child, out);
    return;
  }
  if (!node.is_object()) return;
  if (is_base_table(node)) {
    out.emplace_back(to_lower(text_of(node, "schema_name")), to_lower(text_of(node, "table_name")));
  }
  for (const auto& [key, child] : node.items()) collect_tables(child, out);
}

class Guard {
 public:
  Guard(engine::Connection& connection, const RoleConfig& role, const LakeState& state,
        bool read_policy)
      : connection_(connection), role_(role), state_(state), read_policy_(read_policy) {}

  std::optional<std::string> denied;
  bool masked = false;

  void run(json& tree) {
    collect_ctes(tree, ctes_);
    visit(tree);
  }

 private:
  engine::Connection& connection_;
  const RoleConfig& role_;
  const LakeState& state_;
  bool read_policy_;
  std::set<std::string> ctes_;

  void deny(std::string message) {
    if (!denied) denied = std::move(message);
  }

  void visit(json& node) {
    if (node.is_array()) {
      for (auto& child : node) visit_child(child);
    } else if (node.is_object()) {
      if (read_policy_ && text_of(node, "type") == "TABLE_FUNCTION") table_function(node);
      for (auto& [key, child] : node.items()) visit_child(child);
    }
  }

  void visit_child(json& child) {
    if (!is_base_table(child)) return visit(child);
    if (std::optional<json> replacement = table(child)) child = std::move(*replacement);
  }

  void table_function(const json& node) {
    static const std::set<std::string> kAllowed = {"range", "generate_series", "unnest",
                                                   "generate_subscripts"};
    const json* function = node.contains("function") ? &node["function"] : nullptr;
    const std::string name = function ? to_lower(text_of(*function, "function_name")) : "";
    const std::string schema = function ? to_lower(text_of(*function, "schema")) : "";
    if (kAllowed.contains(name) || system_schemas().contains(schema)) return;
    deny("table function " + (name.empty() ? std::string("?") : name) +
         "() is not available to role " + role_.name + " (it reads lake tables only)");
  }

  // Checks one table reference; returns the masked subquery that replaces it, if any.
  std::optional<json> table(const json& node) {
    const std::string catalog = to_lower(text_of(node, "catalog_name"));
    const std::string schema = to_lower(text_of(node, "schema_name"));
    const std::string name = to_lower(text_of(node, "table_name"));
    if (read_policy_ && !catalog.empty() && catalog != "memory") {
      deny("database " + catalog + " is not available to role " + role_.name);
      return std::nullopt;
    }
    if (schema.empty()) {
      if (!ctes_.contains(name)) unqualified(name);
      return std::nullopt;
    }
    const AttachedTable* table = state_.find(schema, name);
    if (!table) return std::nullopt;  // system catalogs; anything else fails in DuckDB
    if (!may_read(role_, schema, name)) {
      deny("permission denied for table " + schema + "." + name + " (role " + role_.name + ")");
      return std::nullopt;
    }
    if (table->kind == lake::TableKind::kView) {
      if (std::optional<std::string> masked_table = view_reads_masked(*table, 0)) {
        deny("view " + schema + "." + name + " reads " + *masked_table +
             ", which has masked columns for role " + role_.name +
             "; query the table itself (or mask the view's columns too)");
      }
      return std::nullopt;
    }
    const std::vector<const ColumnMask*> masks = masks_of(role_, schema, name);
    if (masks.empty()) return std::nullopt;
    return masked_subquery(node, schema, name, masks);
  }

  void unqualified(const std::string& name) {
    for (const auto& [key, table] : state_.tables) {
      if (to_lower(table.name.name) != name) continue;
      const std::string space = to_lower(table.name.space);
      if (!may_read(role_, space, name) || !masks_of(role_, space, name).empty()) {
        deny("name table " + name + " with its schema (" + space + "." + name + "): role " +
             role_.name + " reads it masked or not at all");
        return;
      }
    }
  }

  std::optional<std::string> view_reads_masked(const AttachedTable& view, int depth) {
    if (role_.masks.empty()) return std::nullopt;
    if (depth > kMaxViewDepth)
      return view.name.space + "." + view.name.name + " (nested too deeply)";
    std::optional<json> tree = parse_select(connection_, view.view_sql);
    if (!tree) return view.name.space + "." + view.name.name + " (its SQL cannot be checked)";
    std::vector<std::pair<std::string, std::string>> tables;
    collect_tables(*tree, tables);
    for (const auto& [schema, name] : tables) {
      const AttachedTable* table = state_.find(schema, name);
      if (!table) continue;
      if (!masks_of(role_, schema, name).empty()) return schema + "." + name;
      if (table->kind == lake::TableKind::kView) {
        if (auto found = view_reads_masked(*table, depth + 1)) return found;
      }
    }
    return std::nullopt;
  }

  json masked_subquery(const json& node, const std::string& schema, const std::string& name,
                       const std::vector<const ColumnMask*>& masks) {
    std::string replace;
    for (const ColumnMask* mask : masks) {
      if (!replace.empty()) replace += ", ";
      const std::string column = engine::quote_identifier(mask->column);
      replace += mask_expression(mask->kind, column) + " AS " + column;
    }
    std::string alias = text_of(node, "alias");
    if (alias.empty()) alias = text_of(node, "table_name");
    const std::string sql = "SELECT * FROM (SELECT * REPLACE (" + replace + ") FROM memory." +
                            engine::quote_identifier(schema) + "." +
                            engine::quote_identifier(name) + ") AS " +
                            engine::quote_identifier(alias);
    std::optional<json> tree = parse_select(connection_, sql);
    if (!tree) throw Error(ErrorKind::kInternal, "cannot build the masked query: " + sql);
    json subquery = (*tree)["statements"][0]["node"]["from_table"];
    if (node.contains("column_name_alias"))
      subquery["column_name_alias"] = node["column_name_alias"];
    masked = true;
    return subquery;
  }
};

}  // namespace

std::string mask_expression(MaskKind kind, const std::string& column) {
  const std::string text = "CAST(" + column + " AS VARCHAR)";
  switch (kind) {
    case MaskKind::kEmail:
      // k*****@example.com: the first character, then the domain from the last '@'.
      return "CASE WHEN " + column + " IS NULL THEN NULL WHEN strpos(" + text +
             ", '@') > 1 THEN left(" + text + ", 1) || '*****' || substr(" + text + ", length(" +
             text + ") - strpos(reverse(" + text + "), '@') + 1) ELSE '*****' END";
    case MaskKind::kHash:
      return "sha256(" + text + ")";
    case MaskKind::kNull:
      return "CASE WHEN false THEN " + column + " END";
    case MaskKind::kRedact:
      return "CASE WHEN " + column + " IS NULL THEN NULL ELSE '*****' END";
  }
  return "NULL";
}

GuardedQuery guard_query(engine::Connection& connection, const std::string& sql,
                         const RoleConfig& role, const LakeState& state, bool read_policy) {
  if (role.admin) return GuardedQuery{sql, std::nullopt, false};
  return guard_query(connection, sql, parse_select(connection, sql), role, state, read_policy);
}

GuardedQuery guard_query(engine::Connection& connection, const std::string& sql,
                         const std::optional<json>& select, const RoleConfig& role,
                         const LakeState& state, bool read_policy) {
  GuardedQuery out;
  out.sql = sql;
  if (role.admin) return out;
  std::optional<json> tree = select;  // masking rewrites it
  if (!tree) {
    out.denied = "role " + role.name + " may only run single SELECT queries DuckDB can check";
    return out;
  }
  Guard guard(connection, role, state, read_policy);
  guard.run(*tree);
  out.denied = std::move(guard.denied);
  if (out.denied || !guard.masked) return out;
  out.masked = true;
  engine::Value text =
      connection.query("SELECT json_deserialize_sql($1::JSON)", {engine::Value(tree->dump())})
          .scalar();
  const auto* masked_sql = std::get_if<std::string>(&text);
  if (!masked_sql) throw Error(ErrorKind::kInternal, "cannot turn the masked query back into SQL");
  out.sql = *masked_sql;
  return out;
}

}  // namespace strata::serve::auth
