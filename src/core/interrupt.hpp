// Ctrl-C handling: the first SIGINT/SIGTERM sets a flag that long-running work polls (the engine
// then interrupts DuckDB, and the command ends with exit code 130 leaving committed data intact);
// a second one exits at once.
#pragma once

namespace strata {

void install_interrupt_handler();
bool interrupt_requested();
// Throws Error(kInterrupted) if an interrupt was requested.
void check_interrupt();

}  // namespace strata
