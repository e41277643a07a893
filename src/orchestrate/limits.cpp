#include "orchestrate/limits.hpp"

#include <algorithm>
#include <chrono>

namespace strata::orchestrate {

ConcurrencyLimits::ConcurrencyLimits(size_t global_limit)
    : global_limit_(std::max<size_t>(global_limit, 1)) {}

bool ConcurrencyLimits::acquire(const Request& request, const CancelToken& cancel) {
  std::unique_lock lock(mutex_);
  auto free = [&] {
    return running_ < global_limit_ &&
           per_pipeline_[request.pipeline] < std::max<size_t>(request.pipeline_limit, 1) &&
           (request.exclusive.empty() || !exclusive_.contains(request.exclusive));
  };
  // A cancel does not notify this condition variable: look at it a few times a second.
  while (!free()) {
    if (cancel.cancelled()) return false;
    freed_.wait_for(lock, std::chrono::milliseconds(100));
  }
  if (cancel.cancelled()) return false;
  ++running_;
  ++per_pipeline_[request.pipeline];
  if (!request.exclusive.empty()) exclusive_.insert(request.exclusive);
  return true;
}

void ConcurrencyLimits::release(const Request& request) {
  {
    std::lock_guard lock(mutex_);
    --running_;
    --per_pipeline_[request.pipeline];
    if (!request.exclusive.empty()) exclusive_.erase(request.exclusive);
  }
  freed_.notify_all();
}

size_t ConcurrencyLimits::running() const {
  std::lock_guard lock(mutex_);
  return running_;
}

}  // namespace strata::orchestrate
