// Two helpers of the materializations that work in steps: a temporary table holding a query's rows
// for the duration of a build (dropped when it goes out of scope), and the columns of a relation.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "engine/database.hpp"

namespace strata::transform {

class StagedTable {
 public:
  // Creates the temporary table `name` (quoted here) from `select_sql` on `connection`.
  StagedTable(engine::Connection& connection, const std::string& name,
              const std::string& select_sql);
  ~StagedTable();
  StagedTable(const StagedTable&) = delete;
  StagedTable& operator=(const StagedTable&) = delete;
  const std::string& relation() const { return relation_; }  // the quoted name

 private:
  engine::Connection& connection_;
  std::string relation_;
};

// The columns of `relation` (SQL text) as (name, type), in order.
std::vector<std::pair<std::string, std::string>> describe_columns(engine::Connection& connection,
                                                                  const std::string& relation);

}  // namespace strata::transform
