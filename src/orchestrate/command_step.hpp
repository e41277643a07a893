// The `command` step kind: a program started with posix_spawn in the project directory, in a
// process group of its own, with stdin from /dev/null and stdout and stderr captured line by line
// into the step's log. Its environment is strata's plus the step's `env:` and
// STRATA_DATA_INTERVAL_START/END (ISO-8601 UTC), STRATA_RUN_ID, STRATA_PIPELINE, STRATA_STEP and
// STRATA_PROJECT_DIR. On a timeout or cancel the whole group gets SIGTERM, then SIGKILL after a
// grace period; a non-zero exit or a signal fails the step.
#pragma once

#include "orchestrate/step_context.hpp"

namespace strata::orchestrate {

StepResult run_command_step(const StepContext& context);

// The log line that records a command's process group, followed by its id.
inline constexpr const char* kProcessGroupLine = "process group ";

}  // namespace strata::orchestrate
