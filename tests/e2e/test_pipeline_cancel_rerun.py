"""`strata pipeline cancel RUN_ID` and `strata pipeline rerun RUN_ID [--from-failed]` end to end:
cancelling a run that another CLI process runs, one that `strata serve` runs, and one whose process
was killed (failed at once, its leftover command killed, never resumed); rerunning a run whole or
from its failed step, with its interval and parameters; and the errors (unknown or finished run,
--from-failed on a success)."""

import os
import re
import signal
import subprocess
import time

import pytest

from orchestrate_server import Server, cli, minutes_ago, pipeline_runs, wait_until

PIPELINES = """
pipelines:
  slow:
    schedule: "@daily"
    steps:
      - {name: first, kind: command, command: [/bin/echo, started]}
      - {name: nap, kind: command, command: [/bin/sh, -c, 'echo $$ > nap.pid; exec sleep 120'],
         after: [first]}
  flaky:
    schedule: "@daily"
    steps:
      - {name: ok, kind: command, command: [/bin/sh, -c, 'echo ok >> ok.count']}
      - name: gate
        kind: command
        after: [ok]
        command: [/bin/sh, -c, 'echo "$STRATA_DATA_INTERVAL_START $STRATA_PARAM_WHO" >> gate.log; test -f open']
      - {name: after_gate, kind: sql, sql: SELECT 1, after: [gate]}
"""


@pytest.fixture
def project(tmp_path, strata_bin):
    root = tmp_path / "p"
    subprocess.run([strata_bin, "init", str(root)], check=True, capture_output=True, timeout=120)
    with open(root / "strata.yml", "a", encoding="utf-8") as config:
        config.write(PIPELINES)
    return root


def start_run(strata_bin, project, *args):
    env = dict(os.environ)
    env.pop("STRATA_LOG_FORMAT", None)
    return subprocess.Popen([strata_bin, "--project", str(project), "pipeline", "run", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
                            cwd=project)


def running_nap(project):
    """The pid of the `sleep` of step `nap`, once it runs."""
    path = project / "nap.pid"
    if not path.exists() or not path.read_text().strip():
        return None
    return int(path.read_text())


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie (exited, not reaped yet) is not running.
    with open(f"/proc/{pid}/stat") as stat:
        return stat.read().split(") ")[1][0] != "Z"


def latest_run(strata_bin, project, name):
    return pipeline_runs(strata_bin, project, name)[0]


def test_cancel_a_run_of_another_cli_process(strata_bin, project):
    proc = start_run(strata_bin, project, "slow")
    nap = wait_until(lambda: running_nap(project), 60, "the nap step to start")
    run_id = latest_run(strata_bin, project, "slow")["run"]
    started = time.monotonic()
    out = cli(strata_bin, project, "pipeline", "cancel", run_id).stdout
    assert f"Cancel requested for run {run_id} of pipeline slow" in out, out
    assert f"Run {run_id} failed: cancelled" in out, out
    assert time.monotonic() - started < 30
    output, _ = proc.communicate(timeout=60)
    assert proc.returncode == 1 and "cancelled" in output, output
    assert not alive(nap)
    assert latest_run(strata_bin, project, "slow")["status"] == "failed"

    again = cli(strata_bin, project, "pipeline", "cancel", run_id, check=False)
    assert again.returncode == 7 and f"run {run_id} already finished: failed" in again.stderr
    missing = cli(strata_bin, project, "pipeline", "cancel", "99999", check=False)
    assert missing.returncode == 2 and "no pipeline run 99999" in missing.stderr


def test_cancel_a_run_whose_process_was_killed(strata_bin, project):
    proc = start_run(strata_bin, project, "slow")
    nap = wait_until(lambda: running_nap(project), 60, "the nap step to start")
    run_id = latest_run(strata_bin, project, "slow")["run"]
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert alive(nap)  # a command step runs in a process group of its own
    out = cli(strata_bin, project, "pipeline", "cancel", run_id).stdout
    assert "was not running in any process (running)" in out, out
    assert f"Run {run_id} failed: cancelled" in out, out
    wait_until(lambda: not alive(nap), 10, "the leftover command to be killed")
    assert latest_run(strata_bin, project, "slow")["status"] == "failed"


def test_cancel_a_run_of_the_server(strata_bin, tmp_path):
    project = tmp_path / "served"
    subprocess.run([strata_bin, "init", str(project)], check=True, capture_output=True,
                   timeout=120)
    with open(project / "strata.yml", "a", encoding="utf-8") as config:
        config.write(f"""
pipelines:
  served:
    schedule: "* * * * *"
    start_date: "{minutes_ago(3)}"
    steps:
      - {{name: nap, kind: command, command: [/bin/sh, -c, 'echo $$ > nap.pid; exec sleep 120']}}
""")
    server = Server(strata_bin, project)
    try:
        nap = wait_until(lambda: running_nap(project), 60, "the served run's nap to start")
        run_id = latest_run(strata_bin, project, "served")["run"]
        out = cli(strata_bin, project, "pipeline", "cancel", run_id).stdout
        assert f"Cancel requested for run {run_id} of pipeline served" in out, out
        assert f"Run {run_id} failed: cancelled" in out, out
        assert not alive(nap)
        assert server.proc.poll() is None  # the server goes on
    finally:
        server.stop()


def test_rerun_whole_or_from_the_failed_step(strata_bin, project):
    failed = cli(strata_bin, project, "pipeline", "run", "flaky", "--at", "2026-03-05",
                 "--param", "who=ada", check=False)
    assert failed.returncode == 1, failed.stdout
    run_id = int(re.search(r"Run (\d+) failed", failed.stdout).group(1))
    assert (project / "ok.count").read_text().count("ok") == 1

    (project / "open").write_text("")
    out = cli(strata_bin, project, "pipeline", "rerun", run_id, "--from-failed").stdout
    assert f"rerun of run {run_id} from its failed steps" in out, out
    assert "SKIPPED ok  already succeeded in run" in out, out
    rerun_id = int(re.search(r"Run (\d+) succeeded", out).group(1))
    assert (project / "ok.count").read_text().count("ok") == 1  # not run again
    # The same interval and parameters.
    gate = (project / "gate.log").read_text().splitlines()
    assert gate == ["2026-03-04T00:00:00Z ada"] * 2, gate
    runs = {run["run"]: run for run in pipeline_runs(strata_bin, project, "flaky")}
    assert runs[rerun_id]["trigger"] == "rerun" and runs[rerun_id]["status"] == "success"
    assert runs[rerun_id]["end"] == runs[run_id]["end"] == "2026-03-05T00:00:00Z"
    logs = cli(strata_bin, project, "pipeline", "logs", rerun_id).stdout
    assert f"rerun of run {run_id} from its failed steps" in logs, logs

    # --from-failed needs something that failed; a whole rerun of a success runs every step.
    refused = cli(strata_bin, project, "pipeline", "rerun", rerun_id, "--from-failed",
                  check=False)
    assert refused.returncode == 2 and "succeeded: no failed step" in refused.stderr
    out = cli(strata_bin, project, "pipeline", "rerun", rerun_id).stdout
    assert re.search(r"Run \d+ succeeded", out), out
    assert (project / "ok.count").read_text().count("ok") == 2
    assert len((project / "gate.log").read_text().splitlines()) == 3
