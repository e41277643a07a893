// `strata run`, `seed`, `test` and `build`: build the project's nodes in dependency order. For a
// dbt project they take dbt's options (--select/--exclude, --vars, --target, --full-refresh,
// --fail-fast); `build` runs seeds, models and tests together, a failing test skipping what is
// downstream of the node it tests.
#include <iostream>
#include <thread>

#include "cli/commands.hpp"
#include "cli/node_options.hpp"
#include "core/error.hpp"
#include "core/log.hpp"
#include "core/progress.hpp"
#include "core/text.hpp"
#include "transform/artifacts.hpp"
#include "transform/node_commands.hpp"
#include "transform/project.hpp"
#include "transform/runner.hpp"

namespace strata::cli {
namespace {

std::string status_word(const transform::ModelResult& result) {
  if (!result.outcome.empty()) {
    if (result.outcome == "pass") return "PASS   ";
    if (result.outcome == "warn") return "WARN   ";
    return "FAIL   ";
  }
  switch (result.status) {
    case lake::RunStatus::kSuccess:
      return "OK     ";
    case lake::RunStatus::kFailed:
      return "ERROR  ";
    default:
      return "SKIPPED";
  }
}

}  // namespace

int run_nodes(const GlobalOptions& globals, NodeOptions& node_options, const std::string& command,
              std::set<std::string> resource_types) {
  ProjectContext context(globals);
  transform::ModelProject project = load_project_nodes(context, node_options);
  if (project.models.empty()) {
    std::cout << "Nothing to build in " << context.config().root.string() << "\n";
    return 0;
  }
  RunRecorder run(context.store(), command);
  transform::RunOptions options;
  options.select = node_options.select;
  options.exclude = node_options.exclude;
  options.resource_types = std::move(resource_types);
  options.full_refresh = node_options.full_refresh;
  options.batches = node_options.batches;
  options.fail_fast = node_options.fail_fast;
  if (!node_options.event_time_start.empty()) {
    options.event_time_range.start =
        transform::parse_event_time(node_options.event_time_start, "--event-time-start");
  }
  if (!node_options.event_time_end.empty()) {
    options.event_time_range.end =
        transform::parse_event_time(node_options.event_time_end, "--event-time-end");
  }
  options.threads = node_options.threads ? node_options.threads
                                         : std::max(1u, std::thread::hardware_concurrency());
  options.connect = [&context] { return context.database().connect(); };
  ProgressLine progress(command);
  options.on_model_start = [&](const transform::Model& model) {
    progress.update(model.resource_type + " " + model.name, true);
  };
  options.on_model_done = [&](const transform::ModelResult&) { progress.finish(); };
  const auto started = std::chrono::system_clock::now();
  transform::RunSummary summary = transform::run_models(context.config(), project, context.lake(),
                                                        context.connection(), run.id(), options);
  if (project.dbt) {
    transform::write_run_results(context.config(), project, summary, started,
                                 run_arguments(node_options, command));
  }
  size_t ok = 0, failed = 0, skipped = 0, warned = 0;
  double total_seconds = 0;
  for (const auto& model : summary.models) {
    total_seconds += model.seconds;
    if (model.status == lake::RunStatus::kSuccess) ++ok;
    if (model.status == lake::RunStatus::kFailed) ++failed;
    if (model.status == lake::RunStatus::kSkipped) ++skipped;
    if (model.outcome == "warn") ++warned;
    std::cout << status_word(model) << " " << (model.outcome.empty() ? model.relation : model.name);
    if (model.status == lake::RunStatus::kSuccess && model.outcome.empty()) {
      std::cout << "  " << model.materialized;
      if (model.materialized != "view" && model.materialized != "ephemeral") {
        std::cout << "  " << format_rows(model.rows);
      }
      std::cout << "  " << format_seconds(model.seconds);
    }
    std::cout << "\n";
    // DuckDB's messages span lines (the SQL line and a caret): indent every one.
    for (const std::string& line : split(model.error, '\n')) {
      if (!line.empty()) std::cout << "        " << line << "\n";
    }
  }
  std::cout << "Done: " << ok << " ok, " << failed << " failed, " << skipped << " skipped";
  if (warned) std::cout << ", " << warned << " warned";
  std::cout << " (" << format_seconds(total_seconds) << ")\n";
  run.finish(failed ? lake::RunStatus::kFailed : lake::RunStatus::kSuccess,
             failed ? std::to_string(failed) + " node(s) failed" : "");
  return failed ? 1 : 0;
}

namespace {

void add_node_command(CLI::App& app, const GlobalOptions& globals, Action& action,
                      const std::string& name, const std::string& description,
                      std::set<std::string> resource_types) {
  auto* command = app.add_subcommand(name, description);
  auto options = std::make_shared<NodeOptions>();
  add_node_options(*command, *options, true);
  command->callback([&action, &globals, options, name, resource_types] {
    action = [&globals, options, name, resource_types] {
      return run_nodes(globals, *options, name, resource_types);
    };
  });
}

}  // namespace

void add_run_command(CLI::App& app, const GlobalOptions& globals, Action& action) {
  for (const transform::NodeCommand& command : transform::node_commands()) {
    add_node_command(app, globals, action, command.name, command.summary, command.resource_types);
  }
}

}  // namespace strata::cli
