#include "transform/node_commands.hpp"

#include "core/error.hpp"

namespace strata::transform {

const std::vector<NodeCommand>& node_commands() {
  static const std::vector<NodeCommand> commands = {
      {"run", "Build the SQL models in dependency order (tables, views, incremental)", {"model"}},
      {"seed", "Load the CSV seeds of a dbt project", {"seed"}},
      {"test", "Run the data and unit tests of a dbt project", {"test", "unit_test"}},
      {"snapshot", "Take the snapshots of a dbt project (type-2 history tables)", {"snapshot"}},
      {"build",
       "Seeds, models and tests in DAG order; a failing test skips what is downstream",
       {"seed", "model", "snapshot", "test", "unit_test"}},
  };
  return commands;
}

const NodeCommand& node_command(const std::string& name) {
  for (const NodeCommand& command : node_commands()) {
    if (command.name == name) return command;
  }
  throw Error(ErrorKind::kInternal, "no node command '" + name + "'");
}

}  // namespace strata::transform
