// The subcommands of `strata`. Each add_* function registers one command (its options and help
// text) on the CLI11 app and, when that command is chosen, sets `action` to the function that
// does the work and returns the process exit code. Errors are thrown as strata::Error and turned
// into messages and exit codes in one place, app.cpp.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>

#include "cli/context.hpp"

namespace strata::cli {

using Action = std::function<int()>;

void add_init_command(CLI::App& app, const GlobalOptions& globals, Action& action);
void add_example_command(CLI::App& app, const GlobalOptions& globals, Action& action);
void add_ingest_command(CLI::App& app, const GlobalOptions& globals, Action& action);
void add_run_command(CLI::App& app, const GlobalOptions& globals, Action& action);
void add_dbt_commands(CLI::App& app, const GlobalOptions& globals, Action& action);
void add_query_command(CLI::App& app, const GlobalOptions& globals, Action& action);
void add_table_command(CLI::App& app, const GlobalOptions& globals, Action& action);
// The `table` subcommands that change a table (commands_table_change.cpp).
void add_table_change_commands(CLI::App& table_command, const GlobalOptions& globals,
                               Action& action);
// "silver.orders" as a table name; kUsage otherwise.
lake::TableName parse_table_name(const std::string& text);
void add_runs_command(CLI::App& app, const GlobalOptions& globals, Action& action);
void add_pipeline_command(CLI::App& app, const GlobalOptions& globals, Action& action);
void add_version_command(CLI::App& app, const GlobalOptions& globals, Action& action);
void add_serve_command(CLI::App& app, const GlobalOptions& globals, Action& action);
void add_user_command(CLI::App& app, const GlobalOptions& globals, Action& action);

}  // namespace strata::cli
