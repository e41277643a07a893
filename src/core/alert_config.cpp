#include "core/alert_config.hpp"

#include <algorithm>
#include <regex>

#include "core/text.hpp"
#include "core/yaml_util.hpp"

namespace strata {

namespace {

const std::vector<std::string> kAlertEvents = {"failure", "retry", "success", "sla_miss"};
const std::vector<std::string> kAlertKinds = {"webhook", "slack", "pagerduty"};
constexpr const char* kPagerDutyEvents = "https://events.pagerduty.com/v2/enqueue";

// http(s)://host[:port][/path]; ${NAME} references are checked when the alert is sent.
void check_url(const yaml::Reader& alert, const std::string& url) {
  static const std::regex kUrl(
      R"(^https?://([^/:@\s]+|\$\{[A-Za-z_][A-Za-z0-9_]*\})(:[0-9]{1,5})?(/\S*)?$)");
  if (url.find("${") == 0 || std::regex_match(url, kUrl)) return;
  alert.fail_at(alert.node()["url"], "'" + url +
                                         "' is not an http:// or https:// URL (e.g. "
                                         "http://alerts.internal:8080/hook)");
}

AlertConfig parse_alert(const yaml::Reader& alert) {
  alert.expect_map("an alert");
  alert.expect_keys({"kind", "url", "on", "routing_key", "description"}, "alert");
  AlertConfig config;
  config.where = alert.where();
  config.kind = alert.string("kind", "webhook");
  if (std::find(kAlertKinds.begin(), kAlertKinds.end(), config.kind) == kAlertKinds.end()) {
    alert.fail_at(alert.node()["kind"], "unknown alert kind '" + config.kind + "'" +
                                            did_you_mean(config.kind, kAlertKinds) +
                                            "; kinds: " + join(kAlertKinds, ", "));
  }
  if (config.kind == "pagerduty") {
    config.url = alert.string("url", kPagerDutyEvents);
    config.routing_key = alert.required_string("routing_key");
  } else {
    config.url = alert.required_string("url");
    if (alert.has("routing_key")) {
      alert.fail_at(alert.node()["routing_key"], "'routing_key' is for alerts of kind pagerduty");
    }
  }
  check_url(alert, config.url);
  const std::vector<std::string> on =
      alert.has("on") ? alert.string_list("on") : std::vector<std::string>{"failure"};
  for (size_t i = 0; i < on.size(); ++i) {
    auto found = std::find(kAlertEvents.begin(), kAlertEvents.end(), on[i]);
    if (found == kAlertEvents.end()) {
      const YAML::Node node = alert.node()["on"];
      alert.fail_at(node.IsSequence() ? node[i] : node,
                    "unknown alert event '" + on[i] + "'" + did_you_mean(on[i], kAlertEvents) +
                        "; events: " + join(kAlertEvents, ", "));
    }
    config.on.push_back(static_cast<AlertEvent>(found - kAlertEvents.begin()));
  }
  return config;
}

}  // namespace

std::string alert_event_name(AlertEvent event) {
  return kAlertEvents.at(static_cast<size_t>(event));
}

std::vector<AlertConfig> parse_alerts(const yaml::Reader& alerts) {
  std::vector<AlertConfig> out;
  if (!alerts.node().IsDefined() || alerts.node().IsNull()) return out;
  if (!alerts.node().IsSequence()) alerts.fail("'alerts' must be a list of alert destinations");
  for (const YAML::Node& alert : alerts.node()) {
    out.push_back(parse_alert(yaml::Reader(alert, alerts.file())));
  }
  return out;
}

}  // namespace strata
