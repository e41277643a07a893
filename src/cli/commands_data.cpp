// Commands that move and read data: `ingest`, `query`, `runs`.
#include <chrono>
#include <ctime>
#include <iostream>

#include "cli/commands.hpp"
#include "cli/output.hpp"
#include "core/error.hpp"
#include "core/interrupt.hpp"
#include "core/log.hpp"
#include "core/progress.hpp"
#include "core/text.hpp"
#include "ingest/current_state.hpp"
#include "ingest/database_source.hpp"
#include "ingest/file_source.hpp"
#include "ingest/table_selection.hpp"
#include "lake/query_pruning.hpp"

namespace strata::cli {

namespace {

std::string time_of(int64_t ms) {
  if (ms <= 0) return "";
  std::time_t seconds = ms / 1000;
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%d %H:%M:%S", &utc);
  return buffer;
}

// Loads the new files of a `files` table and prints its summary line; returns the rows loaded.
uint64_t ingest_files(ProjectContext& context, const SourceConfig& source, const TableConfig& table,
                      bool reload_changed, ProgressLine& progress) {
  ingest::LoadOptions load_options;
  load_options.reload_changed = reload_changed;
  ingest::LoadResult result =
      ingest::load_file_table(context.config(), source, table, context.lake(), context.connection(),
                              load_options, [&](const ingest::LoadProgress& p) {
                                std::string status = format_bytes(p.bytes_total);
                                if (p.rows_processed)
                                  status += "  " + format_rows(p.rows_processed);
                                if (p.percentage >= 0)
                                  status += "  " + std::to_string(int(p.percentage)) + "%";
                                progress.update(status);
                              });
  progress.finish();
  std::cout << result.table.str() << ": " << ingest::summarize(result)
            << (result.changed_files.empty() ? "" : " (--reload-changed)") << "\n";
  if (result.files_loaded) context.lake().attach(context.connection(), result.table);
  if (result.current_rows) {
    context.lake().attach(context.connection(), ingest::current_state_table(result.table));
  }
  return result.rows_loaded;
}

// Loads a table of a database source and prints its summary line; returns the rows loaded.
uint64_t ingest_database(ProjectContext& context, const SourceConfig& source,
                         const TableConfig& table, ProgressLine& progress) {
  ingest::DatabaseLoadResult result = ingest::load_database_table(
      source, table, context.lake(), context.connection(), [&](const ingest::LoadProgress& p) {
        // The extension's scan reports neither rows nor a percentage until it has some.
        std::string status =
            p.rows_processed ? format_count(p.rows_processed) + " rows" : "reading";
        if (p.percentage >= 0) status += "  " + std::to_string(int(p.percentage)) + "%";
        progress.update(status);
      });
  progress.finish();
  std::cout << result.table.str() << ": " << format_count(result.rows_loaded) << " rows";
  if (result.mode == LoadMode::kFull) {
    std::cout << " (full snapshot)";
  } else if (result.mode == LoadMode::kCdc) {
    const std::string position = source.kind == "mysql" ? "binlog " : "LSN ";
    std::cout << (result.cursor_from.empty()
                      ? " (cdc, initial snapshot; changes from " + position
                      : " (cdc changes, " + position + result.cursor_from + " to ")
              << result.cursor_to << ")";
  } else if (result.cursor_from.empty()) {
    std::cout << " (incremental, first load, up to " << table.database->cursor << " = '"
              << result.cursor_to << "')";
  } else {
    std::cout << " (incremental, " << table.database->cursor << " > '" << result.cursor_from
              << "', up to '" << result.cursor_to << "')";
  }
  std::cout << ", " << format_bytes(result.bytes) << ", " << format_seconds(result.seconds);
  if (result.attempts > 1) std::cout << ", " << result.attempts << " attempts";
  if (result.current_rows) {
    std::cout << "; " << ingest::current_state_table(result.table).str() << ": "
              << format_rows(*result.current_rows);
  }
  std::cout << "\n";
  if (result.snapshot) context.lake().attach(context.connection(), result.table);
  if (result.current_rows) {
    context.lake().attach(context.connection(), ingest::current_state_table(result.table));
  }
  return result.rows_loaded;
}

}  // namespace

void add_ingest_command(CLI::App& app, const GlobalOptions& globals, Action& action) {
  auto* command = app.add_subcommand(
      "ingest", "Load new data of the project's sources into their bronze tables");
  struct Options {
    std::vector<std::string> selectors;
    bool reload_changed = false;
  };
  auto options = std::make_shared<Options>();
  command->add_option("SOURCE[.TABLE]", options->selectors,
                      "Sources or tables to load (default: all)");
  command->add_flag("--reload-changed", options->reload_changed,
                    "Reload files that changed since they were loaded");
  command->callback([&action, &globals, options] {
    action = [&globals, options] {
      ProjectContext context(globals);
      auto selected = ingest::select_tables(context.config(), options->selectors);
      if (selected.empty()) {
        std::cout << "No sources to ingest: declare them under `sources:` in strata.yml\n";
        return 0;
      }
      RunRecorder run(context.store(), "ingest");
      int failures = 0;
      for (const auto& [source, table] : selected) {
        check_interrupt();
        const std::string name = source->name + "." + table->name;
        const int64_t step = context.store().begin_step(run.id(), name, "ingest");
        ProgressLine progress("ingest " + name);
        try {
          const uint64_t rows =
              ingest::is_database_source(*source)
                  ? ingest_database(context, *source, *table, progress)
                  : ingest_files(context, *source, *table, options->reload_changed, progress);
          context.store().finish_step(step, lake::RunStatus::kSuccess, rows, "");
        } catch (const Error& e) {
          progress.finish();
          context.store().finish_step(step, lake::RunStatus::kFailed, 0, e.what());
          if (e.kind() == ErrorKind::kInterrupted || interrupt_requested()) throw;
          std::cerr << "error: " << e.what() << "\n";
          ++failures;
        }
      }
      run.finish(failures ? lake::RunStatus::kFailed : lake::RunStatus::kSuccess,
                 failures ? std::to_string(failures) + " table(s) failed" : "");
      return failures ? 1 : 0;
    };
  });
}

void add_query_command(CLI::App& app, const GlobalOptions& globals, Action& action) {
  auto* command = app.add_subcommand(
      "query", "Run SQL on the lake; tables are named namespace.table (e.g. trusted.q1)");
  struct Options {
    std::string sql;
    std::string format = "table";
    uint64_t max_rows = 100;
    bool no_pruning = false;
  };
  auto options = std::make_shared<Options>();
  command->add_option("SQL", options->sql, "The statement to run")->required();
  command->add_option("-f,--format", options->format, "table, csv or json")
      ->check(CLI::IsMember({"table", "csv", "json"}));
  command->add_option("--max-rows", options->max_rows, "Rows shown in table format (default 100)");
  command->add_flag("--no-pruning", options->no_pruning,
                    "Read every data file of the tables (by default, files whose partition or "
                    "column statistics rule out the query's filters are skipped; --log-level "
                    "debug shows how many)");
  command->callback([&action, &globals, options] {
    action = [&globals, options] {
      ProjectContext context(globals);
      PrintOptions print;
      print.format = parse_output_format(options->format);
      print.max_rows = options->max_rows;
      try {
        context.lake().attach_time_travel(context.connection(), options->sql);
        if (!options->no_pruning) {
          lake::attach_for_query(context.lake(), context.connection(), options->sql);
        }
        print_query(context.connection(), options->sql, print, std::cout);
      } catch (const Error& e) {
        if (e.kind() != ErrorKind::kEngine) throw;
        throw Error(ErrorKind::kInput, e.message(), Location::of("query"));
      }
      return 0;
    };
  });
}

void add_runs_command(CLI::App& app, const GlobalOptions& globals, Action& action) {
  auto* command = app.add_subcommand("runs", "Show the history of runs and their steps");
  auto limit = std::make_shared<size_t>(10);
  command->add_option("-n,--limit", *limit, "How many recent runs (default 10)");
  command->callback([&action, &globals, limit] {
    action = [&globals, limit] {
      ProjectContext context(globals);
      for (const auto& run : context.store().recent_runs(*limit)) {
        std::cout << "run " << run.id << "  " << run.command << "  " << run.status << "  "
                  << time_of(run.started_at_ms) << " UTC";
        if (run.finished_at_ms) {
          std::cout << "  " << format_seconds((run.finished_at_ms - run.started_at_ms) / 1000.0);
        }
        if (!run.error.empty()) std::cout << "  " << run.error;
        std::cout << "\n";
        std::vector<std::vector<std::string>> rows;
        for (const auto& step : context.store().run_steps(run.id)) {
          const double seconds =
              step.finished_at_ms ? (step.finished_at_ms - step.started_at_ms) / 1000.0 : 0;
          rows.push_back({step.name, step.kind, step.status, format_count(step.rows),
                          format_seconds(seconds), step.error.substr(0, 120)});
        }
        if (!rows.empty()) {
          std::cout << render_table({"step", "kind", "status", "rows", "time", "error"}, rows)
                    << "\n";
        }
      }
      return 0;
    };
  });
}

}  // namespace strata::cli
