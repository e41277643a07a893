// Commands that create projects: `init`, `example`, and `version`.
#include <iostream>

#include "cli/commands.hpp"
#include "cli/examples/streaming_project.hpp"
#include "cli/init_template.hpp"
#include "core/error.hpp"
#include "core/paths.hpp"
#include "core/text.hpp"
#include "engine/duckdb_api.hpp"

namespace strata::cli {

void add_init_command(CLI::App& app, const GlobalOptions&, Action& action) {
  auto* command = app.add_subcommand(
      "init", "Create a new project in DIR that runs as it is: a source, sample data, two models");
  auto dir = std::make_shared<std::string>();
  command->add_option("DIR", *dir, "The directory to create the project in")->required();
  command->callback([&action, dir] {
    action = [dir] {
      const std::filesystem::path root = paths::project_root(*dir);
      const std::vector<TemplateFile> files = init_template_files(root.filename().string());
      for (const auto& file : files) {
        if (std::filesystem::exists(root / file.path) && file.path == "strata.yml") {
          throw Error(ErrorKind::kUsage, "a project already exists here (strata.yml found)",
                      Location((root / file.path).string()));
        }
      }
      for (const auto& file : files) paths::write_file_atomically(root / file.path, file.content);
      std::cout << "Created project '" << init_project_name(root.filename().string()) << "' in "
                << root.string() << "\nNext:\n  cd " << *dir
                << "\n  strata ingest\n  strata run\n  strata query \"SELECT * FROM "
                   "marts.customers_by_country\"\n";
      return 0;
    };
  });
}

void add_example_command(CLI::App& app, const GlobalOptions& globals, Action& action) {
  auto* command = app.add_subcommand("example", "Create a runnable example project with data");
  command->require_subcommand(1);
  auto* streaming = command->add_subcommand(
      "streaming",
      "The streaming app of December 2021: movies, users and streams (CSV), authors, books and "
      "reviews (JSON, messy like real vendor data), six questions answered by SQL models");
  struct Options {
    std::string dir;
    double scale = 1.0;
    uint64_t seed = 2021;
  };
  auto options = std::make_shared<Options>();
  streaming->add_option("DIR", options->dir, "Where to create the project")->required();
  streaming
      ->add_option("--scale", options->scale,
                   "Data size: 1 is about 20,000 streams (a few MB); 1000 is several GB")
      ->check(CLI::Range(0.001, 100000.0));
  streaming->add_option("--seed", options->seed, "Random seed: same seed and scale, same bytes");
  streaming->callback([&action, &globals, options] {
    action = [&globals, options] {
      const std::filesystem::path root = paths::project_root(options->dir);
      auto result =
          examples::create_streaming_example(root, options->scale, options->seed, globals.quiet);
      uint64_t bytes = 0;
      uint64_t rows = 0;
      for (const auto& file : result.data_files) {
        bytes += file.bytes;
        rows += file.rows;
      }
      std::cout << "Created the streaming example in " << root.string() << ": "
                << result.project_files << " project files, " << result.data_files.size()
                << " data files (" << format_count(rows) << " rows, " << format_bytes(bytes)
                << ")\nNext:\n  strata ingest --project " << options->dir
                << "\n  strata run --project " << options->dir << "\n";
      return 0;
    };
  });
}

void add_version_command(CLI::App& app, const GlobalOptions&, Action& action) {
  auto* command = app.add_subcommand("version", "Print strata's version and check its engine");
  command->callback([&action] {
    action = [] {
      const auto& api = engine::duckdb();
      std::cout << "strata " << STRATA_VERSION << "\nDuckDB " << api.version << " ("
                << api.library_path << ")\nextensions " << engine::duckdb_extension_directory()
                << "\n";
      return 0;
    };
  });
}

}  // namespace strata::cli
