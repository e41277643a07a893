// `strata parse`, `compile`, `ls` and `docs generate`: load a project's nodes without building
// them. parse writes target/manifest.json; compile also writes every node's compiled SQL under
// target/compiled; ls lists the selected nodes; docs generate writes target/catalog.json.
#include <iostream>

#include "cli/commands.hpp"
#include "cli/node_options.hpp"
#include "core/paths.hpp"
#include "transform/artifacts.hpp"
#include "transform/model_graph.hpp"
#include "transform/runner.hpp"
#include "transform/selector.hpp"
#include "transform/staged_table.hpp"

namespace strata::cli {
namespace {

using Body =
    std::function<int(ProjectContext&, const transform::ModelProject&, const NodeOptions&)>;

// A command that loads the project's nodes with the shared node options and then runs `body`.
CLI::App* add_loading_command(CLI::App& parent, const GlobalOptions& globals, Action& action,
                              const std::string& name, const std::string& description, Body body) {
  auto* command = parent.add_subcommand(name, description);
  auto options = std::make_shared<NodeOptions>();
  add_node_options(*command, *options, false);
  command->callback([&action, &globals, options, body] {
    action = [&globals, options, body] {
      ProjectContext context(globals);
      const transform::ModelProject project = load_project_nodes(context, *options);
      return body(context, project, *options);
    };
  });
  return command;
}

std::vector<std::string> selected(const transform::ModelProject& project,
                                  const NodeOptions& options, const std::string& resource_type) {
  const transform::ModelGraph graph = transform::ModelGraph::of(project);
  if (!project.dbt) return graph.select(options.select);
  std::set<std::string> types;
  if (!resource_type.empty()) types.insert(resource_type);
  return transform::select_nodes(project, graph, options.select, options.exclude, types);
}

int parse(ProjectContext& context, const transform::ModelProject& project, const NodeOptions&) {
  transform::ModelGraph::of(project);  // reports cycles
  if (project.dbt) transform::write_manifest(context.config(), project);
  std::cout << "Parsed " << project.models.size() << " nodes\n";
  return 0;
}

int compile(ProjectContext& context, const transform::ModelProject& project,
            const NodeOptions& options) {
  const std::vector<std::string> names = selected(project, options, "");
  std::vector<std::string> models;  // the selection without the tests it brings along
  for (const std::string& name : names) {
    const transform::Model& node = *project.find(name);
    if (node.resource_type == "seed") continue;
    paths::write_file_atomically(transform::compiled_path(context.config(), node),
                                 node.compiled_sql);
    if (node.materialized != "test") models.push_back(name);
  }
  if (project.dbt) transform::write_manifest(context.config(), project);
  if (models.size() == 1) {
    std::cout << project.find(models.front())->compiled_sql << "\n";
  } else {
    std::cout << "Compiled " << names.size() << " nodes into target/compiled\n";
  }
  return 0;
}

int docs_generate(ProjectContext& context, const transform::ModelProject& project,
                  const NodeOptions&) {
  transform::write_manifest(context.config(), project);
  transform::write_catalog(context.config(), project, [&](const lake::TableName& table) {
    if (!context.store().find_table(table)) {
      return std::vector<std::pair<std::string, std::string>>{};
    }
    return transform::describe_columns(context.connection(), transform::quoted_relation(table));
  });
  std::cout << "Wrote target/manifest.json and target/catalog.json\n";
  return 0;
}

}  // namespace

void add_dbt_commands(CLI::App& app, const GlobalOptions& globals, Action& action) {
  add_loading_command(app, globals, action, "parse",
                      "Load the project and write target/manifest.json", parse);
  add_loading_command(app, globals, action, "compile",
                      "Compile the selected nodes' SQL into target/compiled (and print it with "
                      "one)",
                      compile);
  auto* docs = app.add_subcommand("docs", "dbt documentation artifacts");
  docs->require_subcommand(1);
  add_loading_command(*docs, globals, action, "generate",
                      "Write target/catalog.json (columns and types of what is built) and the "
                      "manifest",
                      docs_generate);
  auto resource_type = std::make_shared<std::string>();
  auto* ls = add_loading_command(
      app, globals, action, "ls", "List the selected nodes",
      [resource_type](ProjectContext&, const transform::ModelProject& project,
                      const NodeOptions& options) {
        for (const std::string& name : selected(project, options, *resource_type)) {
          const transform::Model& node = *project.find(name);
          std::cout << (project.dbt ? transform::unique_id(project, node) : name) << "\n";
        }
        return 0;
      });
  ls->add_option("--resource-type", *resource_type, "model, seed, snapshot or test");
}

}  // namespace strata::cli
