// Sending alerts without ever holding up a run: notify() queues one delivery for every
// destination of the pipeline (its `alerts:`, else the project's) that listens for the event, and
// a background thread posts them (alert_payloads.hpp, http_post.hpp), each attempt bounded by a
// timeout and retried with a growing delay. Every outcome — delivered with its HTTP status, or
// given up with the reason — is a log line of the run ("alert" stream) and of the process; an
// unreachable webhook is never an error of the run.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <thread>

#include "core/config.hpp"
#include "lake/metastore.hpp"
#include "orchestrate/alert_payloads.hpp"
#include "orchestrate/executor.hpp"

namespace strata::orchestrate {

struct AlerterOptions {
  int64_t timeout_ms = 5000;     // per attempt
  int attempts = 3;              // per delivery
  int64_t retry_delay_ms = 500;  // doubles after each failed attempt
};

class Alerter {
 public:
  Alerter(const ProjectConfig& project, lake::MetadataStore& store, AlerterOptions options = {});
  ~Alerter();  // delivers what is queued (one attempt each), then stops
  Alerter(const Alerter&) = delete;
  Alerter& operator=(const Alerter&) = delete;

  // Never blocks on the network and never throws.
  void notify(AlertNotice notice);
  // The alerts of a finished run (failure or success) and of a step about to be retried.
  void run_finished(const RunOutcome& outcome, const std::string& trigger);
  void step_retrying(const StepEvent& event, const Pipeline& pipeline);
  // Whether any destination of `pipeline` listens for `event`.
  bool wants(const std::string& pipeline, AlertEvent event) const;
  // Waits until every queued delivery is done; false on timeout.
  bool flush(int64_t timeout_ms);

 private:
  struct Delivery {
    AlertConfig target;
    AlertNotice notice;
  };
  const ProjectConfig& project_;
  lake::MetadataStore& store_;
  AlerterOptions options_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<Delivery> queue_;
  bool busy_ = false;
  bool stopping_ = false;
  std::thread worker_;

  const std::vector<AlertConfig>& destinations(const std::string& pipeline) const;
  void work() noexcept;
  void deliver(const Delivery& delivery);
};

}  // namespace strata::orchestrate
