// What the orchestrator keeps about a pipeline run besides its record in the run history: the
// process that runs it (an owner lease, see owner_lease.hpp), the parameters of a manual trigger
// and the run it reruns. Kept as one JSON value per run in the metadata store's key-value state
// (scope "pipeline_run"), so no schema change is needed and a rerun or a resumed run finds them.
// A request to cancel a run is kept apart (scope "pipeline_cancel"), so that any process (`strata
// pipeline cancel`) can ask and the process running it (which polls) does the cancelling.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "lake/metastore.hpp"

namespace strata::orchestrate {

struct RunMeta {
  std::string owner;                          // empty: unknown (treated as gone)
  std::map<std::string, std::string> params;  // a manual trigger's parameters
  int64_t rerun_of = 0;                       // the run this one reruns from its failed step
  bool operator==(const RunMeta&) const = default;
};

// Nothing recorded: an empty RunMeta.
RunMeta load_run_meta(lake::MetadataStore& store, int64_t run_id);
void save_run_meta(lake::MetadataStore& store, int64_t run_id, const RunMeta& meta);

// Records that the run is to be cancelled (`note`: who asked, when); cancel_requested() then
// tells the process running it, or the next one to recover it.
void request_cancel(lake::MetadataStore& store, int64_t run_id, const std::string& note);
bool cancel_requested(lake::MetadataStore& store, int64_t run_id);

// A manual trigger's parameter names must be identifiers and not the variables strata sets
// itself (data_interval_start/end, run_id, pipeline); kUsage otherwise.
void check_run_params(const std::map<std::string, std::string>& params);

}  // namespace strata::orchestrate
