#include "engine/query_monitor.hpp"

#include "core/interrupt.hpp"

namespace strata::engine {

QueryMonitor::QueryMonitor(Connection& connection, Callback on_progress)
    : connection_(connection), on_progress_(std::move(on_progress)) {
  thread_ = std::thread([this] { watch(); });
}

QueryMonitor::~QueryMonitor() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void QueryMonitor::watch() noexcept {
  // Nothing may escape this thread: a failing callback only stops progress reports.
  bool interrupted = false;
  std::unique_lock lock(mutex_);
  while (!wake_.wait_for(lock, std::chrono::milliseconds(100), [this] { return stop_; })) {
    if (!interrupted && interrupt_requested()) {
      connection_.interrupt();
      interrupted = true;
    }
    if (on_progress_) {
      try {
        on_progress_(connection_.progress());
      } catch (...) {
        on_progress_ = nullptr;
      }
    }
  }
}

}  // namespace strata::engine
