#include "cli/pipeline_status.hpp"

#include <algorithm>
#include <chrono>
#include <iostream>

#include "core/error.hpp"
#include "core/text.hpp"
#include "core/time_text.hpp"
#include "orchestrate/process_lock.hpp"

namespace strata::cli {

namespace {

using orchestrate::Pipeline;

std::string interval_text(const lake::PipelineRunRecord& run) {
  return iso_utc(run.interval_start) + " .. " + iso_utc(run.interval_end);
}

std::string policy(const PipelineConfig& config) {
  std::vector<std::string> parts;
  if (config.schedule.empty()) {
    parts.push_back("manual only");
  } else {
    parts.push_back(config.schedule + " (" + config.timezone + ")");
    if (config.catchup) parts.push_back("catchup");
    if (config.sla_ms) parts.push_back("SLA " + format_duration_ms(config.sla_ms));
  }
  parts.push_back("at most " + std::to_string(config.max_active_runs) + " active run(s)");
  parts.push_back(std::to_string(config.steps.size()) + " step(s)");
  return join(parts, ", ");
}

std::string elapsed(const lake::RunRecord& run) {
  if (!run.finished_at_ms) return "";
  return ", " +
         format_seconds(static_cast<double>(run.finished_at_ms - run.started_at_ms) / 1000.0);
}

void print_pipeline(lake::MetadataStore& store, const Pipeline& pipeline, int64_t now) {
  const PipelineConfig& config = pipeline.config();
  std::cout << pipeline.name() << ": " << policy(config) << "\n";
  if (const auto tick = pipeline.next_tick(now)) {
    std::cout << "  next tick  " << iso_utc(*tick) << "\n";
  }
  lake::PipelineRunFilter filter;
  filter.pipeline = pipeline.name();
  filter.limit = 1'000'000;
  std::vector<lake::PipelineRunRecord> runs = store.pipeline_runs(filter);
  const std::string running = lake::run_status_name(lake::RunStatus::kRunning);
  const std::string interrupted = lake::run_status_name(lake::RunStatus::kInterrupted);
  // The last run to finish, by its record's order (newest id), not by its interval.
  const lake::PipelineRunRecord* last = nullptr;
  for (const auto& run : runs) {
    if (run.run.status == running || run.run.status == interrupted) continue;
    if (!last || run.run.id > last->run.id) last = &run;
  }
  if (!last) {
    std::cout << "  last run   none yet\n";
  } else {
    std::cout << "  last run   " << last->run.id << "  " << last->run.status << "  interval "
              << interval_text(*last) << "  (" << last->trigger << elapsed(last->run) << ")\n"
              << "             " << step_summary(store, &pipeline, last->run.id) << "\n";
    if (!last->run.error.empty()) {
      const std::string error = last->run.error.substr(0, last->run.error.find('\n'));
      std::cout << "             " << error.substr(0, 300) << "\n";
    }
  }
  std::sort(runs.begin(), runs.end(),
            [](const auto& a, const auto& b) { return a.run.id < b.run.id; });
  for (const auto& run : runs) {
    if (run.run.status != running && run.run.status != interrupted) continue;
    std::cout << "  " << std::left << (run.run.status == running ? "running    " : "interrupted")
              << run.run.id << "  interval " << interval_text(run) << "  (" << run.trigger
              << ", started " << iso_utc(run.run.started_at_ms / 1000) << ")\n";
    const std::string steps = step_summary(store, &pipeline, run.run.id);
    if (!steps.empty()) std::cout << "             " << steps << "\n";
  }
}

}  // namespace

std::string step_summary(lake::MetadataStore& store, const orchestrate::Pipeline* pipeline,
                         int64_t run_id) {
  std::vector<std::pair<std::string, std::pair<std::string, int>>> steps;  // name -> status, tries
  for (const lake::StepRecord& step : store.run_steps(run_id)) {
    if (step.kind == "model") continue;
    if (pipeline && !pipeline->config().find_step(step.name)) continue;
    auto found = std::find_if(steps.begin(), steps.end(),
                              [&](const auto& entry) { return entry.first == step.name; });
    if (found == steps.end()) {
      steps.push_back({step.name, {step.status, 1}});
    } else {
      found->second = {step.status, found->second.second + 1};
    }
  }
  std::vector<std::string> parts;
  for (const auto& [name, state] : steps) {
    std::string part = name + " " + state.first;
    if (state.second > 1) part += " (" + std::to_string(state.second) + " attempts)";
    parts.push_back(part);
  }
  return join(parts, ", ");
}

lake::PipelineRunRecord require_pipeline_run(lake::MetadataStore& store, int64_t run_id) {
  std::optional<lake::PipelineRunRecord> record = store.pipeline_run(run_id);
  if (!record) {
    throw Error(ErrorKind::kUsage,
                "no pipeline run " + std::to_string(run_id) + " (see `strata pipeline runs NAME`)");
  }
  return std::move(*record);
}

int show_pipeline_status(const GlobalOptions& globals, const std::string& name) {
  ProjectContext context(globals);
  const std::vector<Pipeline> pipelines = orchestrate::load_pipelines(context.config());
  if (const auto server = orchestrate::running_server(context.config().root)) {
    std::cout << "Server: running (" << *server << "); it runs the schedules\n\n";
  } else {
    std::cout << "Server: not running; schedules run only under `strata serve`\n\n";
  }
  const int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  if (!name.empty()) {
    print_pipeline(context.store(), orchestrate::find_pipeline(pipelines, name), now);
    return 0;
  }
  if (pipelines.empty()) {
    std::cout << "No pipelines: declare them under `pipelines:` in strata.yml\n";
  }
  for (size_t i = 0; i < pipelines.size(); ++i) {
    if (i) std::cout << "\n";
    print_pipeline(context.store(), pipelines[i], now);
  }
  return 0;
}

}  // namespace strata::cli
