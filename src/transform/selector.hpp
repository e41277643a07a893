// dbt's node selection syntax: `--select` and `--exclude` take space-separated selectors (a
// union); a selector may join criteria with commas (an intersection). A criterion is a node name
// or `method:value` with the methods tag, path, resource_type, source, config.KEY, fqn and state
// (state_selection.hpp: against the project's previous manifest, --state), and
// graph operators: `+x` (x and its ancestors), `2+x` (up to two generations), `x+`, `x+1`, and
// `@x` (x, its descendants and their ancestors).
#pragma once

#include <set>
#include <string>
#include <vector>

#include "transform/model_graph.hpp"
#include "transform/project.hpp"

namespace strata::transform {

// The names of the nodes picked, in execution order, limited to `resource_types` (empty: all).
// An empty `select` picks every node. Throws Error(kUsage) for a selector that names nothing
// that exists (with a did-you-mean hint) or an unknown method.
std::vector<std::string> select_nodes(const ModelProject& project, const ModelGraph& graph,
                                      const std::vector<std::string>& select,
                                      const std::vector<std::string>& exclude,
                                      const std::set<std::string>& resource_types);

}  // namespace strata::transform
