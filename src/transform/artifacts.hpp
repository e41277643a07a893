// dbt's artifacts for the tools that read them: target/manifest.json (nodes, sources, parent_map
// and child_map, metadata.dbt_schema_version v12), target/run_results.json (one result per node
// run, run-results v6) and target/catalog.json (catalog v1), written atomically under the
// project's target folder.
#pragma once

#include <chrono>
#include <functional>
#include <string>

#include <nlohmann/json.hpp>

#include "core/config.hpp"
#include "transform/project.hpp"
#include "transform/runner.hpp"

namespace strata::transform {

// dbt's unique id of a node: "model.<project>.<name>", "seed...", "test...".
std::string unique_id(const ModelProject& project, const Model& node);

// One node's entry in manifest.json (`nodes`, or `unit_tests` for unit tests): what `state:`
// selection compares with the same entry of a previous manifest.
nlohmann::json manifest_node(const ModelProject& project, const Model& node);

// manifest.json's `macros`: the project's macros with their text and the macros they call.
nlohmann::json manifest_macros(const ModelProject& project);

void write_manifest(const ProjectConfig& config, const ModelProject& project);

// target/catalog.json (catalog v1): the columns and types of every built model, seed, snapshot
// and source, as the lake has them now. `columns_of` is empty for relations that do not exist.
void write_catalog(
    const ProjectConfig& config, const ModelProject& project,
    const std::function<std::vector<std::pair<std::string, std::string>>(const lake::TableName&)>&
        columns_of);

// target/lineage.json: `lineage` (column_lineage.hpp's lineage_json) with dbt-style metadata.
void write_lineage(const ProjectConfig& config, const ModelProject& project,
                   nlohmann::json lineage);

// target/run_results.json (and the manifest). `args` are the invocation's options, with the
// command under "which", as `strata retry` reads them back. A microbatch model lists its
// batches under batch_results (successful and failed [start, end) pairs, ISO UTC), as dbt does;
// with some of each its status is "partial success".
void write_run_results(const ProjectConfig& config, const ModelProject& project,
                       const RunSummary& summary, std::chrono::system_clock::time_point started,
                       const nlohmann::json& args);

}  // namespace strata::transform
