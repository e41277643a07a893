// `strata parse`, `compile` and `ls`: load a project's nodes without building them. parse writes
// target/manifest.json; compile also writes every node's compiled SQL under target/compiled;
// ls lists the selected nodes.
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

std::vector<std::string> selected(const transform::ModelProject& project,
                                  const NodeOptions& options, const std::string& resource_type) {
  const transform::ModelGraph graph = transform::ModelGraph::of(project);
  if (!project.dbt) return graph.select(options.select);
  std::set<std::string> types;
  if (!resource_type.empty()) types.insert(resource_type);
  return transform::select_nodes(project, graph, options.select, options.exclude, types);
}

}  // namespace

void add_dbt_commands(CLI::App& app, const GlobalOptions& globals, Action& action) {
  {
    auto* command = app.add_subcommand("parse", "Load the project and write target/manifest.json");
    auto options = std::make_shared<NodeOptions>();
    add_node_options(*command, *options, false);
    command->callback([&action, &globals, options] {
      action = [&globals, options] {
        ProjectContext context(globals);
        const auto started = std::chrono::steady_clock::now();
        transform::ModelProject project = load_project_nodes(context, *options);
        transform::ModelGraph::of(project);  // reports cycles
        if (project.dbt) transform::write_manifest(context.config(), project);
        const double seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        std::cout << "Parsed " << project.models.size() << " nodes in " << seconds << " s\n";
        return 0;
      };
    });
  }
  {
    auto* command = app.add_subcommand(
        "compile", "Compile the selected nodes' SQL into target/compiled (and print it with one)");
    auto options = std::make_shared<NodeOptions>();
    add_node_options(*command, *options, false);
    command->callback([&action, &globals, options] {
      action = [&globals, options] {
        ProjectContext context(globals);
        transform::ModelProject project = load_project_nodes(context, *options);
        const std::vector<std::string> names = selected(project, *options, "");
        for (const std::string& name : names) {
          const transform::Model& node = *project.find(name);
          if (node.resource_type == "seed") continue;
          paths::write_file_atomically(transform::compiled_path(context.config(), node),
                                       node.compiled_sql);
        }
        if (project.dbt) transform::write_manifest(context.config(), project);
        std::vector<std::string> models;  // the selection without the tests it brings along
        for (const std::string& name : names) {
          if (project.find(name)->resource_type != "test") models.push_back(name);
        }
        if (models.size() == 1) {
          std::cout << project.find(models.front())->compiled_sql << "\n";
        } else {
          std::cout << "Compiled " << names.size() << " nodes into target/compiled\n";
        }
        return 0;
      };
    });
  }
  {
    auto* docs = app.add_subcommand("docs", "dbt documentation artifacts");
    docs->require_subcommand(1);
    auto* command = docs->add_subcommand(
        "generate",
        "Write target/catalog.json (columns and types of what is built) and the "
        "manifest");
    auto options = std::make_shared<NodeOptions>();
    add_node_options(*command, *options, false);
    command->callback([&action, &globals, options] {
      action = [&globals, options] {
        ProjectContext context(globals);
        transform::ModelProject project = load_project_nodes(context, *options);
        transform::write_manifest(context.config(), project);
        transform::write_catalog(context.config(), project, [&](const lake::TableName& table) {
          if (!context.store().find_table(table)) {
            return std::vector<std::pair<std::string, std::string>>{};
          }
          return transform::describe_columns(context.connection(),
                                             transform::quoted_relation(table));
        });
        std::cout << "Wrote target/manifest.json and target/catalog.json\n";
        return 0;
      };
    });
  }
  {
    auto* command = app.add_subcommand("ls", "List the selected nodes");
    auto options = std::make_shared<NodeOptions>();
    auto resource_type = std::make_shared<std::string>();
    add_node_options(*command, *options, false);
    command->add_option("--resource-type", *resource_type, "model, seed or test");
    command->callback([&action, &globals, options, resource_type] {
      action = [&globals, options, resource_type] {
        ProjectContext context(globals);
        transform::ModelProject project = load_project_nodes(context, *options);
        for (const std::string& name : selected(project, *options, *resource_type)) {
          const transform::Model& node = *project.find(name);
          std::cout << (project.dbt ? transform::unique_id(project, node) : name) << "\n";
        }
        return 0;
      };
    });
  }
}

}  // namespace strata::cli
