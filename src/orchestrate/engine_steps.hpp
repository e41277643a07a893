// The step kinds that run on the embedded engine: `ingest` (load the selected source tables),
// `run`, `build`, `test`, `seed` and `snapshot` (the selected nodes, as the commands of those
// names, with data_interval_start/end and the run's parameters as vars) and `sql` (statements
// with the data interval as the DuckDB variables data_interval_start/end, TIMESTAMPTZ, plus run_id
// and pipeline). Each attempt opens its own in-memory DuckDB with the lake attached, so parallel
// steps never contend for one catalog and every step sees what the steps before it committed.
#pragma once

#include "orchestrate/step_context.hpp"

namespace strata::orchestrate {

StepResult run_ingest_step(const StepContext& context);
StepResult run_models_step(const StepContext& context);
StepResult run_sql_step(const StepContext& context);
// `export`: the query's result written with DuckDB's COPY to a local Parquet, CSV or JSON file.
StepResult run_export_step(const StepContext& context);

}  // namespace strata::orchestrate
