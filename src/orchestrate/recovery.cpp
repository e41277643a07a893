#include "orchestrate/recovery.hpp"

#include <signal.h>

#include <cerrno>
#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include "core/error.hpp"
#include "core/log.hpp"
#include "orchestrate/command_step.hpp"
#include "orchestrate/process_lock.hpp"
#include "orchestrate/run_meta.hpp"

namespace strata::orchestrate {

using lake::RunStatus;

namespace {

const std::string kAlreadySucceeded = "already succeeded in run ";

// Whether the process `pid` runs with STRATA_RUN_ID=run_id in its environment.
bool runs_for(pid_t pid, int64_t run_id) {
  std::ifstream environ("/proc/" + std::to_string(pid) + "/environ", std::ios::binary);
  if (!environ) return false;
  std::stringstream text;
  text << environ.rdbuf();
  const std::string expected = "STRATA_RUN_ID=" + std::to_string(run_id);
  std::string entry;
  while (std::getline(text, entry, '\0')) {
    if (entry == expected) return true;
  }
  return false;
}

// Kills what is left of a command step's process group, if it is still there.
void stop_process_group(lake::MetadataStore& store, const lake::StepRecord& step) {
  pid_t group = 0;
  for (const lake::LogLine& line : store.step_logs(step.id)) {
    if (line.text.rfind(kProcessGroupLine, 0) == 0) {
      group =
          static_cast<pid_t>(std::stoll(line.text.substr(std::string(kProcessGroupLine).size())));
    }
  }
  if (group <= 1 || ::kill(-group, 0) != 0) return;  // gone already
  // The leader's id may belong to another process by now only if the group is gone: Linux does
  // not reuse an id while a group uses it. A live leader must be the step's own command.
  const bool leader_alive = ::kill(group, 0) == 0;
  if (leader_alive && !runs_for(group, step.run_id)) return;
  log::warn("stopping a command left running by a stopped process",
            {{"run_id", step.run_id}, {"step", step.name}, {"process_group", group}});
  ::kill(-group, SIGKILL);
  for (int i = 0; i < 100 && ::kill(-group, 0) == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  store.append_log(step.run_id, step.id, "info",
                   "process group " + std::to_string(group) + " was still running: killed");
}

}  // namespace

bool left_over(const lake::PipelineRunRecord& run, lake::MetadataStore& store,
               const std::filesystem::path& project_root) {
  if (run.run.status == lake::run_status_name(RunStatus::kInterrupted)) return true;
  if (run.run.status != lake::run_status_name(RunStatus::kRunning)) return false;
  return !OwnerLease::alive(project_root, load_run_meta(store, run.run.id).owner);
}

LeftoverRun recover_run(lake::PipelineRunRecord record, const Pipeline& pipeline,
                        lake::MetadataStore& store) {
  const std::string why = "interrupted: the strata process running it stopped";
  LeftoverRun run;
  run.pipeline = &pipeline;
  run.request.params = load_run_meta(store, record.run.id).params;
  run.request.rerun_of = load_run_meta(store, record.run.id).rerun_of;
  std::map<std::string, std::string> last_status;
  for (lake::StepRecord& step : store.run_steps(record.run.id)) {
    if (step.status == lake::run_status_name(RunStatus::kRunning)) {
      stop_process_group(store, step);
      store.finish_step(step.id, RunStatus::kInterrupted, step.rows, why);
      step.status = lake::run_status_name(RunStatus::kInterrupted);
    }
    if (step.status == lake::run_status_name(RunStatus::kSkipped)) continue;
    ++run.request.used_attempts[step.name];
    last_status[step.name] = step.status;
  }
  for (const auto& [name, reason] : succeeded_steps(store, record.run.id)) {
    run.request.done_steps[name] = "";  // recorded in this run already
  }
  run.resume = true;
  if (cancel_requested(store, record.run.id)) {
    run.resume = false;
    run.why = "cancelled (" + why + ")";
  }
  for (const auto& [name, status] : last_status) {
    if (!run.resume) break;
    const PipelineStepConfig* step = pipeline.config().find_step(name);
    if (!step || status != lake::run_status_name(RunStatus::kInterrupted)) continue;
    if (run.request.used_attempts[name] > step->retries) {
      run.resume = false;
      run.why = why + "; step '" + name + "' was interrupted and has no retries left (" +
                std::to_string(step->retries) + ")";
      break;
    }
  }
  if (run.resume) {
    store.append_log(record.run.id, 0, "info",
                     "resumed after an interruption: steps that succeeded are not run again");
    store.finish_run(record.run.id, RunStatus::kRunning, "");
    record.run.status = lake::run_status_name(RunStatus::kRunning);
  } else {
    store.append_log(record.run.id, 0, "error", run.why);
    store.finish_run(record.run.id, RunStatus::kFailed, run.why);
    record.run.status = lake::run_status_name(RunStatus::kFailed);
    record.run.error = run.why;
  }
  run.record = std::move(record);
  return run;
}

std::map<std::string, std::string> succeeded_steps(lake::MetadataStore& store, int64_t run_id) {
  std::map<std::string, std::string> done;
  for (const lake::StepRecord& step : store.run_steps(run_id)) {
    if (step.kind == "model") continue;
    if (step.status == lake::run_status_name(RunStatus::kSuccess)) {
      done[step.name] = kAlreadySucceeded + std::to_string(run_id);
    } else if (step.status == lake::run_status_name(RunStatus::kSkipped) &&
               step.error.rfind(kAlreadySucceeded, 0) == 0) {
      done[step.name] = step.error;  // taken over from the run it reran
    }
  }
  return done;
}

RunRequest rerun_request(lake::MetadataStore& store, const Pipeline& pipeline,
                         const lake::PipelineRunRecord& record, bool from_failed) {
  const int64_t run_id = record.run.id;
  const std::string& status = record.run.status;
  if (status == run_status_name(RunStatus::kRunning) ||
      status == run_status_name(RunStatus::kInterrupted)) {
    throw Error(ErrorKind::kConflict, "run " + std::to_string(run_id) + " is " + status +
                                          "; only a finished run can be rerun");
  }
  if (from_failed && status == run_status_name(RunStatus::kSuccess)) {
    throw Error(ErrorKind::kUsage,
                "run " + std::to_string(run_id) + " succeeded: no failed step to rerun from");
  }
  RunRequest request;
  request.params = load_run_meta(store, run_id).params;
  request.rerun_of = run_id;
  if (from_failed) {
    for (auto& [step, reason] : succeeded_steps(store, run_id)) {
      if (pipeline.config().find_step(step)) request.done_steps[step] = reason;
    }
  }
  return request;
}

CancelResult cancel_elsewhere(lake::MetadataStore& store, const std::vector<Pipeline>& pipelines,
                              const std::filesystem::path& project_root, int64_t run_id,
                              const std::string& note) {
  const std::optional<lake::PipelineRunRecord> record = store.pipeline_run(run_id);
  if (!record || (record->run.status != run_status_name(RunStatus::kRunning) &&
                  record->run.status != run_status_name(RunStatus::kInterrupted))) {
    return CancelResult::kNotInFlight;
  }
  request_cancel(store, run_id, note);
  if (!left_over(*record, store, project_root)) return CancelResult::kRequested;
  recover_run(*record, find_pipeline(pipelines, record->pipeline), store);
  return CancelResult::kCancelled;
}

std::vector<LeftoverRun> recover_leftover_runs(const std::vector<Pipeline>& pipelines,
                                               lake::MetadataStore& store,
                                               const std::filesystem::path& project_root) {
  std::vector<LeftoverRun> out;
  for (const Pipeline& pipeline : pipelines) {
    lake::PipelineRunFilter filter;
    filter.pipeline = pipeline.name();
    filter.limit = 1'000'000;
    std::vector<lake::PipelineRunRecord> runs = store.pipeline_runs(filter);
    // Oldest first, so that resumed runs keep their order.
    for (auto it = runs.rbegin(); it != runs.rend(); ++it) {
      if (left_over(*it, store, project_root)) out.push_back(recover_run(*it, pipeline, store));
    }
  }
  OwnerLease::remove_dead(project_root);
  return out;
}

}  // namespace strata::orchestrate
