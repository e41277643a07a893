#include "core/interrupt.hpp"

#include <unistd.h>
#include <csignal>

#include <atomic>

#include "core/error.hpp"

namespace strata {

namespace {
std::atomic<int> signals_seen{0};

void on_signal(int) {
  if (signals_seen.fetch_add(1) >= 1) _exit(130);
}
}  // namespace

void install_interrupt_handler() {
  struct sigaction action {};
  action.sa_handler = on_signal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

bool interrupt_requested() {
  return signals_seen.load() > 0;
}

void check_interrupt() {
  if (interrupt_requested()) throw Error(ErrorKind::kInterrupted, "interrupted");
}

}  // namespace strata
