// dbt's artifacts for the tools that read them: target/manifest.json (nodes, sources, parent_map
// and child_map, metadata.dbt_schema_version v12), target/run_results.json (one result per node
// run, run-results v6) and target/catalog.json (catalog v1), written atomically under the
// project's target folder.
#pragma once

#include <chrono>
#include <functional>
#include <string>

#include "core/config.hpp"
#include "transform/project.hpp"
#include "transform/runner.hpp"

namespace strata::transform {

// dbt's unique id of a node: "model.<project>.<name>", "seed...", "test...".
std::string unique_id(const ModelProject& project, const Model& node);

void write_manifest(const ProjectConfig& config, const ModelProject& project);

// target/catalog.json (catalog v1): the columns and types of every built model, seed, snapshot
// and source, as the lake has them now. `columns_of` is empty for relations that do not exist.
void write_catalog(
    const ProjectConfig& config, const ModelProject& project,
    const std::function<std::vector<std::pair<std::string, std::string>>(const lake::TableName&)>&
        columns_of);

void write_run_results(const ProjectConfig& config, const ModelProject& project,
                       const RunSummary& summary, std::chrono::system_clock::time_point started,
                       const std::string& command);

}  // namespace strata::transform
