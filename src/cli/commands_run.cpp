// `strata run`: build the project's SQL models in dependency order.
#include <iostream>

#include "cli/commands.hpp"
#include "core/error.hpp"
#include "core/progress.hpp"
#include "core/text.hpp"
#include "transform/project.hpp"
#include "transform/runner.hpp"

namespace strata::cli {

void add_run_command(CLI::App& app, const GlobalOptions& globals, Action& action) {
  auto* command = app.add_subcommand(
      "run", "Build the SQL models under models/ in dependency order (tables and views)");
  auto select = std::make_shared<std::vector<std::string>>();
  command->add_option("-s,--select", *select,
                      "Models to build: NAME, +NAME (with upstream), NAME+ (with downstream)");
  command->callback([&action, &globals, select] {
    action = [&globals, select] {
      ProjectContext context(globals);
      transform::ModelProject models = transform::load_models(context.config());
      if (models.models.empty()) {
        std::cout << "No models in " << context.config().models_dir.string() << "\n";
        return 0;
      }
      RunRecorder run(context.store(), "run");
      transform::RunOptions options;
      options.select = *select;
      ProgressLine progress("run");
      options.on_model_start = [&](const transform::Model& model) {
        progress.update("building " + model.schema + "." + model.name, true);
      };
      options.on_model_done = [&](const transform::ModelResult&) { progress.finish(); };
      transform::RunSummary summary = transform::run_models(
          context.config(), models, context.lake(), context.connection(), run.id(), options);
      size_t ok = 0, failed = 0, skipped = 0;
      double total_seconds = 0;
      for (const auto& model : summary.models) {
        total_seconds += model.seconds;
        std::string status;
        switch (model.status) {
          case lake::RunStatus::kSuccess:
            ++ok;
            status = "OK     ";
            break;
          case lake::RunStatus::kFailed:
            ++failed;
            status = "FAILED ";
            break;
          default:
            ++skipped;
            status = "SKIPPED";
            break;
        }
        std::cout << status << " " << model.relation;
        if (model.status == lake::RunStatus::kSuccess) {
          std::cout << "  " << model.materialized;
          if (model.materialized != "view") std::cout << "  " << format_rows(model.rows);
          std::cout << "  " << format_seconds(model.seconds);
        }
        std::cout << "\n";
        // DuckDB's messages span lines (the SQL line and a caret): indent every one.
        for (const std::string& line : split(model.error, '\n')) {
          if (!line.empty()) std::cout << "        " << line << "\n";
        }
      }
      std::cout << "Done: " << ok << " ok, " << failed << " failed, " << skipped << " skipped ("
                << format_seconds(total_seconds) << ")\n";
      run.finish(failed ? lake::RunStatus::kFailed : lake::RunStatus::kSuccess,
                 failed ? std::to_string(failed) + " model(s) failed" : "");
      return failed ? 1 : 0;
    };
  });
}

}  // namespace strata::cli
