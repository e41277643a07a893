// `strata pipeline cancel RUN_ID`: cancels a pipeline run wherever it runs. The request is
// recorded in the metadata store, where the process running the run (`strata serve`, or a `strata
// pipeline run|backfill|rerun`) looks for it every quarter second and stops its steps as a timeout
// would; the command then waits for the run to end. A run that no live process runs (its process
// was killed, or its server stopped mid-run) is failed at once as cancelled, so that the next
// server does not resume it. A run that already finished cannot be cancelled (kConflict).
#pragma once

#include <cstdint>

#include "cli/context.hpp"

namespace strata::cli {

// 0 when the run stopped within `wait_seconds` (0: do not wait), 1 when it is still stopping.
int cancel_pipeline_run(const GlobalOptions& globals, int64_t run_id, double wait_seconds);

}  // namespace strata::cli
