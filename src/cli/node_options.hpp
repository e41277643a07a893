// The options every command that works on a project's models shares (run, seed, test, build,
// compile, ls), and loading the project's nodes with them: dbt projects get is_incremental() and
// introspection (run_query, get_columns_in_relation) answered by the lake.
#pragma once

#include <CLI/CLI.hpp>

#include <map>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/context.hpp"
#include "transform/project.hpp"

namespace strata::cli {

struct NodeOptions {
  std::vector<std::string> select;
  std::vector<std::string> exclude;
  std::string selector;  // a YAML selector of selectors.yml
  std::string state;     // a folder with a previous manifest.json, for `state:` selection
  std::string vars;
  std::string target;
  bool full_refresh = false;
  bool fail_fast = false;
  size_t threads = 0;  // 0: the number of cores
  // Microbatch models: the time range to build (ISO dates or date-times, UTC).
  std::string event_time_start, event_time_end;
  // `strata retry`: the failed batches of microbatch models to build again, and the original
  // invocation's arguments, recorded again so that a retry can itself be retried.
  std::map<std::string, std::vector<transform::BatchWindow>> batches;
  nlohmann::json retried_args;
};

// Adds --select, --exclude, --selector, --state, --vars, --target (and for commands that build:
// --full-refresh,
// --fail-fast, --threads, --event-time-start/--event-time-end).
void add_node_options(CLI::App& command, NodeOptions& options, bool builds);

// Loads the project's nodes; prints its warnings. --state reads the manifest to compare with
// (before anything writes a new one); a --selector adds the nodes it picks to `options.select`.
transform::ModelProject load_project_nodes(ProjectContext& context, NodeOptions& options);

// The invocation as target/run_results.json records it under `args` ("which": the command),
// and back: the options of a recorded invocation (for `strata retry`).
nlohmann::json run_arguments(const NodeOptions& options, const std::string& command);
NodeOptions options_of(const nlohmann::json& args);

// Runs `command` (run, seed, test, snapshot, build) on the nodes of `resource_types` chosen by
// `options`, prints a line per node and writes run_results.json (commands_run.cpp). Returns the
// exit code.
int run_nodes(const GlobalOptions& globals, NodeOptions& options, const std::string& command,
              std::set<std::string> resource_types);

}  // namespace strata::cli
