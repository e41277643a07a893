"""Pipelines end to end on the streaming example: `strata pipeline list`, `run` (one run for the
interval of the last tick, data interval passed to sql and command steps), `backfill` over three
days (and again, skipping what succeeded), `runs` and `logs`; a failing step fails the run (exit 1)
and skips what follows it; a cycle in the steps is a configuration error that names its place.

    STRATA_BIN=build/release/strata python3 -m pytest tests/e2e/test_pipelines.py
"""
import json
import os
import re
import subprocess

import pytest

PIPELINES = """
pipelines:
  daily:
    schedule: "0 6 * * *"
    timezone: Europe/Berlin
    start_date: "2021-12-01"
    catchup: true
    retries: 1
    retry_delay: 1s
    timeout: 10m
    steps:
      - {name: load, kind: ingest, select: [internal, vendor.reviews]}
      - {name: models, kind: run, select: [+q1_movies_based_on_books], after: [load]}
      - name: check
        kind: sql
        after: [models]
        sql: >
          SELECT count(*) AS movies_rows, getvariable('data_interval_start') AS interval_start
          FROM trusted.q1_movies_based_on_books
      - name: notify
        kind: command
        after: [models]
        command: [/bin/sh, -c, 'echo "notify $STRATA_DATA_INTERVAL_START $STRATA_DATA_INTERVAL_END $GREETING"']
        env: {GREETING: hello}
  broken:
    steps:
      - {name: fine, kind: command, command: [/bin/echo, ok]}
      - {name: bad, kind: sql, sql: "SELECT * FROM no_such_table"}
      - {name: later, kind: command, command: [/bin/echo, never]}
"""


@pytest.fixture
def project(tmp_path, strata_bin):
    root = tmp_path / "streaming"
    subprocess.run([strata_bin, "example", "streaming", str(root), "--scale", "0.2"],
                   check=True, capture_output=True, text=True, timeout=600)
    with open(root / "strata.yml", "a", encoding="utf-8") as config:
        config.write(PIPELINES)
    return root


def run(strata_bin, project, *args):
    env = dict(os.environ)
    env.pop("STRATA_LOG_FORMAT", None)
    return subprocess.run([strata_bin, "--project", str(project), *map(str, args)],
                          capture_output=True, text=True, timeout=600, env=env)


def ok(strata_bin, project, *args):
    proc = run(strata_bin, project, *args)
    assert proc.returncode == 0, f"exit {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout


def test_list_shows_schedules(strata_bin, project):
    out = ok(strata_bin, project, "pipeline", "list")
    assert re.search(r"daily\s+\|\s+0 6 \* \* \*\s+\|\s+Europe/Berlin\s+\|\s+4", out), out
    assert re.search(r"broken\s+\|\s+\(manual\)", out), out


def test_run_then_runs_and_logs(strata_bin, project):
    out = ok(strata_bin, project, "pipeline", "run", "daily", "--at", "2021-12-05T12:00")
    # 06:00 in Berlin is 05:00 UTC: the last tick before noon on the 5th closes the 4th's day.
    assert "data interval 2021-12-04T05:00:00Z .. 2021-12-05T05:00:00Z" in out, out
    run_id = re.search(r"Run (\d+) succeeded", out).group(1)
    for step in ("load", "models", "check", "notify"):
        assert re.search(rf"OK\s+{step}\b", out), out

    answer = json.loads(ok(strata_bin, project, "query", "-f", "json",
                           "SELECT * FROM trusted.q1_movies_based_on_books"))
    assert len(answer) == 1 and answer[0]["total_streamed_movies"] > 0

    runs = ok(strata_bin, project, "pipeline", "runs", "daily")
    assert re.search(rf"^{run_id}\s+\|\s+2021-12-04T05:00:00Z\s+\|\s+2021-12-05T05:00:00Z\s+\|"
                     r"\s+manual\s+\|\s+success", runs, re.MULTILINE), runs
    assert "load success, models success" in runs, runs

    logs = ok(strata_bin, project, "pipeline", "logs", run_id)
    assert "stdout notify 2021-12-04T05:00:00Z 2021-12-05T05:00:00Z hello" in logs, logs
    assert re.search(r"info\s+1 \| 2021-12-04 05:00:00\+00", logs), logs
    assert re.search(r"internal\.movies: 1 file\(s\)", logs), logs
    assert "-- step models (run), attempt 1: success" in logs, logs
    only_notify = ok(strata_bin, project, "pipeline", "logs", run_id, "--step", "notify")
    assert "-- step load" not in only_notify and "notify 2021-12-04" in only_notify


def test_backfill_three_days_then_skip_what_succeeded(strata_bin, project):
    out = ok(strata_bin, project, "pipeline", "backfill", "daily", "--start", "2021-12-01",
             "--end", "2021-12-04", "--parallel", "2")
    assert "3 run(s), 3 ok, 0 failed" in out, out
    for day in ("2021-12-01", "2021-12-02", "2021-12-03"):
        assert f"{day}T05:00:00Z .. " in out, out

    again = ok(strata_bin, project, "pipeline", "backfill", "daily", "--start", "2021-12-01",
               "--end", "2021-12-04")
    assert "0 run(s)" in again and "3 interval(s) skipped as already done" in again, again

    runs = ok(strata_bin, project, "pipeline", "runs", "daily")
    assert len(re.findall(r"\|\s+backfill\s+\|\s+success", runs)) == 3, runs
    first = re.search(r"^(\d+)\s+\|\s+2021-12-01T05:00:00Z", runs, re.MULTILINE).group(1)
    logs = ok(strata_bin, project, "pipeline", "logs", first, "--step", "notify")
    assert "notify 2021-12-01T05:00:00Z 2021-12-02T05:00:00Z hello" in logs, logs

    forced = ok(strata_bin, project, "pipeline", "backfill", "daily", "--start", "2021-12-03",
                "--end", "2021-12-04", "--force")
    assert "1 run(s), 1 ok" in forced, forced


def test_a_failing_step_fails_the_run_and_skips_what_follows(strata_bin, project):
    proc = run(strata_bin, project, "pipeline", "run", "broken")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert re.search(r"FAILED\s+bad\s+after 1 attempt: .*no_such_table", proc.stdout), proc.stdout
    assert re.search(r"SKIPPED\s+later\s+upstream step 'bad' failed", proc.stdout), proc.stdout
    run_id = re.search(r"Run (\d+) failed", proc.stdout).group(1)
    runs = ok(strata_bin, project, "pipeline", "runs", "broken")
    assert "fine success, bad failed, later skipped" in runs, runs
    logs = ok(strata_bin, project, "pipeline", "logs", run_id)
    assert "stdout ok" in logs and "no_such_table" in logs, logs


def test_cycles_and_unknown_pipelines_are_clear_errors(strata_bin, project):
    config = project / "strata.yml"
    text = config.read_text()
    config.write_text(text.replace("after: [load]}", "after: [notify]}"))
    proc = run(strata_bin, project, "pipeline", "list")
    assert proc.returncode == 3, proc.stderr
    assert re.search(r"strata\.yml:\d+:\d+: the steps of pipeline 'daily' form a cycle: "
                     r"(models -> notify -> models|notify -> models -> notify)", proc.stderr), \
        proc.stderr
    config.write_text(text)
    proc = run(strata_bin, project, "pipeline", "run", "dialy")
    assert proc.returncode == 2 and "did you mean 'daily'" in proc.stderr, proc.stderr
