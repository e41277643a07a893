#include "orchestrate/sensor_step.hpp"

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/time_text.hpp"
#include "ingest/file_source.hpp"
#include "orchestrate/step_engine.hpp"

namespace strata::orchestrate {

namespace {

bool pipeline_ran(const StepContext& context) {
  lake::PipelineRunFilter filter;
  filter.pipeline = context.step.wait_pipeline;
  filter.interval_end_from = context.interval.end;
  filter.limit = 1000;
  for (const lake::PipelineRunRecord& run : context.lake.store().pipeline_runs(filter)) {
    if (run.run.status == lake::run_status_name(lake::RunStatus::kSuccess) &&
        run.interval_start <= context.interval.start) {
      return true;
    }
  }
  return false;
}

bool table_reached(const StepContext& context) {
  const std::string& table = context.step.wait_table;
  const size_t dot = table.find('.');
  if (!context.lake.store().find_table({table.substr(0, dot), table.substr(dot + 1)})) {
    return false;  // not loaded yet
  }
  StepEngine engine(context);
  engine::Result result = engine.connection().query(
      "SELECT coalesce(max(" + engine::quote_identifier(context.step.wait_column) +
      ") >= TIMESTAMPTZ " + engine::quote_literal(context.interval.end_iso()) + ", false) FROM " +
      engine::quote_identifier(table.substr(0, dot)) + "." +
      engine::quote_identifier(table.substr(dot + 1)));
  auto chunk = result.next_chunk();
  return chunk && chunk->size() > 0 && engine::value_to_text(chunk->get(0, 0)) == "true";
}

// The files of the selected tables that no load has read yet, as "table: path" (empty: none). The
// ingest layer decides what "loaded" means (path, size, time; S3: ETag), as a load would.
std::vector<std::string> new_files(const StepContext& context, engine::Connection& connection) {
  std::vector<std::string> found;
  for (const ingest::TableSelection& selected :
       new_files_tables(context.project, context.step.wait_files)) {
    for (const ingest::SourceFile& file : ingest::list_files(
             context.project, *selected.source, *selected.table, context.lake, connection)) {
      if (file.state == ingest::FileState::kNew) {
        found.push_back(selected.source->name + "." + selected.table->name + ": " + file.path);
      }
    }
  }
  return found;
}

}  // namespace

StepResult run_sensor_step(const StepContext& context) {
  const PipelineStepConfig& step = context.step;
  std::string what;
  std::function<bool()> ready;
  std::optional<StepEngine> files_engine;  // lists files; one for all pokes
  if (!step.wait_pipeline.empty()) {
    what = "a successful run of pipeline '" + step.wait_pipeline + "' covering " +
           context.interval.start_iso() + " .. " + context.interval.end_iso();
    ready = [&] { return pipeline_ran(context); };
  } else if (!step.wait_table.empty()) {
    what = step.wait_table + "." + step.wait_column + " to reach " + context.interval.end_iso();
    ready = [&] { return table_reached(context); };
  } else {
    what = "new files in " + step.wait_files;
    files_engine.emplace(context);
    ready = [&] {
      const std::vector<std::string> found = new_files(context, files_engine->connection());
      for (const std::string& file : found) context.log.write("info", "new file " + file);
      return !found.empty();
    };
  }
  for (int pokes = 1;; ++pokes) {
    context.control.throw_if_stopped();
    if (ready()) {
      context.log.write("info", "ready after " + std::to_string(pokes) + " poke(s): " + what);
      return {};
    }
    if (pokes == 1) {
      context.log.write(
          "info", "waiting for " + what + ", poking every " + format_duration_ms(step.poke_ms));
    }
    const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(step.poke_ms);
    while (std::chrono::steady_clock::now() < until) {
      context.control.throw_if_stopped();
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
}

}  // namespace strata::orchestrate
