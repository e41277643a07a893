// The `sensor` step kind: waits, poking every `poke`, until something outside the run is ready
// for its data interval — another pipeline's successful run that covers the interval, a lake
// table (e.g. a source's bronze table) with a row whose column reaches the interval's end, or
// files of a files source that no load has read yet (as `strata ingest` decides it) — and fails
// when the step's timeout (a day unless set) comes first. Each poke reads the lake and the source
// state afresh, so commits made while the sensor waits are seen.
#pragma once

#include "orchestrate/step_context.hpp"

namespace strata::orchestrate {

StepResult run_sensor_step(const StepContext& context);

}  // namespace strata::orchestrate
