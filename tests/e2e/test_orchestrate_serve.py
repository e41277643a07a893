"""`strata serve` running pipelines on their schedules: the streaming example's pipeline every
minute with catchup over the last minutes; a second server of the same project refused; and a
server killed (SIGKILL) in the middle of a slow command step, restarted: the interrupted run is
resumed in place and completes exactly once, the step that had succeeded is not run again, the
command the dead server left running is stopped, and no interval is run twice or lost; a server
stopped with SIGTERM mid-run marks the run interrupted and the next one resumes it; and a killed
run whose interrupted step has no retry left is failed.

    STRATA_BIN=build/release/strata python3 -m pytest tests/e2e/test_orchestrate_serve.py
"""
import json
import re
import subprocess
from collections import Counter

import pytest

from orchestrate_server import Server, cli, minutes_ago, pipeline_runs, wait_until


@pytest.fixture
def small_project(tmp_path, strata_bin):
    root = tmp_path / "proj"
    subprocess.run([strata_bin, "init", str(root)], check=True, capture_output=True, timeout=120)
    return root


def test_serve_runs_the_example_pipeline_on_its_schedule(tmp_path, strata_bin):
    root = tmp_path / "streaming"
    subprocess.run([strata_bin, "example", "streaming", str(root), "--scale", "0.2"],
                   check=True, capture_output=True, timeout=600)
    with open(root / "strata.yml", "a", encoding="utf-8") as config:
        config.write(f"""
pipelines:
  minutely:
    schedule: "* * * * *"
    start_date: "{minutes_ago(2)}"
    catchup: true
    steps:
      - {{name: load, kind: ingest}}
      - {{name: models, kind: run, select: [+q2_users_affected]}}
      - name: check
        kind: sql
        sql: SELECT count(*) AS n, getvariable('data_interval_end') AS interval_end FROM trusted.q2_users_affected
""")
    server = Server(strata_bin, root)
    try:
        server.wait_for_log(r"pipeline service started.*scheduled=1")
        # The two minutes since start_date are due at once (catchup), oldest first.
        runs = wait_until(
            lambda: (r := pipeline_runs(strata_bin, root, "minutely")) and
            sum(x["status"] == "success" for x in r) >= 2 and r,
            180, "two scheduled runs")
        scheduled = [r for r in runs if r["trigger"] == "schedule"]
        assert len({r["end"] for r in scheduled}) == len(scheduled), runs
        assert all(r["status"] in ("success", "running") for r in scheduled), runs
        oldest = scheduled[-1]
        assert oldest["start"].startswith(minutes_ago(2)), runs
        assert "load success, models success, check success" in oldest["steps"], runs
        logs = cli(strata_bin, root, "pipeline", "logs", oldest["run"]).stdout
        assert re.search(r"info\s+\d+ \| " + oldest["end"][:10], logs), logs
        assert re.search(r"pipeline run success.*pipeline=minutely", server.log())
        status = cli(strata_bin, root, "pipeline", "status").stdout
        assert f"Server: running (pid {server.proc.pid})" in status, status
        assert re.search(r"next tick\s+\d{4}-\d\d-\d\dT\d\d:\d\d:00Z", status), status
        assert re.search(r"last run\s+\d+\s+success\s+interval", status), status

        # One server per project.
        second = cli(strata_bin, root, "serve", "--pg-port", "0", check=False)
        assert second.returncode != 0
        assert re.search(r"another strata serve is already running for this project "
                         rf"\(pid {server.proc.pid}\).*serve\.lock", second.stderr), second.stderr

        answer = json.loads(cli(strata_bin, root, "query", "-f", "json",
                                "SELECT count(*) AS n FROM trusted.q2_users_affected").stdout)
        assert answer[0]["n"] > 0
    finally:
        assert server.stop() == 0, server.log()


SLOW = """
pipelines:
  slow:
    schedule: "* * * * *"
    start_date: "{start}"
    catchup: true
    max_active_runs: 1
    retries: {retries}
    retry_delay: 1s
    steps:
      - {{name: first, kind: command, command: "echo $STRATA_DATA_INTERVAL_END >> first.log"}}
      - name: slow
        kind: command
        command: "echo start $STRATA_DATA_INTERVAL_END >> slow.log; sleep 3; echo end $STRATA_DATA_INTERVAL_END >> slow.log"
"""


def lines(path):
    return path.read_text().splitlines() if path.exists() else []


def test_a_killed_server_resumes_its_run_exactly_once(small_project, strata_bin):
    root = small_project
    with open(root / "strata.yml", "a", encoding="utf-8") as config:
        config.write(SLOW.format(start=minutes_ago(3), retries=1))
    server = Server(strata_bin, root)
    wait_until(lambda: any(l.startswith("start") for l in lines(root / "slow.log")), 60,
               "the slow step to start")
    server.kill()  # SIGKILL: no chance to clean up; its `sleep` goes on as an orphan
    killed_interval = lines(root / "slow.log")[0].split()[1]
    before = pipeline_runs(strata_bin, root, "slow")
    interrupted = [r for r in before if r["status"] == "running"]
    assert len(interrupted) == 1, before
    status = cli(strata_bin, root, "pipeline", "status", "slow").stdout
    assert "Server: not running" in status, status
    assert re.search(r"slow: \* \* \* \* \* \(UTC\), catchup, at most 1 active run", status), status
    assert re.search(rf"running\s+{interrupted[0]['run']}\s+interval .* \(schedule, started",
                     status), status
    assert "first success, slow running" in status, status

    restarted = Server(strata_bin, root)
    try:
        restarted.wait_for_log(r"resuming a run left over by a stopped server.*run_id="
                               + str(interrupted[0]["run"]))
        # The three minutes since start_date (and maybe a fourth that ticked meanwhile).
        runs = wait_until(
            lambda: (r := pipeline_runs(strata_bin, root, "slow")) and len(r) >= 3 and
            all(x["status"] == "success" for x in r) and r,
            120, "every interval to succeed")
    finally:
        assert restarted.stop() == 0, restarted.log()

    ends = [r["end"] for r in runs]
    assert len(ends) == len(set(ends)), runs  # no interval claimed twice
    assert all(r["trigger"] == "schedule" for r in runs), runs
    resumed = next(r for r in runs if r["run"] == interrupted[0]["run"])
    assert resumed["end"] == killed_interval, runs
    assert "first success, slow success (2 attempts)" in resumed["steps"], runs

    slow = Counter(lines(root / "slow.log"))
    first = Counter(lines(root / "first.log"))
    for end in ends:
        assert first[end] == 1, first  # never run again after it succeeded
        assert slow[f"end {end}"] == 1, slow  # completed exactly once
    # The killed attempt started, never ended (its orphan was stopped), and started again.
    assert slow[f"start {killed_interval}"] == 2, slow
    logs = cli(strata_bin, root, "pipeline", "logs", resumed["run"]).stdout
    assert "resumed after an interruption" in logs, logs
    assert "-- step slow (command), attempt 1: interrupted" in logs, logs
    assert "-- step slow (command), attempt 2: success" in logs, logs
    assert re.search(r"process group \d+ was still running: killed", logs), logs


def test_an_interrupted_step_without_retries_fails_its_run(small_project, strata_bin):
    root = small_project
    with open(root / "strata.yml", "a", encoding="utf-8") as config:
        config.write(SLOW.format(start=minutes_ago(1), retries=0))
    server = Server(strata_bin, root)
    wait_until(lambda: lines(root / "slow.log"), 60, "the slow step to start")
    server.kill()
    restarted = Server(strata_bin, root, "--no-scheduler")
    try:
        restarted.wait_for_log(r"a run left over by a stopped server failed")
        runs = pipeline_runs(strata_bin, root, "slow")
        assert [r["status"] for r in runs] == ["failed"], runs
        assert "has no retries left" in runs[0]["steps"], runs
    finally:
        assert restarted.stop() == 0, restarted.log()
    assert not any(l.startswith("end") for l in lines(root / "slow.log"))


def test_a_stopped_server_marks_its_run_interrupted_and_the_next_resumes_it(small_project,
                                                                            strata_bin):
    root = small_project
    with open(root / "strata.yml", "a", encoding="utf-8") as config:
        config.write(SLOW.format(start=minutes_ago(1), retries=1))
    server = Server(strata_bin, root)
    wait_until(lambda: lines(root / "slow.log"), 60, "the slow step to start")
    assert server.stop() == 0, server.log()  # SIGTERM: the step is stopped, the run interrupted
    # max_active_runs 1: one run was in flight (another minute may have ticked meanwhile).
    [run] = [r for r in pipeline_runs(strata_bin, root, "slow") if r["status"] != "success"]
    assert run["status"] == "interrupted", run
    restarted = Server(strata_bin, root)
    try:
        wait_until(lambda: any(r["run"] == run["run"] and r["status"] == "success"
                               for r in pipeline_runs(strata_bin, root, "slow")),
                   60, "the resumed run to succeed")
    finally:
        assert restarted.stop() == 0, restarted.log()
    runs = pipeline_runs(strata_bin, root, "slow")
    resumed = next(r for r in runs if r["run"] == run["run"])
    assert resumed["status"] == "success", runs
    assert "first success, slow success (2 attempts)" in resumed["steps"], runs
    assert Counter(lines(root / "first.log"))[run["end"]] == 1
    assert Counter(lines(root / "slow.log"))[f"end {run['end']}"] == 1
