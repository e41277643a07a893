// `strata pipeline status [NAME]`: for each pipeline, its schedule and policy, the next tick, the
// last run with its steps and error, and the runs in flight; and whether a server is running the
// project's schedules. Also the per-run step summary the `runs` listing shows.
#pragma once

#include <string>

#include "cli/context.hpp"
#include "orchestrate/pipeline.hpp"

namespace strata::cli {

int show_pipeline_status(const GlobalOptions& globals, const std::string& name);

// The record of pipeline run `run_id`; kUsage pointing to `strata pipeline runs` when none.
lake::PipelineRunRecord require_pipeline_run(lake::MetadataStore& store, int64_t run_id);

// "load success, models failed (3 attempts)": the last attempt of each pipeline step.
std::string step_summary(lake::MetadataStore& store, const orchestrate::Pipeline* pipeline,
                         int64_t run_id);

}  // namespace strata::cli
