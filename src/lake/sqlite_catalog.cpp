#include "lake/sqlite_catalog.hpp"

#include <nlohmann/json.hpp>

#include "core/error.hpp"

namespace strata::lake::sqlite_catalog {

namespace {

bool table_exists(sqlite::Database& db, const TableName& name) {
  sqlite::Statement s(db, "SELECT 1 FROM tables WHERE namespace = ?1 AND name = ?2");
  s.bind(1, name.space).bind(2, name.name);
  return s.step();
}

bool namespace_row_exists(sqlite::Database& db, const std::string& space) {
  sqlite::Statement s(db, "SELECT 1 FROM namespaces WHERE name = ?1");
  s.bind(1, space);
  return s.step();
}

bool namespace_has_tables(sqlite::Database& db, const std::string& space) {
  sqlite::Statement s(db, "SELECT 1 FROM tables WHERE namespace = ?1 LIMIT 1");
  s.bind(1, space);
  return s.step();
}

void store_properties(sqlite::Database& db, const std::string& space,
                      const std::map<std::string, std::string>& properties) {
  sqlite::Statement s(db,
                      "INSERT INTO namespaces(name, properties) VALUES (?1, ?2) "
                      "ON CONFLICT(name) DO UPDATE SET properties = excluded.properties");
  s.bind(1, space).bind(2, nlohmann::json(properties).dump());
  s.run();
}

}  // namespace

std::vector<std::string> namespaces(sqlite::Database& db) {
  sqlite::Statement s(db,
                      "SELECT name FROM namespaces UNION SELECT namespace FROM tables ORDER BY 1");
  std::vector<std::string> out;
  while (s.step()) out.push_back(s.text(0));
  return out;
}

std::optional<std::map<std::string, std::string>> namespace_properties(sqlite::Database& db,
                                                                       const std::string& space) {
  sqlite::Statement s(db, "SELECT properties FROM namespaces WHERE name = ?1");
  s.bind(1, space);
  if (s.step()) {
    return nlohmann::json::parse(s.text(0)).get<std::map<std::string, std::string>>();
  }
  if (namespace_has_tables(db, space)) return std::map<std::string, std::string>{};
  return std::nullopt;
}

void create_namespace(sqlite::Database& db, const std::string& space,
                      const std::map<std::string, std::string>& properties) {
  sqlite::Transaction transaction(db);
  if (namespace_row_exists(db, space) || namespace_has_tables(db, space)) {
    throw Error(ErrorKind::kConflict, "the namespace already exists", Location::of(space));
  }
  store_properties(db, space, properties);
  transaction.commit();
}

void update_namespace_properties(sqlite::Database& db, const std::string& space,
                                 const std::map<std::string, std::string>& updates,
                                 const std::vector<std::string>& removals) {
  sqlite::Transaction transaction(db);
  std::map<std::string, std::string> properties =
      namespace_properties(db, space).value_or(std::map<std::string, std::string>{});
  for (const std::string& key : removals) properties.erase(key);
  for (const auto& [key, value] : updates) properties[key] = value;
  store_properties(db, space, properties);
  transaction.commit();
}

bool drop_namespace(sqlite::Database& db, const std::string& space) {
  sqlite::Transaction transaction(db);
  if (namespace_has_tables(db, space)) {
    throw Error(ErrorKind::kConflict, "the namespace is not empty: drop its tables first",
                Location::of(space));
  }
  sqlite::Statement s(db, "DELETE FROM namespaces WHERE name = ?1");
  s.bind(1, space);
  s.run();
  const bool existed = sqlite3_changes(db.handle()) > 0;
  transaction.commit();
  return existed;
}

void register_table(sqlite::Database& db, const TableName& name, const std::string& location,
                    const std::string& metadata_location, int64_t current_snapshot,
                    int64_t now_ms) {
  sqlite::Transaction transaction(db);
  if (table_exists(db, name)) {
    throw Error(ErrorKind::kConflict, "the table already exists", Location::of(name.str()));
  }
  sqlite::Statement s(db,
                      "INSERT INTO tables(namespace, name, kind, location, current_snapshot, "
                      "created_at_ms, metadata_location) VALUES (?1, ?2, 'table', ?3, ?4, ?5, ?6)");
  s.bind(1, name.space).bind(2, name.name).bind(3, location).bind(4, current_snapshot);
  s.bind(5, now_ms).bind(6, metadata_location);
  s.run();
  transaction.commit();
}

void rename_table(sqlite::Database& db, const TableName& from, const TableName& to) {
  sqlite::Transaction transaction(db);
  if (!table_exists(db, from)) {
    throw Error(ErrorKind::kInput, "no such table", Location::of(from.str()));
  }
  if (table_exists(db, to)) {
    throw Error(ErrorKind::kConflict, "a table of that name already exists",
                Location::of(to.str()));
  }
  sqlite::Statement s(db,
                      "UPDATE tables SET namespace = ?3, name = ?4 WHERE namespace = ?1 AND "
                      "name = ?2");
  s.bind(1, from.space).bind(2, from.name).bind(3, to.space).bind(4, to.name);
  s.run();
  transaction.commit();
}

bool drop_table(sqlite::Database& db, const TableName& name) {
  sqlite::Transaction transaction(db);
  sqlite::Statement s(db, "DELETE FROM tables WHERE namespace = ?1 AND name = ?2");
  s.bind(1, name.space).bind(2, name.name);
  s.run();
  const bool existed = sqlite3_changes(db.handle()) > 0;
  transaction.commit();
  return existed;
}

}  // namespace strata::lake::sqlite_catalog
