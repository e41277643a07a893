"""Alerts from `strata serve` to a local HTTP receiver that checks every payload: a generic JSON
webhook (retry, success), a Slack-compatible message ({text, blocks}), PagerDuty Events API v2
events (trigger on failure and missed SLA, with routing_key from the environment), the project's
default destination for a pipeline without its own, a receiver that fails once (the delivery is
retried) and an unreachable webhook (logged and recorded in the run, the run itself unaffected).

    STRATA_BIN=build/release/strata python3 -m pytest tests/e2e/test_alerts_webhooks.py
"""
import json
import os
import re
import socket
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from orchestrate_server import Server, cli, minutes_ago, pipeline_runs, wait_until


class Receiver:
    """Records every POST (path, JSON body); answers 500 to the first POST on /flaky."""

    def __init__(self):
        self.posts = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                body = json.loads(self.rfile.read(length))
                with receiver.lock:
                    receiver.posts.append((self.path, self.headers.get("Content-Type"), body))
                    first_flaky = self.path == "/flaky" and sum(
                        p[0] == "/flaky" for p in receiver.posts) == 1
                self.send_response(500 if first_flaky else 200)
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def bodies(self, path):
        with self.lock:
            return [body for p, _, body in self.posts if p == path]

    def close(self):
        self.server.shutdown()


def closed_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


def test_alert_payloads(tmp_path, strata_bin, receiver):
    root = tmp_path / "proj"
    subprocess.run([strata_bin, "init", str(root)], check=True, capture_output=True, timeout=120)
    url = f"http://127.0.0.1:{receiver.port}"
    dead = f"http://127.0.0.1:{closed_port()}/nobody"
    # Yesterday's daily interval: exactly one run per pipeline is due, whenever the test runs and
    # however long it takes (a per-minute schedule gave a second run when the test crossed a tick).
    start = minutes_ago(24 * 60 - 2)[:10] + "T00:00"
    with open(root / "strata.yml", "a", encoding="utf-8") as config:
        config.write(f"""
alerts:
  - {{kind: webhook, url: "{url}/default", on: [success]}}
pipelines:
  good:
    schedule: "0 0 * * *"
    start_date: "{start}"
    catchup: true
    retries: 1
    retry_delay: 1s
    alerts:
      - {{kind: webhook, url: "{url}/flaky", on: [retry, success, failure]}}
      - {{kind: slack, url: "{url}/slack", on: [success]}}
    steps:
      - name: flaky
        kind: command
        command: "test -f marker || {{ touch marker; echo 'not yet <ready>' >&2; exit 3; }}"
  bad:
    schedule: "0 0 * * *"
    start_date: "{start}"
    catchup: true
    sla: 1s
    alerts:
      - {{kind: pagerduty, url: "{url}/pd", routing_key: "${{PD_KEY}}", on: [failure, sla_miss]}}
      - {{kind: webhook, url: "{dead}", on: [failure]}}
    steps:
      - {{name: burn, kind: command, command: "sleep 1.5; echo disk on fire >&2; exit 4"}}
  plain:
    schedule: "0 0 * * *"
    start_date: "{start}"
    catchup: true
    steps:
      - {{name: noop, kind: command, command: [/bin/true]}}
""")
    os.environ["PD_KEY"] = "R0UT1NGKEY"
    server = Server(strata_bin, root)
    try:
        wait_until(lambda: len(receiver.bodies("/flaky")) >= 3 and receiver.bodies("/slack") and
                   len(receiver.bodies("/pd")) >= 2 and receiver.bodies("/default"), 60,
                   f"the alerts; got {receiver.posts}")
        # The unreachable webhook's three attempts take a moment to give up.
        bad_run = pipeline_runs(strata_bin, root, "bad")[0]["run"]
        wait_until(lambda: "not delivered" in cli(strata_bin, root, "pipeline", "logs",
                                                  bad_run).stdout, 30, "the failed delivery")
    finally:
        assert server.stop() == 0, server.log()
        del os.environ["PD_KEY"]

    content_types = {ct for _, ct, _ in receiver.posts}
    assert content_types == {"application/json"}, content_types

    good = pipeline_runs(strata_bin, root, "good")
    assert [r["status"] for r in good] == ["success"], good
    run_id = good[0]["run"]
    interval = (good[0]["start"], good[0]["end"])

    # Generic webhook: a retry (delivered on the second try after an HTTP 500), then a success.
    flaky = receiver.bodies("/flaky")
    retry = next(b for b in flaky if b["event"] == "retry")
    assert retry["pipeline"] == "good" and retry["run_id"] == run_id, retry
    assert retry["step"] == "flaky" and retry["attempt"] == 1 and retry["max_attempts"] == 2
    assert retry["retry_in_seconds"] >= 0.5 and retry["trigger"] == "schedule", retry
    assert "exited with code 3: not yet <ready>" in retry["error"], retry
    assert (retry["data_interval_start"], retry["data_interval_end"]) == interval, retry
    retries = [b for b in flaky if b["event"] == "retry"]
    assert len(retries) == 2 and retries[0] == retries[1], flaky  # answered 500, then sent again
    successes = [b for b in flaky if b["event"] == "success"]
    assert len(successes) == 1, flaky
    success = successes[0]
    assert success["status"] == "success" and success["project"] == "proj", success
    assert "error" not in success and success["summary"].startswith(
        f"pipeline good run {run_id} succeeded"), success
    assert not any(b["event"] == "failure" for b in flaky), flaky

    # Slack: text plus blocks in mrkdwn.
    slack = receiver.bodies("/slack")
    assert len(slack) == 1, slack
    assert slack[0]["text"].startswith(f"strata: pipeline good run {run_id} succeeded"), slack
    blocks = slack[0]["blocks"]
    assert blocks[0]["type"] == "section" and blocks[0]["text"]["type"] == "mrkdwn", blocks
    assert f"*pipeline good run {run_id} succeeded*" in blocks[0]["text"]["text"], blocks
    assert blocks[1]["type"] == "context" and interval[1] in blocks[1]["elements"][0]["text"]

    # PagerDuty Events API v2: a failure trigger and an SLA trigger, same dedup key.
    pd = receiver.bodies("/pd")
    bad = pipeline_runs(strata_bin, root, "bad")
    assert [r["status"] for r in bad] == ["failed"], bad
    by_class = {event["payload"]["class"]: event for event in pd}
    assert set(by_class) == {"failure", "sla_miss"}, pd
    for event in pd:
        assert event["routing_key"] == "R0UT1NGKEY" and event["event_action"] == "trigger", event
        assert event["dedup_key"] == f"strata/proj/bad/{bad[0]['end']}", event
        assert event["payload"]["source"] == "strata/proj", event
        assert event["payload"]["custom_details"]["run_id"] == bad[0]["run"], event
    failure = by_class["failure"]["payload"]
    assert failure["severity"] == "error" and "disk on fire" in failure["summary"], failure
    assert failure["custom_details"]["step"] == "burn", failure
    sla = by_class["sla_miss"]["payload"]
    assert sla["severity"] == "warning" and "missed its SLA" in sla["summary"], sla
    assert sla["custom_details"]["sla_deadline"] > bad[0]["end"], sla

    # The project's default destination serves the pipeline without its own.
    default = receiver.bodies("/default")
    assert [b["pipeline"] for b in default] == ["plain"], default

    # Every delivery is recorded in the run's log; the unreachable one too.
    logs = cli(strata_bin, root, "pipeline", "logs", bad[0]["run"]).stdout
    assert f"failure alert to webhook {dead}: not delivered" in logs, logs
    assert f"failure alert to pagerduty {url}/pd: delivered (HTTP 200)" in logs, logs
    good_logs = cli(strata_bin, root, "pipeline", "logs", run_id).stdout
    assert f"retry alert to webhook {url}/flaky: delivered (HTTP 200)" in good_logs, good_logs
    assert f"success alert to webhook {url}/flaky: delivered (HTTP 200)" in good_logs, good_logs


def test_bad_alert_configuration_names_its_place(tmp_path, strata_bin):
    root = tmp_path / "proj"
    subprocess.run([strata_bin, "init", str(root)], check=True, capture_output=True, timeout=120)
    base = (root / "strata.yml").read_text()
    cases = [
        ("    alerts:\n      - {kind: webhook, url: 'ftp://x/y'}\n",
         r"is not an http:// or https:// URL"),
        ("    alerts:\n      - {kind: slack, url: 'http://x/', on: [failur]}\n",
         r"unknown alert event 'failur' \(did you mean 'failure'\?\)"),
        ("    alerts:\n      - {kind: pagerduty}\n", r"routing_key"),
        ("    sla: 10m\n", r"'sla' counts from the scheduled time, but pipeline 'p' has no schedule"),
    ]
    for extra, message in cases:
        (root / "strata.yml").write_text(
            base + "pipelines:\n  p:\n" + extra +
            "    steps:\n      - {name: a, kind: command, command: [/bin/true]}\n")
        proc = cli(strata_bin, root, "pipeline", "list", check=False)
        assert proc.returncode == 3, proc.stderr
        assert re.search(r"strata\.yml:\d+:\d+: .*" + message, proc.stderr), proc.stderr


def test_cli_runs_alert_too(tmp_path, strata_bin, receiver):
    root = tmp_path / "proj"
    subprocess.run([strata_bin, "init", str(root)], check=True, capture_output=True, timeout=120)
    with open(root / "strata.yml", "a", encoding="utf-8") as config:
        config.write(f"""
alerts:
  - {{url: "http://127.0.0.1:{receiver.port}/cli", on: [failure]}}
pipelines:
  broken:
    steps:
      - {{name: bad, kind: sql, sql: "SELECT * FROM no_such_table"}}
""")
    proc = cli(strata_bin, root, "pipeline", "run", "broken", check=False)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    run_id = int(re.search(r"Run (\d+) failed", proc.stdout).group(1))
    # Delivered before the command exits.
    [alert] = receiver.bodies("/cli")
    assert alert["event"] == "failure" and alert["trigger"] == "manual", alert
    assert alert["run_id"] == run_id and alert["step"] == "bad", alert
    assert "no_such_table" in alert["error"], alert
