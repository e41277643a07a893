#include "ingest/type_alignment.hpp"

#include <map>

#include "core/text.hpp"

namespace strata::ingest {

namespace {

using engine::quote_identifier;

std::map<std::string, std::string> column_types(engine::Connection& connection,
                                                const std::string& relation) {
  std::map<std::string, std::string> types;
  for (const auto& row : connection.query("DESCRIBE " + relation).fetch_all()) {
    types[std::get<std::string>(row.at(0))] = std::get<std::string>(row.at(1));
  }
  return types;
}

bool is_integer(const std::string& type) {
  for (const char* name : {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT",
                           "USMALLINT", "UINTEGER", "UBIGINT"}) {
    if (type == name) return true;
  }
  return false;
}

bool is_nested(const std::string& type) {
  return type.find('(') != std::string::npos && !starts_with(type, "DECIMAL");
}

}  // namespace

std::string align_to_table(engine::Connection& connection, lake::Lake& lake,
                           const lake::TableName& table, const std::string& select_sql) {
  if (!lake.store().find_table(table)) return select_sql;
  lake.attach(connection, table);
  const auto existing = column_types(connection, "SELECT * FROM " + quote_identifier(table.space) +
                                                     "." + quote_identifier(table.name));
  std::vector<std::string> casts;
  for (const auto& [name, type] : column_types(connection, select_sql)) {
    const auto found = existing.find(name);
    if (found == existing.end() || found->second == type) continue;
    const std::string& target = found->second;
    const bool to_double = (target == "DOUBLE" || target == "FLOAT") && is_integer(type);
    const bool to_text =
        target == "VARCHAR" && !is_nested(type) && type.find('[') == std::string::npos;
    if (to_double || to_text) {
      casts.push_back("CAST(" + quote_identifier(name) + " AS " + target + ") AS " +
                      quote_identifier(name));
    }
  }
  if (casts.empty()) return select_sql;
  return "SELECT * REPLACE (" + join(casts, ", ") + ") FROM (" + select_sql + ")";
}

}  // namespace strata::ingest
