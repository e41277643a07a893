// The pipeline endpoints of the HTTP API, registered on a Router next to the query endpoints. They
// drive the pipeline service that `strata serve` runs and read the run history from the metadata
// store:
//   GET  /api/v1/pipelines                  every pipeline: schedule, next tick, runs in flight,
//   last run GET  /api/v1/pipelines/{name}/runs      its runs, newest interval first (?limit=N,
//   default 20) POST /api/v1/pipelines/{name}/runs      trigger a run: {"params": {...}, "at": "ISO
//   time"} -> 202 GET  /api/v1/runs/{id}                  a run with its steps (state, rows, error,
//   times) GET  /api/v1/runs/{id}/logs             its log lines, in order POST
//   /api/v1/runs/{id}/cancel           cancel a run in flight (409 when it is not running here)
//   POST /api/v1/runs/{id}/rerun            a new run that skips the steps that succeeded -> 202
#pragma once

#include "lake/metastore.hpp"
#include "orchestrate/service.hpp"
#include "serve/http/router.hpp"

namespace strata::serve::http {

struct PipelineApi {
  orchestrate::PipelineService& service;
  lake::MetadataStore& store;
};

// Registers the routes; `api` must outlive the router's use.
void add_pipeline_routes(Router& router, PipelineApi& api);

}  // namespace strata::serve::http
