#include "orchestrate/sensor_step.hpp"

#include <chrono>
#include <functional>
#include <thread>

#include "core/time_text.hpp"
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

}  // namespace

StepResult run_sensor_step(const StepContext& context) {
  const PipelineStepConfig& step = context.step;
  const bool on_pipeline = !step.wait_pipeline.empty();
  const std::string what =
      on_pipeline
          ? "a successful run of pipeline '" + step.wait_pipeline + "' covering " +
                context.interval.start_iso() + " .. " + context.interval.end_iso()
          : step.wait_table + "." + step.wait_column + " to reach " + context.interval.end_iso();
  const std::function<bool()> ready = [&] {
    return on_pipeline ? pipeline_ran(context) : table_reached(context);
  };
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
