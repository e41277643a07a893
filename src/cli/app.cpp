#include "cli/app.hpp"

#include <algorithm>
#include <cstdlib>
#include <iostream>

#include "cli/commands.hpp"
#include "core/error.hpp"
#include "core/interrupt.hpp"
#include "core/log.hpp"
#include "core/progress.hpp"
#include "core/text.hpp"

namespace strata::cli {

namespace {

void configure_logging(const GlobalOptions& globals) {
  std::string format = globals.log_format;
  if (const char* env = std::getenv("STRATA_LOG_FORMAT"); env && *env && format == "text") {
    format = env;
  }
  log::configure(log::parse_level(globals.log_level), log::parse_format(format));
  ProgressLine::set_quiet(globals.quiet);
}

void print_error(const Error& error) {
  if (log::format() == log::Format::kJson) {
    nlohmann::json fields = {{"kind", std::string(error_kind_name(error.kind()))}};
    if (!error.where().empty()) fields["where"] = error.where().str();
    log::error(error.message(), fields);
  } else {
    std::cerr << "error: " << error.what() << "\n";
  }
}

// The first word that is not a global option, if it names no command: CLI11 would only say "a
// subcommand is required", which hides the typo.
std::string unknown_command(const CLI::App& app, int argc, char** argv) {
  const std::vector<std::string> takes_value = {"-p", "--project", "--log-format", "--log-level"};
  for (int i = 1; i < argc; ++i) {
    const std::string word = argv[i];
    if (word.starts_with("-")) {
      if (std::find(takes_value.begin(), takes_value.end(), word) != takes_value.end()) ++i;
      continue;
    }
    for (const CLI::App* command : app.get_subcommands([](const CLI::App*) { return true; })) {
      if (command->get_name() == word) return "";
    }
    return word;
  }
  return "";
}

std::vector<std::string> command_names(const CLI::App& app) {
  std::vector<std::string> names;
  for (const CLI::App* command : app.get_subcommands([](const CLI::App*) { return true; })) {
    names.push_back(command->get_name());
  }
  return names;
}

}  // namespace

int run(int argc, char** argv) {
  CLI::App app{
      "strata: the modern data stack in one program. Ingest files into lake tables, transform "
      "them with SQL models, query the results.",
      "strata"};
  app.require_subcommand(1);
  app.fallthrough();
  GlobalOptions globals;
  app.add_option("-p,--project", globals.project_dir,
                 "The project directory (default: the current directory)");
  app.add_option("--log-format", globals.log_format, "Log lines as 'text' or 'json'")
      ->check(CLI::IsMember({"text", "json"}));
  app.add_option("--log-level", globals.log_level, "debug, info, warn or error")
      ->check(CLI::IsMember({"debug", "info", "warn", "error"}));
  app.add_flag("-q,--quiet", globals.quiet, "No progress lines");

  Action action;
  add_init_command(app, globals, action);
  add_example_command(app, globals, action);
  add_ingest_command(app, globals, action);
  add_run_command(app, globals, action);
  add_dbt_commands(app, globals, action);
  add_query_command(app, globals, action);
  add_table_command(app, globals, action);
  add_runs_command(app, globals, action);
  add_pipeline_command(app, globals, action);
  add_version_command(app, globals, action);
  add_serve_command(app, globals, action);
  add_user_command(app, globals, action);

  if (std::string word = unknown_command(app, argc, argv); !word.empty()) {
    std::cerr << "error: unknown command '" << word << "'" << did_you_mean(word, command_names(app))
              << "; commands: " << join(command_names(app), ", ") << "\n";
    return static_cast<int>(ErrorKind::kUsage);
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return static_cast<int>(ErrorKind::kUsage);
  }

  try {
    configure_logging(globals);
    install_interrupt_handler();
    return action ? action() : static_cast<int>(ErrorKind::kUsage);
  } catch (const Error& e) {
    print_error(e);
    return e.exit_code();
  } catch (const std::exception& e) {
    print_error(Error(ErrorKind::kInternal, std::string("unexpected failure: ") + e.what()));
    return static_cast<int>(ErrorKind::kInternal);
  }
}

}  // namespace strata::cli
