// Time as the orchestrator sees it, behind an interface so that tests can drive schedules and
// retry backoff without waiting: a Clock tells the current time (UTC milliseconds) and sleeps until
// a time unless a CancelToken is triggered first. SystemClock is the real one; ManualClock is set
// by hand and, when asked to sleep, jumps straight to the wake-up time and records the sleep.
// Step timeouts are not measured with a Clock: they bound real work and use the steady clock.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <vector>

namespace strata::orchestrate {

// A flag that cancels runs, steps and sleeps; thread-safe, one way (never reset).
class CancelToken {
 public:
  void cancel();
  bool cancelled() const;
  // Waits up to `ms` real milliseconds; true when cancelled.
  bool wait_for_ms(int64_t ms) const;

 private:
  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  bool cancelled_ = false;
};

class Clock {
 public:
  virtual ~Clock() = default;
  virtual int64_t now_ms() = 0;
  // Returns when the clock reaches `ms` (true) or when `cancel` is triggered first (false).
  virtual bool sleep_until(int64_t ms, const CancelToken& cancel) = 0;
  int64_t now_seconds() { return now_ms() / 1000; }
};

class SystemClock final : public Clock {
 public:
  int64_t now_ms() override;
  bool sleep_until(int64_t ms, const CancelToken& cancel) override;
};

class ManualClock final : public Clock {
 public:
  explicit ManualClock(int64_t start_ms) : now_(start_ms) {}
  int64_t now_ms() override;
  // Jumps to `ms` (never backwards) at once, recording how long the sleep would have been.
  bool sleep_until(int64_t ms, const CancelToken& cancel) override;
  void set_ms(int64_t ms);
  void advance_ms(int64_t ms);
  std::vector<int64_t> sleeps_ms() const;

 private:
  mutable std::mutex mutex_;
  int64_t now_;
  std::vector<int64_t> sleeps_;
};

}  // namespace strata::orchestrate
