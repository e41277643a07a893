"""Shared fixtures of the end-to-end tests: the strata binary (env STRATA_BIN) and runner."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

COMMAND_TIMEOUT_SECONDS = 900


REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_STRATA_BIN = REPO_ROOT / "build" / "release" / "strata"


@pytest.fixture(scope="session")
def strata_bin():
    """The binary under test: $STRATA_BIN, else build/release/strata if it was built."""
    path = os.environ.get("STRATA_BIN")
    if not path:
        if not DEFAULT_STRATA_BIN.is_file():
            pytest.skip("set STRATA_BIN to the strata executable (no build/release/strata)")
        path = str(DEFAULT_STRATA_BIN)
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        pytest.fail(f"STRATA_BIN={path} is not an executable file")
    return str(Path(path).resolve())


@pytest.fixture(scope="session")
def strata(strata_bin):
    """strata(*args) runs the binary, fails the test on a non-zero exit, returns its stdout."""

    def run(*args, cwd=None):
        command = [strata_bin, *map(str, args)]
        result = subprocess.run(command, cwd=cwd, capture_output=True, text=True,
                                timeout=COMMAND_TIMEOUT_SECONDS)
        if result.returncode != 0:
            pytest.fail(f"{' '.join(command)} exited with {result.returncode}\n"
                        f"--- stdout ---\n{result.stdout}\n--- stderr ---\n{result.stderr}")
        return result.stdout

    return run
