#include "orchestrate/alerts.hpp"

#include <algorithm>
#include <chrono>

#include "core/log.hpp"
#include "orchestrate/http_post.hpp"

namespace strata::orchestrate {

namespace {

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

nlohmann::json body_for(const AlertConfig& target, const AlertNotice& notice) {
  if (target.kind == "slack") return slack_payload(notice);
  if (target.kind == "pagerduty") {
    return pagerduty_payload(notice, expand_environment(target.routing_key, target.where));
  }
  return webhook_payload(notice);
}

}  // namespace

Alerter::Alerter(const ProjectConfig& project, lake::MetadataStore& store, AlerterOptions options)
    : project_(project), store_(store), options_(options) {
  bool any = !project.alerts.empty();
  for (const PipelineConfig& pipeline : project.pipelines) {
    any = any || (pipeline.alerts && !pipeline.alerts->empty());
  }
  if (any) worker_ = std::thread([this] { work(); });
}

Alerter::~Alerter() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  if (worker_.joinable()) worker_.join();
}

const std::vector<AlertConfig>& Alerter::destinations(const std::string& pipeline) const {
  for (const PipelineConfig& config : project_.pipelines) {
    if (config.name == pipeline && config.alerts) return *config.alerts;
  }
  return project_.alerts;
}

bool Alerter::wants(const std::string& pipeline, AlertEvent event) const {
  for (const AlertConfig& target : destinations(pipeline)) {
    if (std::find(target.on.begin(), target.on.end(), event) != target.on.end()) return true;
  }
  return false;
}

void Alerter::notify(AlertNotice notice) {
  if (!worker_.joinable()) return;
  if (notice.project.empty()) notice.project = project_.name;
  if (!notice.at_ms) notice.at_ms = now_ms();
  {
    std::lock_guard lock(mutex_);
    for (const AlertConfig& target : destinations(notice.pipeline)) {
      if (std::find(target.on.begin(), target.on.end(), notice.event) != target.on.end()) {
        queue_.push_back({target, notice});
      }
    }
  }
  changed_.notify_all();
}

void Alerter::step_retrying(const StepEvent& event, const Pipeline& pipeline) {
  if (!wants(event.pipeline, AlertEvent::kRetry)) return;
  const std::optional<lake::PipelineRunRecord> run = store_.pipeline_run(event.run_id);
  if (!run) return;
  AlertNotice notice;
  notice.event = AlertEvent::kRetry;
  notice.pipeline = event.pipeline;
  notice.run_id = event.run_id;
  notice.trigger = run->trigger;
  notice.status = run->run.status;
  notice.interval = {run->interval_start, run->interval_end};
  notice.step = event.step;
  notice.attempt = event.attempt;
  if (const PipelineStepConfig* step = pipeline.config().find_step(event.step)) {
    notice.max_attempts = static_cast<int>(step->retries) + 1;
  }
  notice.retry_in_ms = event.retry_in_ms;
  notice.error = event.error;
  notify(std::move(notice));
}

void Alerter::run_finished(const RunOutcome& outcome, const std::string& trigger) {
  if (outcome.status != lake::RunStatus::kSuccess && outcome.status != lake::RunStatus::kFailed)
    return;
  AlertNotice notice;
  notice.event = outcome.ok() ? AlertEvent::kSuccess : AlertEvent::kFailure;
  notice.pipeline = outcome.pipeline;
  notice.run_id = outcome.run_id;
  notice.trigger = trigger;
  notice.status = lake::run_status_name(outcome.status);
  notice.interval = outcome.interval;
  notice.error = outcome.error;
  for (const StepOutcome& step : outcome.steps) {
    if (step.status == lake::RunStatus::kFailed) {
      notice.step = step.name;
      break;
    }
  }
  notify(std::move(notice));
}

bool Alerter::flush(int64_t timeout_ms) {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, std::chrono::milliseconds(timeout_ms),
                           [this] { return queue_.empty() && !busy_; });
}

void Alerter::work() noexcept {
  while (true) {
    Delivery delivery;
    {
      std::unique_lock lock(mutex_);
      changed_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, nothing left
      delivery = std::move(queue_.front());
      queue_.pop_front();
      busy_ = true;
    }
    try {
      deliver(delivery);
    } catch (const std::exception& e) {
      log::error("an alert was not delivered", {{"error", e.what()}});
    }
    {
      std::lock_guard lock(mutex_);
      busy_ = false;
    }
    changed_.notify_all();
  }
}

void Alerter::deliver(const Delivery& delivery) {
  const AlertConfig& target = delivery.target;
  const AlertNotice& notice = delivery.notice;
  const std::string what = alert_event_name(notice.event) + " alert to " + target.kind;
  std::string outcome;
  bool delivered = false;
  int64_t delay = options_.retry_delay_ms;
  std::string url;
  for (int attempt = 1; attempt <= std::max(options_.attempts, 1); ++attempt) {
    try {
      url = expand_environment(target.url, target.where);
      const HttpResponse response =
          post_json(url, body_for(target, notice).dump(), options_.timeout_ms);
      delivered = response.ok();
      outcome = "HTTP " + std::to_string(response.status);
      if (!delivered && !response.body.empty()) outcome += ": " + response.body.substr(0, 200);
    } catch (const Error& e) {
      outcome = e.message();
    }
    if (delivered) break;
    std::unique_lock lock(mutex_);
    if (stopping_ || attempt == options_.attempts) break;
    changed_.wait_for(lock, std::chrono::milliseconds(delay), [this] { return stopping_; });
    delay *= 2;
  }
  const std::string line = what + (url.empty() ? "" : " " + url) +
                           (delivered ? ": delivered (" : ": not delivered (") + outcome + ")";
  nlohmann::json fields = {{"pipeline", notice.pipeline}, {"run_id", notice.run_id}};
  if (delivered) {
    log::info(line, fields);
  } else {
    log::warn(line, fields);
  }
  if (notice.run_id) {
    try {
      store_.append_log(notice.run_id, 0, "alert", line);
    } catch (const std::exception& e) {
      log::warn("an alert's outcome was not recorded", {{"error", e.what()}});
    }
  }
}

}  // namespace strata::orchestrate
