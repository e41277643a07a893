// Alerts: the payload of each kind, and the service's missed-SLA check on a manual clock, delivered
// to a real HTTP receiver (cpp-httplib's server on a free port): alerted once when a scheduled run
// has not succeeded by its tick plus the SLA, never before, never twice (also after a restart).
#include <gtest/gtest.h>
#include <httplib.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "orchestrate/alert_payloads.hpp"
#include "orchestrate/service.hpp"
#include "orchestrate_fixture.hpp"

namespace strata::orchestrate {
namespace {

using test::utc;
using SlaTest = test::OrchestrationTest;

AlertNotice failure_notice() {
  AlertNotice n;
  n.event = AlertEvent::kFailure;
  n.project = "shop";
  n.pipeline = "daily";
  n.run_id = 12;
  n.trigger = "schedule";
  n.status = "failed";
  n.interval = {utc(2021, 12, 1, 6), utc(2021, 12, 2, 6)};
  n.step = "load";
  n.error = "step 'load' failed: <boom> & more";
  n.at_ms = utc(2021, 12, 2, 6, 5) * 1000;
  return n;
}

TEST(AlertPayloads, GenericWebhookCarriesEveryField) {
  const nlohmann::json body = webhook_payload(failure_notice());
  EXPECT_EQ(body["event"], "failure");
  EXPECT_EQ(body["run_id"], 12);
  EXPECT_EQ(body["data_interval_start"], "2021-12-01T06:00:00Z");
  EXPECT_EQ(body["data_interval_end"], "2021-12-02T06:00:00Z");
  EXPECT_EQ(body["step"], "load");
  EXPECT_EQ(body["at"], "2021-12-02T06:05:00Z");
  EXPECT_EQ(body["summary"],
            "pipeline daily run 12 failed (interval 2021-12-01T06:00:00Z .. "
            "2021-12-02T06:00:00Z): step 'load' failed: <boom> & more");
  EXPECT_FALSE(body.contains("attempt"));
}

TEST(AlertPayloads, SlackEscapesMrkdwn) {
  const nlohmann::json body = slack_payload(failure_notice());
  const std::string text = body["blocks"][0]["text"]["text"];
  EXPECT_NE(text.find("&lt;boom&gt; &amp; more"), std::string::npos) << text;
  EXPECT_EQ(body["text"].get<std::string>().rfind("strata: pipeline daily run 12 failed", 0), 0u);
}

TEST(AlertPayloads, PagerDutyTriggersAndResolvesOneDedupKey) {
  AlertNotice n = failure_notice();
  const nlohmann::json trigger = pagerduty_payload(n, "KEY");
  EXPECT_EQ(trigger["event_action"], "trigger");
  EXPECT_EQ(trigger["dedup_key"], "strata/shop/daily/2021-12-02T06:00:00Z");
  EXPECT_EQ(trigger["payload"]["severity"], "error");
  EXPECT_EQ(trigger["payload"]["custom_details"]["step"], "load");
  n.error = std::string(5000, 'x');
  EXPECT_EQ(pagerduty_payload(n, "KEY")["payload"]["summary"].get<std::string>().size(), 1024u);
  n.event = AlertEvent::kSuccess;
  const nlohmann::json resolve = pagerduty_payload(n, "KEY");
  EXPECT_EQ(resolve["event_action"], "resolve");
  EXPECT_EQ(resolve["dedup_key"], trigger["dedup_key"]);
  EXPECT_FALSE(resolve.contains("payload"));
}

// A local receiver of alert POSTs.
class Receiver {
 public:
  Receiver() {
    server_.Post("/hook", [this](const httplib::Request& request, httplib::Response& response) {
      std::lock_guard lock(mutex_);
      bodies_.push_back(nlohmann::json::parse(request.body));
      response.status = 200;
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~Receiver() {
    server_.stop();
    thread_.join();
  }
  int port() const { return port_; }
  std::vector<nlohmann::json> bodies() {
    std::lock_guard lock(mutex_);
    return bodies_;
  }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::mutex mutex_;
  std::vector<nlohmann::json> bodies_;
};

TEST_F(SlaTest, AMissedSlaIsAlertedOnce) {
  Receiver receiver;
  load(
      "  p:\n    schedule: \"0 6 * * *\"\n    sla: 30m\n    alerts:\n      - {url: "
      "\"http://127.0.0.1:" +
      std::to_string(receiver.port()) +
      "/hook\", on: [sla_miss]}\n    steps:\n      - {name: a, kind: sql, sql: x}\n");
  std::atomic<bool> release{false};
  ServiceOptions options;
  options.schedule = false;
  options.executor.watch_interval_ms = 5;
  options.executor.run_step = [&](const StepContext& context) -> StepResult {
    while (!release && !context.control.stop_requested()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    context.control.throw_if_stopped();
    throw Error(ErrorKind::kInput, "late and broken");  // failed: still not successful
  };
  {
    clock.set_ms(utc(2021, 12, 5, 6, 1) * 1000);
    PipelineService service(project, *lake, clock, options);
    service.start();
    service.tick();  // claims the interval ending at 06:00 on the 5th; its step hangs
    const auto runs = service.active_runs();
    ASSERT_EQ(runs.size(), 1u);
    clock.set_ms(utc(2021, 12, 5, 6, 29) * 1000);
    service.tick();
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    EXPECT_TRUE(receiver.bodies().empty());  // not yet late
    clock.set_ms(utc(2021, 12, 5, 6, 31) * 1000);
    service.tick();
    clock.set_ms(utc(2021, 12, 5, 6, 45) * 1000);
    service.tick();  // once only
    for (int i = 0; i < 200 && receiver.bodies().empty(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ASSERT_EQ(receiver.bodies().size(), 1u);
    const nlohmann::json alert = receiver.bodies()[0];
    EXPECT_EQ(alert["event"], "sla_miss");
    EXPECT_EQ(alert["run_id"], runs[0]);
    EXPECT_EQ(alert["status"], "running");
    EXPECT_EQ(alert["sla_deadline"], "2021-12-05T06:30:00Z");
    release = true;
    ASSERT_TRUE(service.wait_for_run(runs[0], 10'000));
  }
  // A new service (a restart) does not alert the same (failed) run again.
  PipelineService again(project, *lake, clock, options);
  again.start();
  clock.set_ms(utc(2021, 12, 5, 7) * 1000);
  again.tick();
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(receiver.bodies().size(), 1u);
}

}  // namespace
}  // namespace strata::orchestrate
