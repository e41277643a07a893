// Alert destinations as declared under `alerts:` in strata.yml (the project's default list, or a
// pipeline's own): the kind (a generic JSON webhook, Slack, PagerDuty Events API v2), the URL and
// the events each listens for. URLs, kinds and events are checked at load time and reported at
// file:line:col; `${NAME}` references are expanded only when an alert is sent.
#pragma once

#include <string>
#include <vector>

#include "core/error.hpp"

namespace strata {

namespace yaml {
class Reader;
}

// What an alert is sent for: a run failed, a step is retried, a run succeeded, a scheduled run
// had not succeeded by its tick plus the pipeline's `sla`.
enum class AlertEvent { kFailure, kRetry, kSuccess, kSlaMiss };
std::string alert_event_name(AlertEvent event);  // failure, retry, success, sla_miss

// One alert destination: a generic JSON webhook, a Slack-compatible incoming webhook or the
// PagerDuty Events API v2. `url` and `routing_key` may name environment variables as ${NAME},
// expanded when an alert is sent.
struct AlertConfig {
  std::string kind;  // "webhook", "slack" or "pagerduty"
  std::string url;
  std::vector<AlertEvent> on;  // default: failure
  std::string routing_key;     // pagerduty
  Location where;
};

// Parses a list of alert destinations (absent or null: none).
std::vector<AlertConfig> parse_alerts(const yaml::Reader& alerts);

}  // namespace strata
