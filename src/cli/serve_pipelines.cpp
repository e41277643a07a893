#include "cli/serve_pipelines.hpp"

#include "core/log.hpp"
#include "core/time_text.hpp"

namespace strata::cli {

ServedPipelines::ServedPipelines(ProjectContext& context, bool schedule) {
  orchestrate::ServiceOptions options;
  options.schedule = schedule;
  options.on_run_finished = [](const orchestrate::RunOutcome& run) {
    nlohmann::json fields = {{"run_id", run.run_id},
                             {"pipeline", run.pipeline},
                             {"interval_end", run.interval.end_iso()},
                             {"seconds", run.seconds}};
    if (!run.error.empty()) fields["error"] = run.error;
    const std::string message = "pipeline run " + lake::run_status_name(run.status);
    if (run.ok()) {
      log::info(message, fields);
    } else {
      log::warn(message, fields);
    }
  };
  service_ = std::make_unique<orchestrate::PipelineService>(context.config(), context.lake(),
                                                            clock_, std::move(options));
  service_->start();
  size_t scheduled = 0;
  for (const auto& pipeline : service_->pipelines()) scheduled += pipeline.scheduled();
  nlohmann::json fields = {{"pipelines", service_->pipelines().size()},
                           {"scheduled", schedule ? scheduled : 0}};
  if (!schedule) fields["scheduler"] = "off (--no-scheduler)";
  log::info("pipeline service started", fields);
}

ServedPipelines::~ServedPipelines() {
  service_->stop();
}

}  // namespace strata::cli
