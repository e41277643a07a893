"""The pipeline endpoints of the HTTP API of `strata serve`, driven by a real HTTP client: list the
pipelines, trigger runs with parameters (which reach a command step's environment), follow a run
and its steps to the end, read its logs, cancel a running run, rerun a failed run from its failed
step, and the errors (unknown pipeline or run, bad body, cancel of a finished run)."""
import http.client
import json
import os
import subprocess
import time

import pytest
from serve_process import free_port, stop, wait_until_ready

PIPELINES = """
pipelines:
  greet:
    description: writes a greeting with a parameter
    steps:
      - {name: check, kind: sql, sql: "SELECT 42"}
      - {name: hello, kind: command, command: [/bin/sh, -c, "echo hello $STRATA_PARAM_WHO"], after: [check]}
  slow:
    steps:
      - {name: nap, kind: command, command: [/bin/sleep, "60"]}
  flaky:
    steps:
      - {name: first, kind: command, command: [/bin/sh, -c, "echo first >> first.log"]}
      - {name: second, kind: command, command: [/bin/sh, -c, "test -f go-ahead"], after: [first]}
"""


def request(port, method, path, body=None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {}
    data = None
    if body is not None:
        data = body if isinstance(body, str) else json.dumps(body)
        headers["Content-Type"] = "application/json"
    connection.request(method, path, body=data, headers=headers)
    response = connection.getresponse()
    payload = response.read().decode()
    connection.close()
    return response.status, (json.loads(payload) if payload else None)


def wait_for_status(port, run_id, wanted, timeout=90):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status, run = request(port, "GET", f"/api/v1/runs/{run_id}")
        assert status == 200, run
        if run["status"] in wanted:
            return run
        time.sleep(0.2)
    raise AssertionError(f"run {run_id} never reached {wanted}: {run}")


@pytest.fixture(scope="module")
def server(strata_bin, tmp_path_factory):
    project = tmp_path_factory.mktemp("http-pipelines") / "proj"
    subprocess.run([strata_bin, "init", str(project)], check=True, capture_output=True)
    with open(project / "strata.yml", "a", encoding="utf-8") as config:
        config.write(PIPELINES)
    port = free_port()
    env = dict(os.environ)
    env.pop("STRATA_LOG_FORMAT", None)
    log_path = project / "serve.log"
    with open(log_path, "w", encoding="utf-8") as log:
        process = subprocess.Popen(
            [strata_bin, "--project", str(project), "serve", "--pg-port", "0", "--http-port",
             str(port)], stdout=log, stderr=subprocess.STDOUT, cwd=project, env=env)
    wait_until_ready(lambda: request(port, "GET", "/api/v1/health")[0] == 200, process, log_path,
                     "answer on HTTP")
    yield port, project
    stop(process)


def test_lists_the_pipelines(server):
    port, _ = server
    status, body = request(port, "GET", "/api/v1/pipelines")
    assert status == 200
    by_name = {p["name"]: p for p in body["pipelines"]}
    assert set(by_name) == {"greet", "slow", "flaky"}
    assert by_name["greet"]["description"] == "writes a greeting with a parameter"
    assert by_name["greet"]["schedule"] is None and by_name["greet"]["next_tick"] is None


def test_trigger_with_parameters_runs_to_the_end_with_logs(server):
    port, _ = server
    status, body = request(port, "POST", "/api/v1/pipelines/greet/runs",
                           {"params": {"who": "world"}})
    assert status == 202, body
    run_id = body["run_id"]
    run = wait_for_status(port, run_id, {"success", "failed"})
    assert run["status"] == "success", run
    assert run["pipeline"] == "greet" and run["trigger"] == "manual"
    assert [(s["name"], s["status"]) for s in run["steps"]] == [("check", "success"),
                                                                ("hello", "success")]
    status, logs = request(port, "GET", f"/api/v1/runs/{run_id}/logs")
    assert status == 200
    assert any(line["text"] == "hello world" and line["step"] == "hello"
               for line in logs["logs"]), logs
    status, runs = request(port, "GET", "/api/v1/pipelines/greet/runs?limit=5")
    assert status == 200 and run_id in [r["id"] for r in runs["runs"]]


def test_cancel_a_running_run(server):
    port, _ = server
    status, body = request(port, "POST", "/api/v1/pipelines/slow/runs")
    assert status == 202, body
    run_id = body["run_id"]
    deadline = time.monotonic() + 30
    while True:  # the command step has started
        _, run = request(port, "GET", f"/api/v1/runs/{run_id}")
        if run["steps"] and run["steps"][0]["status"] == "running":
            break
        assert time.monotonic() < deadline, run
        time.sleep(0.1)
    started = time.monotonic()
    status, body = request(port, "POST", f"/api/v1/runs/{run_id}/cancel")
    assert status == 202 and body["cancelling"] is True, body
    run = wait_for_status(port, run_id, {"failed", "interrupted", "success"}, timeout=30)
    assert run["status"] != "success", run
    assert time.monotonic() - started < 30  # the 60 s sleep did not run to its end
    status, body = request(port, "POST", f"/api/v1/runs/{run_id}/cancel")
    assert status == 409, body  # no longer running


def test_rerun_skips_the_steps_that_succeeded(server):
    port, project = server
    status, body = request(port, "POST", "/api/v1/pipelines/flaky/runs")
    assert status == 202
    failed = wait_for_status(port, body["run_id"], {"success", "failed"})
    assert failed["status"] == "failed", failed
    assert (project / "first.log").read_text().count("first") == 1
    (project / "go-ahead").write_text("")
    status, body = request(port, "POST", f"/api/v1/runs/{failed['id']}/rerun")
    assert status == 202, body
    rerun = wait_for_status(port, body["run_id"], {"success", "failed"})
    assert rerun["status"] == "success", rerun
    statuses = {s["name"]: s["status"] for s in rerun["steps"]}
    assert statuses["second"] == "success"
    assert (project / "first.log").read_text().count("first") == 1  # not run again


def test_errors(server):
    port, _ = server
    status, body = request(port, "POST", "/api/v1/pipelines/gret/runs")
    assert status == 404 and "greet" in body["error"]["message"]  # did you mean
    status, body = request(port, "GET", "/api/v1/runs/999999")
    assert status == 404
    status, body = request(port, "GET", "/api/v1/runs/abc")
    assert status == 400 and "positive integer" in body["error"]["message"]
    status, body = request(port, "POST", "/api/v1/pipelines/greet/runs", "{not json")
    assert status == 400 and "not valid JSON" in body["error"]["message"]
    status, body = request(port, "POST", "/api/v1/pipelines/greet/runs", {"parms": {}})
    assert status == 400 and "params" in body["error"]["message"]
    status, body = request(port, "POST", "/api/v1/pipelines/greet/runs", {"at": "yesterday"})
    assert status == 400 and "ISO-8601" in body["error"]["message"]


def test_openapi_documents_the_pipeline_routes(server):
    port, _ = server
    status, document = request(port, "GET", "/api/v1/openapi.json")
    assert status == 200
    for path in ["/api/v1/pipelines", "/api/v1/pipelines/{name}/runs", "/api/v1/runs/{id}",
                 "/api/v1/runs/{id}/logs", "/api/v1/runs/{id}/cancel", "/api/v1/runs/{id}/rerun"]:
        assert path in document["paths"], path
