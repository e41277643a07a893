// Which source tables a command or pipeline step means: "SOURCE" selects every table of a source,
// "SOURCE.TABLE" one table, and no selector at all every table of every source. Unknown names are
// kUsage errors with the closest valid name.
#pragma once

#include <string>
#include <vector>

#include "core/config.hpp"

namespace strata::ingest {

struct TableSelection {
  const SourceConfig* source;
  const TableConfig* table;
};

// In declared order for "everything"; in the order of `selectors` otherwise.
std::vector<TableSelection> select_tables(const ProjectConfig& config,
                                          const std::vector<std::string>& selectors);

}  // namespace strata::ingest
