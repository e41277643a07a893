"""Kill tests' shared step: a `strata ingest` SIGKILLed at a random moment."""
import random
import signal
import subprocess
import time


class RandomKills:
    """Runs `strata ingest` and SIGKILLs it at a random moment within `latest` seconds. When a
    load ended before its kill, the window halves (down to 0.1 s), so later kills land mid-load;
    `killed` counts the loads that were still running when killed."""

    def __init__(self, seed, latest=1.0):
        self.rng = random.Random(seed)
        self.latest = latest
        self.killed = 0

    def ingest(self, strata_bin, root):
        proc = subprocess.Popen([strata_bin, "--project", str(root), "ingest"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(self.rng.uniform(0.02, self.latest))
        proc.send_signal(signal.SIGKILL)
        was_killed = proc.wait(timeout=60) == -signal.SIGKILL
        self.killed += was_killed
        if not was_killed:
            self.latest = max(0.1, self.latest / 2)
