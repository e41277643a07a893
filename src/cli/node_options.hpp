// The options every command that works on a project's models shares (run, seed, test, build,
// compile, ls), and loading the project's nodes with them: dbt projects get is_incremental() and
// introspection (run_query, get_columns_in_relation) answered by the lake.
#pragma once

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

#include "cli/context.hpp"
#include "transform/project.hpp"

namespace strata::cli {

struct NodeOptions {
  std::vector<std::string> select;
  std::vector<std::string> exclude;
  std::string selector;  // a YAML selector of selectors.yml
  std::string vars;
  std::string target;
  bool full_refresh = false;
  bool fail_fast = false;
  size_t threads = 0;  // 0: the number of cores
  // Microbatch models: the time range to build (ISO dates or date-times, UTC).
  std::string event_time_start, event_time_end;
};

// Adds --select, --exclude, --vars, --target (and for commands that build: --full-refresh,
// --fail-fast, --threads, --event-time-start/--event-time-end).
void add_node_options(CLI::App& command, NodeOptions& options, bool builds);

// Loads the project's nodes; prints its warnings. A --selector adds the nodes it picks to
// `options.select`.
transform::ModelProject load_project_nodes(ProjectContext& context, NodeOptions& options);

}  // namespace strata::cli
