#include "transform/staged_table.hpp"

namespace strata::transform {

StagedTable::StagedTable(engine::Connection& connection, const std::string& name,
                         const std::string& select_sql)
    : connection_(connection), relation_(engine::quote_identifier(name)) {
  connection_.execute("CREATE OR REPLACE TEMP TABLE " + relation_ + " AS " + select_sql);
}

StagedTable::~StagedTable() {
  try {
    connection_.execute("DROP TABLE IF EXISTS " + relation_);
  } catch (...) {
    // Best effort: a temporary table dies with its session anyway.
  }
}

std::vector<std::pair<std::string, std::string>> describe_columns(engine::Connection& connection,
                                                                  const std::string& relation) {
  std::vector<std::pair<std::string, std::string>> columns;
  for (const auto& row : connection.query("DESCRIBE " + relation).fetch_all()) {
    columns.emplace_back(std::get<std::string>(row[0]), std::get<std::string>(row[1]));
  }
  return columns;
}

}  // namespace strata::transform
