#include "engine/sql_tree.hpp"

namespace strata::engine {

std::string json_text(const nlohmann::json& node, const char* key) {
  auto it = node.find(key);
  return it != node.end() && it->is_string() ? it->get<std::string>() : std::string();
}

SqlTree serialize_sql(Connection& connection, const std::string& sql) {
  SqlTree result;
  Value serialized =
      connection.query("SELECT json_serialize_sql($1::VARCHAR)", {Value(sql)}).scalar();
  const auto* text = std::get_if<std::string>(&serialized);
  result.tree = text ? nlohmann::json::parse(*text, nullptr, false) : nlohmann::json();
  if (!result.tree.is_object()) return result;
  result.error_type = json_text(result.tree, "error_type");
  result.error_message = json_text(result.tree, "error_message");
  const auto statements = result.tree.find("statements");
  if (statements != result.tree.end() && statements->is_array()) {
    result.statements = statements->size();
  }
  const auto error = result.tree.find("error");
  result.ok = error != result.tree.end() && error->is_boolean() && !error->get<bool>() &&
              statements != result.tree.end() && statements->is_array();
  return result;
}

}  // namespace strata::engine
