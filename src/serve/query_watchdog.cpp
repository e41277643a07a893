#include "serve/query_watchdog.hpp"

namespace strata::serve {

QueryWatchdog::QueryWatchdog() : thread_([this] { run(); }) {}

QueryWatchdog::~QueryWatchdog() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

QueryWatchdog::Watch::~Watch() {
  watchdog_.forget(id_);
}

std::unique_ptr<QueryWatchdog::Watch> QueryWatchdog::watch(engine::Connection& connection,
                                                           std::chrono::milliseconds timeout) {
  auto expired = std::make_shared<std::atomic<bool>>(false);
  uint64_t id = 0;
  {
    std::lock_guard lock(mutex_);
    id = next_id_++;
    entries_[id] = {std::chrono::steady_clock::now() + timeout, &connection, expired};
  }
  wake_.notify_all();
  return std::make_unique<Watch>(*this, id, std::move(expired));
}

void QueryWatchdog::interrupt_all() {
  std::lock_guard lock(mutex_);
  for (auto& [id, entry] : entries_) entry.connection->interrupt();
}

void QueryWatchdog::forget(uint64_t id) {
  std::lock_guard lock(mutex_);
  entries_.erase(id);
}

void QueryWatchdog::run() noexcept {
  std::unique_lock lock(mutex_);
  while (!stop_) {
    auto next = std::chrono::steady_clock::time_point::max();
    const auto now = std::chrono::steady_clock::now();
    for (auto it = entries_.begin(); it != entries_.end();) {
      if (it->second.deadline <= now) {
        // Under the lock, so the connection cannot be destroyed meanwhile (see Watch).
        it->second.expired->store(true);
        it->second.connection->interrupt();
        it = entries_.erase(it);
      } else {
        next = std::min(next, it->second.deadline);
        ++it;
      }
    }
    if (next == std::chrono::steady_clock::time_point::max()) {
      wake_.wait(lock);
    } else {
      wake_.wait_until(lock, next);
    }
  }
}

}  // namespace strata::serve
