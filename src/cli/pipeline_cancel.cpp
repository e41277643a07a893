#include "cli/pipeline_cancel.hpp"

#include <unistd.h>

#include <chrono>
#include <iostream>
#include <thread>

#include "cli/pipeline_status.hpp"
#include "core/error.hpp"
#include "core/interrupt.hpp"
#include "core/time_text.hpp"
#include "orchestrate/pipeline.hpp"
#include "orchestrate/recovery.hpp"
#include "orchestrate/run_meta.hpp"

namespace strata::cli {

namespace {

using lake::RunStatus;

bool in_flight(const lake::PipelineRunRecord& record) {
  return record.run.status == lake::run_status_name(RunStatus::kRunning) ||
         record.run.status == lake::run_status_name(RunStatus::kInterrupted);
}

void print_end(const lake::PipelineRunRecord& record) {
  std::cout << "Run " << record.run.id << " " << record.run.status;
  if (!record.run.error.empty()) std::cout << ": " << record.run.error;
  std::cout << "\n";
}

}  // namespace

int cancel_pipeline_run(const GlobalOptions& globals, int64_t run_id, double wait_seconds) {
  ProjectContext context(globals);
  lake::MetadataStore& store = context.store();
  std::optional<lake::PipelineRunRecord> record = require_pipeline_run(store, run_id);
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(
      std::chrono::system_clock::now().time_since_epoch());
  const orchestrate::CancelResult result = orchestrate::cancel_elsewhere(
      store, orchestrate::load_pipelines(context.config()), context.config().root, run_id,
      "strata pipeline cancel, pid " + std::to_string(::getpid()) + ", " + iso_utc(now.count()));
  if (result == orchestrate::CancelResult::kNotInFlight) {
    throw Error(ErrorKind::kConflict, "run " + std::to_string(run_id) + " already finished: " +
                                          store.pipeline_run(run_id)->run.status);
  }
  if (result == orchestrate::CancelResult::kCancelled) {
    std::cout << "Run " << run_id << " of pipeline " << record->pipeline
              << " was not running in any process (" << record->run.status << ")\n";
    print_end(*store.pipeline_run(run_id));
    return 0;
  }
  std::cout << "Cancel requested for run " << run_id << " of pipeline " << record->pipeline << "\n";
  std::cout.flush();
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::milliseconds(static_cast<int64_t>(wait_seconds * 1000));
  while (std::chrono::steady_clock::now() < deadline) {
    check_interrupt();
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    record = store.pipeline_run(run_id);
    if (record && !in_flight(*record)) {
      print_end(*record);
      return 0;
    }
  }
  std::cout << "Run " << run_id << " is still stopping (" << record->run.status
            << "); `strata pipeline status` shows when it ends\n";
  return 1;
}

}  // namespace strata::cli
