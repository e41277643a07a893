"""Running `strata serve` in the end-to-end tests of orchestration: start it in the background with
its stderr in a file, wait for its log lines, read pipeline runs through the CLI, kill it."""

import datetime
import os
import re
import signal
import subprocess
import time
from pathlib import Path


def minutes_ago(minutes):
    """A start_date that many whole minutes before now (UTC), as strata.yml takes it."""
    now = datetime.datetime.now(datetime.timezone.utc).replace(second=0, microsecond=0)
    return (now - datetime.timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M")


def cli(strata_bin, project, *args, check=True):
    env = dict(os.environ)
    env.pop("STRATA_LOG_FORMAT", None)
    proc = subprocess.run([strata_bin, "--project", str(project), *map(str, args)],
                          capture_output=True, text=True, timeout=300, env=env)
    if check:
        assert proc.returncode == 0, f"exit {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
    return proc


class Server:
    """`strata serve` of a project, on a free PostgreSQL port, logging to a file."""

    def __init__(self, strata_bin, project, *extra):
        self.log_path = Path(project) / f"serve-{time.monotonic_ns()}.log"
        self._log = open(self.log_path, "w", encoding="utf-8")
        env = dict(os.environ)
        env.pop("STRATA_LOG_FORMAT", None)
        self.proc = subprocess.Popen(
            [strata_bin, "--project", str(project), "serve", "--pg-port", "0", *extra],
            stdout=self._log, stderr=subprocess.STDOUT, env=env)

    def log(self):
        return self.log_path.read_text(encoding="utf-8")

    def wait_for_log(self, pattern, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if re.search(pattern, self.log()):
                return
            assert self.proc.poll() is None, f"strata serve exited:\n{self.log()}"
            time.sleep(0.1)
        raise AssertionError(f"no log line matching {pattern!r} in {timeout}s:\n{self.log()}")

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=30)
        self._log.close()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()
        return self.proc.returncode


def pipeline_runs(strata_bin, project, name):
    """Rows of `strata pipeline runs NAME` as dicts (newest interval first)."""
    out = cli(strata_bin, project, "pipeline", "runs", name, "--limit", "1000").stdout
    rows = []
    for line in out.splitlines():
        cells = [cell.strip() for cell in line.split("|")]
        if len(cells) >= 8 and cells[0].isdigit():
            rows.append({"run": int(cells[0]), "start": cells[1], "end": cells[2],
                         "trigger": cells[3], "status": cells[4], "steps": cells[7]})
    return rows


def wait_until(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.25)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")
