// `strata parse`, `compile`, `ls` and `docs generate`: load a project's nodes without building
// them. parse writes target/manifest.json; compile also writes every node's compiled SQL under
// target/compiled; ls lists the selected nodes; docs generate writes target/catalog.json. And
// `strata retry`, which runs again what the last run left failed or skipped, and `strata lineage`,
// which shows column lineage.
#include <algorithm>
#include <filesystem>
#include <functional>
#include <iostream>

#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "cli/node_options.hpp"
#include "core/error.hpp"
#include "core/log.hpp"
#include "core/paths.hpp"
#include "core/text.hpp"
#include "transform/artifacts.hpp"
#include "transform/column_lineage.hpp"
#include "transform/microbatch.hpp"
#include "transform/model_graph.hpp"
#include "transform/node_commands.hpp"
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

// The columns of a lake table or view; none when the lake does not have it.
std::vector<std::pair<std::string, std::string>> lake_columns(ProjectContext& context,
                                                              const lake::TableName& table) {
  if (!context.store().find_table(table)) return {};
  return transform::describe_columns(context.connection(), transform::quoted_relation(table));
}

// Every model's column lineage, with the lake answering for the columns of what it has.
std::map<std::string, std::vector<transform::ColumnLineage>> lineage_of(
    ProjectContext& context, const transform::ModelProject& project) {
  std::vector<std::string> problems;
  auto columns_of = [&](const std::string& relation) {
    std::vector<std::string> names;
    const size_t dot = relation.find('.');
    if (dot == std::string::npos) return names;
    for (auto& [name, type] :
         lake_columns(context, {relation.substr(0, dot), relation.substr(dot + 1)})) {
      names.push_back(name);
    }
    return names;
  };
  auto lineage = transform::project_lineage(project, context.connection(), columns_of, problems);
  for (const std::string& problem : problems) log::warn(problem);
  return lineage;
}

int docs_generate(ProjectContext& context, const transform::ModelProject& project,
                  const NodeOptions&) {
  transform::write_manifest(context.config(), project);
  transform::write_catalog(context.config(), project, [&](const lake::TableName& table) {
    return lake_columns(context, table);
  });
  transform::write_lineage(context.config(), project,
                           transform::lineage_json(project, lineage_of(context, project)));
  std::cout << "Wrote target/manifest.json, target/catalog.json and target/lineage.json\n";
  return 0;
}

// `strata lineage MODEL`: each column and what it derives from; `MODEL.COLUMN`: that column
// traced through the models upstream down to seeds, sources and snapshots.
int lineage(ProjectContext& context, const transform::ModelProject& project,
            const std::string& target) {
  const auto all = lineage_of(context, project);
  std::map<std::string, std::string> by_relation;  // "schema.name" -> node name
  for (const transform::Model& node : project.models) {
    by_relation[to_lower(node.relation().space) + "." + to_lower(node.relation().name)] = node.name;
  }
  std::string model = target, column;
  if (!project.find(model)) {
    const size_t dot = target.rfind('.');
    if (dot != std::string::npos) {
      model = target.substr(0, dot);
      column = target.substr(dot + 1);
    }
  }
  const transform::Model* node = project.find(model);
  if (!node) {
    throw Error(ErrorKind::kUsage,
                "no model named '" + model + "'" + did_you_mean(model, project.names()));
  }
  auto found = all.find(node->name);
  if (found == all.end()) {
    throw Error(ErrorKind::kUsage, "no column lineage for '" + model +
                                       "' (only models and snapshots have it; see the warnings)");
  }
  auto describe = [](const transform::ColumnLineage& one) {
    std::string line = one.direct ? "direct" : "transformation";
    if (one.unresolved) line += ", partly unresolved";
    return line;
  };
  if (column.empty()) {
    for (const transform::ColumnLineage& one : found->second) {
      std::cout << one.name << "  (" << describe(one) << ")";
      for (const transform::ColumnOrigin& origin : one.origins) {
        std::cout << (&origin == &one.origins.front() ? "  <- " : ", ") << origin.relation << "."
                  << origin.column;
      }
      std::cout << "\n";
    }
    return 0;
  }
  std::function<bool(const std::string&, const std::string&, int)> trace =
      [&](const std::string& name, const std::string& wanted, int depth) {
        auto columns = all.find(name);
        if (columns == all.end()) return false;
        for (const transform::ColumnLineage& one : columns->second) {
          if (to_lower(one.name) != to_lower(wanted)) continue;
          for (const transform::ColumnOrigin& origin : one.origins) {
            std::cout << std::string(2 * depth, ' ') << "<- " << origin.relation << "."
                      << origin.column;
            auto upstream = by_relation.find(origin.relation);
            const transform::Model* parent =
                upstream == by_relation.end() ? nullptr : project.find(upstream->second);
            if (parent) std::cout << "  [" << parent->resource_type << " " << parent->name << "]";
            std::cout << "\n";
            if (parent) trace(parent->name, origin.column, depth + 1);
          }
          return true;
        }
        return false;
      };
  for (const transform::ColumnLineage& one : found->second) {
    if (to_lower(one.name) != to_lower(column)) continue;
    std::cout << node->relation().space << "." << node->relation().name << "." << one.name << "  ("
              << describe(one) << ")\n";
    trace(node->name, one.name, 1);
    return 0;
  }
  throw Error(ErrorKind::kUsage, "'" + model + "' has no column '" + column + "'");
}

// `strata retry`: the nodes of the last run_results.json that did not succeed (errors, skips,
// failed tests, microbatch models with failed batches), run again with the same command and
// options; a microbatch model builds only its failed batches.
int retry(const GlobalOptions& globals) {
  std::filesystem::path file;
  {
    ProjectContext context(globals);
    file = context.config().root / "target" / "run_results.json";
  }
  if (!std::filesystem::exists(file)) {
    throw Error(ErrorKind::kUsage, "nothing to retry: " + file.string() +
                                       " does not exist (run, seed, test, snapshot or build "
                                       "first)");
  }
  nlohmann::json results;
  try {
    results = nlohmann::json::parse(paths::read_file(file));
  } catch (const nlohmann::json::exception& error) {
    throw Error(ErrorKind::kInput, std::string("not JSON: ") + error.what(),
                Location(file.string()));
  }
  const nlohmann::json args = results.value("args", nlohmann::json::object());
  const std::string command = args.value("which", std::string());
  const auto& commands = transform::node_commands();
  if (std::none_of(commands.begin(), commands.end(),
                   [&](const auto& known) { return known.name == command; })) {
    throw Error(
        ErrorKind::kUsage,
        "the last run (" + file.string() + ") was '" + command + "', which retry does not repeat",
        Location(file.string()));
  }
  NodeOptions options = options_of(args);
  static const std::set<std::string> retried = {"error", "skipped", "fail", "runtime error",
                                                "partial success"};
  for (const nlohmann::json& result : results.value("results", nlohmann::json::array())) {
    if (!retried.contains(result.value("status", std::string()))) continue;
    // "model.<project>.<name>"; unit tests: "unit_test.<project>.<model>.<name>".
    const std::string id = result.value("unique_id", std::string());
    const std::string name = id.substr(id.rfind('.') + 1);
    options.select.push_back(name);
    const nlohmann::json failed = result.value("batch_results", nlohmann::json::object())
                                      .value("failed", nlohmann::json::array());
    for (const nlohmann::json& window : failed) {
      transform::BatchWindow batch;
      batch.start = transform::parse_event_time(window.at(0).get<std::string>(), "batch start");
      batch.end = transform::parse_event_time(window.at(1).get<std::string>(), "batch end");
      options.batches[name].push_back(batch);
    }
  }
  if (options.select.empty()) {
    std::cout << "Nothing to retry: every node of the last " << command << " succeeded\n";
    return 0;
  }
  return run_nodes(globals, options, command, transform::node_command(command).resource_types);
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
  auto lineage_target = std::make_shared<std::string>();
  auto* lineage_command = add_loading_command(
      app, globals, action, "lineage",
      "Column lineage: the columns of MODEL and what each derives from, or MODEL.COLUMN traced "
      "upstream",
      [lineage_target](ProjectContext& context, const transform::ModelProject& project,
                       const NodeOptions&) { return lineage(context, project, *lineage_target); });
  lineage_command->add_option("target", *lineage_target, "MODEL or MODEL.COLUMN")->required();
  app.add_subcommand("retry",
                     "Run again the nodes of the last run/build that failed or were skipped "
                     "(same command and options; failed microbatch batches only)")
      ->callback([&action, &globals] { action = [&globals] { return retry(globals); }; });
}

}  // namespace strata::cli
