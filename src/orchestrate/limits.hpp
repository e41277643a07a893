// How much runs at once. Every step attempt holds a slot while it runs: one of the process-wide
// slots (the global limit), one of its pipeline's (the pipeline's `concurrency`), and, for steps
// that write shared lake tables (ingest and run), its pipeline step itself, so that parallel runs
// of a pipeline (a backfill) never run the same such step at the same time. Waiting for a slot
// can be cancelled.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <map>
#include <mutex>
#include <set>
#include <string>

#include "orchestrate/clock.hpp"

namespace strata::orchestrate {

class ConcurrencyLimits {
 public:
  explicit ConcurrencyLimits(size_t global_limit);

  struct Request {
    std::string pipeline;
    size_t pipeline_limit = 1;
    std::string exclusive;  // a key no two holders share; empty: none
  };
  // Blocks until the slots are free (true) or `cancel` is triggered (false).
  bool acquire(const Request& request, const CancelToken& cancel);
  void release(const Request& request);

  size_t global_limit() const { return global_limit_; }
  size_t running() const;

 private:
  size_t global_limit_;
  mutable std::mutex mutex_;
  std::condition_variable freed_;
  size_t running_ = 0;
  std::map<std::string, size_t> per_pipeline_;
  std::set<std::string> exclusive_;
};

// Holds the slots of a request for its lifetime (after a successful acquire).
class SlotGuard {
 public:
  SlotGuard(ConcurrencyLimits& limits, ConcurrencyLimits::Request request)
      : limits_(limits), request_(std::move(request)) {}
  ~SlotGuard() {
    if (held_) limits_.release(request_);
  }
  SlotGuard(const SlotGuard&) = delete;
  SlotGuard& operator=(const SlotGuard&) = delete;
  bool acquire(const CancelToken& cancel) { return held_ = limits_.acquire(request_, cancel); }

 private:
  ConcurrencyLimits& limits_;
  ConcurrencyLimits::Request request_;
  bool held_ = false;
};

}  // namespace strata::orchestrate
