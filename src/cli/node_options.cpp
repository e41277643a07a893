#include "cli/node_options.hpp"

#include "core/log.hpp"
#include "lake/metastore.hpp"
#include "transform/lake_introspection.hpp"
#include "transform/state_selection.hpp"
#include "transform/yaml_selectors.hpp"

namespace strata::cli {

void add_node_options(CLI::App& command, NodeOptions& options, bool builds) {
  command.add_option("-s,--select", options.select,
                     "Nodes: NAME, +NAME, NAME+, n+NAME, @NAME, tag:X, path:X, resource_type:X, "
                     "source:X, config.KEY:X, state:modified (with --state); a,b intersects");
  command.add_option("--exclude", options.exclude, "Nodes to leave out (same syntax)");
  command.add_option("--selector", options.selector, "A selection named in selectors.yml");
  command.add_option("--state", options.state,
                     "A folder with the manifest.json of an earlier version, for state: "
                     "selection");
  command.add_option("--vars", options.vars, "dbt vars as a YAML mapping, e.g. '{day: 3}'");
  command.add_option("-t,--target", options.target, "The profiles.yml target (dbt projects)");
  if (builds) {
    command.add_flag("--full-refresh", options.full_refresh, "Rebuild incremental models whole");
    command.add_flag("-x,--fail-fast", options.fail_fast, "Stop at the first failure");
    command.add_option("--threads", options.threads,
                       "Nodes built at once, in DAG order (default: the number of cores)");
    command.add_option("--event-time-start", options.event_time_start,
                       "Microbatch models: build the batches from this time (ISO, UTC)");
    command.add_option("--event-time-end", options.event_time_end,
                       "Microbatch models: build the batches up to this time (ISO, UTC)");
  }
}

transform::ModelProject load_project_nodes(ProjectContext& context, NodeOptions& options) {
  transform::CompileOptions compile;
  compile.target = options.target;
  compile.vars_yaml = options.vars;
  compile.full_refresh = options.full_refresh;
  ProjectContext* project = &context;
  transform::add_lake_introspection(compile, context.store(), [project]() -> engine::Connection& {
    return project->connection();
  });
  transform::ModelProject nodes = transform::load_models(context.config(), compile);
  for (const std::string& warning : nodes.warnings) log::warn(warning);
  if (!options.state.empty()) {
    nodes.previous_state = transform::PreviousManifest::load(options.state);
  }
  if (!options.selector.empty()) {
    for (std::string& name :
         transform::resolve_yaml_selector(nodes, context.config().root, options.selector)) {
      options.select.push_back(std::move(name));
    }
  }
  return nodes;
}

nlohmann::json run_arguments(const NodeOptions& options, const std::string& command) {
  if (!options.retried_args.is_null()) return options.retried_args;
  return {{"which", command},
          {"select", options.select},
          {"exclude", options.exclude},
          {"selector", options.selector},
          {"state", options.state},
          {"vars", options.vars},
          {"target", options.target},
          {"full_refresh", options.full_refresh},
          {"fail_fast", options.fail_fast},
          {"threads", options.threads},
          {"event_time_start", options.event_time_start},
          {"event_time_end", options.event_time_end}};
}

NodeOptions options_of(const nlohmann::json& args) {
  NodeOptions options;
  auto text = [&](const char* key) {
    const auto found = args.find(key);
    return found != args.end() && found->is_string() ? found->get<std::string>() : std::string();
  };
  auto flag = [&](const char* key) {
    const auto found = args.find(key);
    return found != args.end() && found->is_boolean() && found->get<bool>();
  };
  options.vars = text("vars");
  options.target = text("target");
  options.state = text("state");
  options.full_refresh = flag("full_refresh");
  options.fail_fast = flag("fail_fast");
  options.event_time_start = text("event_time_start");
  options.event_time_end = text("event_time_end");
  if (const auto threads = args.find("threads");
      threads != args.end() && threads->is_number_unsigned()) {
    options.threads = threads->get<size_t>();
  }
  options.retried_args = args;
  return options;
}

}  // namespace strata::cli
