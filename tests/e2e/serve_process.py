"""Running `strata serve` in tests: a free port, waiting until it answers, stopping it."""
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest

STARTUP_TIMEOUT_SECONDS = 60


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_ready(ready, process, log_path, what):
    """Polls ready() (True, or an OSError while not yet) until it holds or the server exited."""
    deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"strata serve exited with {process.returncode}:\n"
                        f"{Path(log_path).read_text()}")
        try:
            if ready():
                return
        except OSError:
            pass
        time.sleep(0.1)
    pytest.fail(f"strata serve did not {what}:\n{Path(log_path).read_text()}")


def stop(process):
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    return process.returncode
