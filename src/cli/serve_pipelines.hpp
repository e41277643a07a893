// The pipeline service as `strata serve` runs it: the scheduler on the system clock, the project's
// pipelines, and a log line for every run that ends. Kept apart from the listeners of `strata
// serve` so that each server part is started by one call; the HTTP API reaches the service through
// service().
#pragma once

#include <memory>

#include "cli/context.hpp"
#include "orchestrate/clock.hpp"
#include "orchestrate/service.hpp"

namespace strata::cli {

class ServedPipelines {
 public:
  // Recovers the runs a stopped server left unfinished and, with `schedule`, starts the scheduler.
  ServedPipelines(ProjectContext& context, bool schedule);
  ~ServedPipelines();  // interrupts the runs in flight (the next server resumes them)
  orchestrate::PipelineService& service() { return *service_; }

 private:
  orchestrate::SystemClock clock_;
  std::unique_ptr<orchestrate::PipelineService> service_;
};

}  // namespace strata::cli
