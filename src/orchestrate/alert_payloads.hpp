// What an alert says and the JSON bodies it is sent as. The generic webhook body (documented in
// README.md, "Alerts") carries every field; the Slack body is an incoming-webhook message ({text,
// blocks} in mrkdwn); the PagerDuty body is an Events API v2 event whose dedup_key names the
// pipeline and interval, so a failure or missed SLA triggers an alert that a later success of the
// same interval (a retry, a rerun) resolves.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "core/pipeline_config.hpp"
#include "orchestrate/pipeline.hpp"

namespace strata::orchestrate {

struct AlertNotice {
  AlertEvent event = AlertEvent::kFailure;
  std::string project;
  std::string pipeline;
  int64_t run_id = 0;
  std::string trigger;  // schedule, manual, backfill, rerun
  std::string status;   // the run's: failed, success, running, ...
  DataInterval interval;
  std::string step;  // retry: the step retried; failure: the first step that failed
  int attempt = 0;   // retry: the attempt that failed, of max_attempts
  int max_attempts = 0;
  int64_t retry_in_ms = 0;
  std::string error;
  int64_t sla_deadline = 0;  // sla_miss: the tick plus the SLA, UTC seconds
  int64_t at_ms = 0;         // when it happened
};

// One line: "pipeline daily run 12 failed (interval ...): step 'load' failed: ...".
std::string alert_summary(const AlertNotice& notice);
nlohmann::json webhook_payload(const AlertNotice& notice);
nlohmann::json slack_payload(const AlertNotice& notice);
nlohmann::json pagerduty_payload(const AlertNotice& notice, const std::string& routing_key);

}  // namespace strata::orchestrate
