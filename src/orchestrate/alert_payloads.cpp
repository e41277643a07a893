#include "orchestrate/alert_payloads.hpp"

#include "core/time_text.hpp"

namespace strata::orchestrate {

namespace {

constexpr size_t kPagerDutySummaryLimit = 1024;

std::string interval_text(const DataInterval& interval) {
  return interval.start_iso() + " .. " + interval.end_iso();
}

// Slack's mrkdwn gives &, < and > a meaning: escaped as its docs ask.
std::string mrkdwn(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '&') {
      out += "&amp;";
    } else if (c == '<') {
      out += "&lt;";
    } else if (c == '>') {
      out += "&gt;";
    } else {
      out += c;
    }
  }
  return out;
}

std::string headline(const AlertNotice& n) {
  const std::string run = "pipeline " + n.pipeline + " run " + std::to_string(n.run_id);
  switch (n.event) {
    case AlertEvent::kFailure:
      return run + " failed";
    case AlertEvent::kRetry:
      return run + ": step '" + n.step + "' attempt " + std::to_string(n.attempt) + " of " +
             std::to_string(n.max_attempts) + " failed, retrying in " +
             format_duration_ms(n.retry_in_ms);
    case AlertEvent::kSuccess:
      return run + " succeeded";
    case AlertEvent::kSlaMiss:
      return run + " missed its SLA: not successful by " + iso_utc(n.sla_deadline);
  }
  return run;
}

}  // namespace

std::string alert_summary(const AlertNotice& n) {
  std::string text = headline(n) + " (interval " + interval_text(n.interval) + ")";
  if (!n.error.empty()) text += ": " + n.error;
  return text;
}

nlohmann::json webhook_payload(const AlertNotice& n) {
  nlohmann::json body = {
      {"event", alert_event_name(n.event)},
      {"project", n.project},
      {"pipeline", n.pipeline},
      {"run_id", n.run_id},
      {"trigger", n.trigger},
      {"status", n.status},
      {"data_interval_start", n.interval.start_iso()},
      {"data_interval_end", n.interval.end_iso()},
      {"summary", alert_summary(n)},
      {"at", iso_utc(n.at_ms / 1000)},
  };
  if (!n.error.empty()) body["error"] = n.error;
  if (!n.step.empty()) body["step"] = n.step;
  if (n.event == AlertEvent::kRetry) {
    body["attempt"] = n.attempt;
    body["max_attempts"] = n.max_attempts;
    body["retry_in_seconds"] = static_cast<double>(n.retry_in_ms) / 1000.0;
  }
  if (n.event == AlertEvent::kSlaMiss) body["sla_deadline"] = iso_utc(n.sla_deadline);
  return body;
}

nlohmann::json slack_payload(const AlertNotice& n) {
  static const char* kMarks[] = {
      ":red_circle:", ":warning:", ":large_green_circle:", ":hourglass:"};
  const std::string mark = kMarks[static_cast<int>(n.event)];
  std::string text = mark + " *" + mrkdwn(headline(n)) + "*";
  if (!n.error.empty()) text += "\n```" + mrkdwn(n.error) + "```";
  const std::string context = "project " + mrkdwn(n.project) + " · " + mrkdwn(n.trigger) +
                              " run · interval " + interval_text(n.interval);
  return {
      {"text", "strata: " + alert_summary(n)},
      {"blocks",
       nlohmann::json::array(
           {{{"type", "section"}, {"text", {{"type", "mrkdwn"}, {"text", text}}}},
            {{"type", "context"},
             {"elements", nlohmann::json::array({{{"type", "mrkdwn"}, {"text", context}}})}}})},
  };
}

nlohmann::json pagerduty_payload(const AlertNotice& n, const std::string& routing_key) {
  nlohmann::json event = {
      {"routing_key", routing_key},
      {"event_action", n.event == AlertEvent::kSuccess ? "resolve" : "trigger"},
      {"dedup_key", "strata/" + n.project + "/" + n.pipeline + "/" + n.interval.end_iso()},
  };
  if (n.event == AlertEvent::kSuccess) return event;  // a resolve needs nothing else
  std::string summary = "strata: " + alert_summary(n);
  if (summary.size() > kPagerDutySummaryLimit) summary.resize(kPagerDutySummaryLimit);
  event["payload"] = {
      {"summary", summary},
      {"source", "strata/" + n.project},
      {"severity", n.event == AlertEvent::kFailure ? "error" : "warning"},
      {"timestamp", iso_utc(n.at_ms / 1000)},
      {"component", n.pipeline},
      {"group", n.project},
      {"class", alert_event_name(n.event)},
      {"custom_details", webhook_payload(n)},
  };
  return event;
}

}  // namespace strata::orchestrate
