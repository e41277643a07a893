// dbt's YAML selectors: `selectors.yml` in the project root names selections (`--selector NAME`).
// A definition is a selector string in the command-line syntax, a criterion as a mapping
// (`method`, `value`, and the graph operators `parents`, `parents_depth`, `children`,
// `children_depth`, `childrens_parents`), or `union:` / `intersection:` lists of definitions;
// any of them may carry `exclude:` definitions to leave out.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "transform/project.hpp"

namespace strata::transform {

// The names of the nodes the selector `name` of `root`/selectors.yml picks. Error(kConfig) at
// selectors.yml:line:col for malformed definitions, kUsage for an unknown selector or one that
// picks nothing.
std::vector<std::string> resolve_yaml_selector(const ModelProject& project,
                                               const std::filesystem::path& root,
                                               const std::string& name);

}  // namespace strata::transform
