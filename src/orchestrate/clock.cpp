#include "orchestrate/clock.hpp"

#include <algorithm>
#include <chrono>

namespace strata::orchestrate {

void CancelToken::cancel() {
  {
    std::lock_guard lock(mutex_);
    cancelled_ = true;
  }
  changed_.notify_all();
}

bool CancelToken::cancelled() const {
  std::lock_guard lock(mutex_);
  return cancelled_;
}

bool CancelToken::wait_for_ms(int64_t ms) const {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, std::chrono::milliseconds(std::max<int64_t>(ms, 0)),
                           [this] { return cancelled_; });
}

int64_t SystemClock::now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

bool SystemClock::sleep_until(int64_t ms, const CancelToken& cancel) {
  // In slices, so that a change of the system time is noticed within a second.
  for (int64_t left = ms - now_ms(); left > 0; left = ms - now_ms()) {
    if (cancel.wait_for_ms(std::min<int64_t>(left, 1000))) return false;
  }
  return !cancel.cancelled();
}

int64_t ManualClock::now_ms() {
  std::lock_guard lock(mutex_);
  return now_;
}

bool ManualClock::sleep_until(int64_t ms, const CancelToken& cancel) {
  if (cancel.cancelled()) return false;
  std::lock_guard lock(mutex_);
  sleeps_.push_back(ms - now_);
  now_ = std::max(now_, ms);
  return true;
}

void ManualClock::set_ms(int64_t ms) {
  std::lock_guard lock(mutex_);
  now_ = ms;
}

void ManualClock::advance_ms(int64_t ms) {
  std::lock_guard lock(mutex_);
  now_ += ms;
}

std::vector<int64_t> ManualClock::sleeps_ms() const {
  std::lock_guard lock(mutex_);
  return sleeps_;
}

}  // namespace strata::orchestrate
