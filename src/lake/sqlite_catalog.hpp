// The SQLite queries behind the metadata store's namespace, register, rename and drop methods (see
// metastore.hpp), which the Iceberg REST catalog uses; kept apart from the commit path so each file
// stays about one thing. The caller holds the store's lock; the namespaces table comes from
// migration 4 in sqlite_metastore.cpp.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "lake/metastore.hpp"
#include "lake/sqlite.hpp"

namespace strata::lake::sqlite_catalog {

std::vector<std::string> namespaces(sqlite::Database& db);
std::optional<std::map<std::string, std::string>> namespace_properties(sqlite::Database& db,
                                                                       const std::string& space);
void create_namespace(sqlite::Database& db, const std::string& space,
                      const std::map<std::string, std::string>& properties);
void update_namespace_properties(sqlite::Database& db, const std::string& space,
                                 const std::map<std::string, std::string>& updates,
                                 const std::vector<std::string>& removals);
bool drop_namespace(sqlite::Database& db, const std::string& space);
void register_table(sqlite::Database& db, const TableName& name, const std::string& location,
                    const std::string& metadata_location, int64_t current_snapshot, int64_t now_ms);
void rename_table(sqlite::Database& db, const TableName& from, const TableName& to);
bool drop_table(sqlite::Database& db, const TableName& name);

}  // namespace strata::lake::sqlite_catalog
