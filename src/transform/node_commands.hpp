// The commands that run a project's nodes (run, seed, test, snapshot, build) and the kinds of node
// each one runs, in one place for the command line and for pipeline steps of the same names.
#pragma once

#include <set>
#include <string>
#include <vector>

namespace strata::transform {

struct NodeCommand {
  std::string name;
  std::string summary;
  std::set<std::string> resource_types;
};

const std::vector<NodeCommand>& node_commands();
// The command named `name`; kInternal when there is none (callers pass known names).
const NodeCommand& node_command(const std::string& name);

}  // namespace strata::transform
