"""Apache Airflow as the orchestration benchmark's peer: Airflow 3 (pinned in scripts/setup.sh,
installed by `setup.sh --bench` into its own virtual environment .deps/airflow-venv) run as its
standalone setup runs it — API server (which serves the task execution API), scheduler with the
LocalExecutor and DAG processor, as separate processes over a SQLite metadata database — on free
loopback ports, in a scratch AIRFLOW_HOME. The DAGs are the benchmark's pipeline: `steps` tasks,
each a PythonOperator running `SELECT 1` on a new in-memory DuckDB (the work of strata's no-op
`sql` step, which runs on an in-memory DuckDB of its own), as a chain (deep) or independent (wide),
at most 8 at once (strata's pipeline concurrency).

A run is triggered with `airflow dags trigger` and timed as Airflow records it in its metadata
database: from the run being queued to its end; the tasks' start and end times give the time
outside tasks and the time from a task's end to the start of the next one."""
import atexit
import datetime
import os
import pathlib
import signal
import socket
import sqlite3
import statistics
import subprocess
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
VENV = ROOT / ".deps" / "airflow-venv"
CONCURRENCY = 8

DAG_FILE = '''import datetime

import duckdb
from airflow.providers.standard.operators.python import PythonOperator
from airflow.sdk import DAG


def noop():
    duckdb.connect().execute("SELECT 1").fetchall()


for shape, steps in {shapes!r}:
    with DAG(f"strata_bench_{{shape}}_{{steps}}", schedule=None, catchup=False,
             start_date=datetime.datetime(2021, 1, 1), max_active_runs=1,
             max_active_tasks={concurrency}) as dag:
        previous = None
        for i in range(steps):
            task = PythonOperator(task_id=f"s{{i}}", python_callable=noop, retries=0)
            if shape == "deep" and previous is not None:
                previous >> task
            previous = task
    globals()[dag.dag_id] = dag
'''


def available():
    return (VENV / "bin" / "airflow").exists()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def parse_time(text):
    return datetime.datetime.fromisoformat(str(text).replace("Z", "+00:00")[:26])


class AirflowPeer:
    """One Airflow installation for every DAG of a benchmark run; started once, stopped at exit."""

    _instance = None

    @classmethod
    def shared(cls, work, shapes):
        if cls._instance is None:
            cls._instance = cls(work / "airflow", shapes)
            cls._instance.start()
            atexit.register(cls._instance.stop)
        return cls._instance

    def __init__(self, home, shapes):
        self.home = home
        self.shapes = shapes  # [(shape, steps)]
        self.db = home / "airflow.db"
        self.processes = []
        api_port = free_port()
        self.env = dict(os.environ)
        self.env.update({
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(home / "dags"),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
            "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
            "AIRFLOW__CORE__PARALLELISM": str(CONCURRENCY),
            "AIRFLOW__CORE__MAX_ACTIVE_TASKS_PER_DAG": str(CONCURRENCY),
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{self.db}",
            "AIRFLOW__API__HOST": "127.0.0.1",
            "AIRFLOW__API__PORT": str(api_port),
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{api_port}/execution/",
            "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(free_port()),
            "AIRFLOW__API_AUTH__JWT_SECRET": "strata-bench-" + "x" * 64,
            "AIRFLOW__API__SECRET_KEY": "strata-bench-secret",
        })

    def airflow(self, *args, **kwargs):
        return subprocess.run([str(VENV / "bin" / "airflow"), *args], env=self.env, check=True,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **kwargs)

    def start(self):
        (self.home / "dags").mkdir(parents=True, exist_ok=True)
        shapes = list(self.shapes) + [("warmup", 1)]
        (self.home / "dags" / "strata_bench.py").write_text(
            DAG_FILE.format(shapes=shapes, concurrency=CONCURRENCY))
        if not self.db.exists():
            self.airflow("db", "migrate", timeout=900)
        for component in ("api-server", "scheduler", "dag-processor"):
            log = open(self.home / f"{component}.log", "a", encoding="utf-8")
            self.processes.append(subprocess.Popen(
                [str(VENV / "bin" / "airflow"), component], env=self.env, stdout=log,
                stderr=subprocess.STDOUT, start_new_session=True))
        wanted = {f"strata_bench_{shape}_{steps}" for shape, steps in shapes}
        deadline = time.monotonic() + 600
        while not wanted <= self._parsed_dags():
            if time.monotonic() > deadline:
                raise RuntimeError(f"Airflow did not parse the benchmark DAGs; see {self.home}")
            time.sleep(2)
        # The first task an API server serves is slow (it starts its execution API lazily):
        # one small run first, so that the measured runs do not pay for it.
        for _ in range(3):
            if self.run("warmup", 1)["state"] == "success":
                break

    def stop(self):
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
        self.processes = []

    def _parsed_dags(self):
        if not self.db.exists():
            return set()
        try:
            with sqlite3.connect(self.db, timeout=30) as db:
                return {row[0] for row in db.execute("SELECT dag_id FROM serialized_dag")}
        except sqlite3.OperationalError:
            return set()

    def run(self, shape, steps):
        """Triggers one run of the DAG and waits for its end; its timings from the metadata."""
        dag_id = f"strata_bench_{shape}_{steps}"
        run_id = f"bench_{time.time_ns()}"
        self.airflow("dags", "trigger", dag_id, "--run-id", run_id, timeout=600)
        deadline = time.monotonic() + 4 * 3600
        while True:
            with sqlite3.connect(self.db, timeout=30) as db:
                state, queued, started, ended = db.execute(
                    "SELECT state, queued_at, start_date, end_date FROM dag_run "
                    "WHERE dag_id = ? AND run_id = ?", (dag_id, run_id)).fetchone()
                if state in ("success", "failed"):
                    tasks = db.execute(
                        "SELECT task_id, state, start_date, end_date FROM task_instance "
                        "WHERE dag_id = ? AND run_id = ?", (dag_id, run_id)).fetchall()
                    break
            if time.monotonic() > deadline:
                raise RuntimeError(f"Airflow run {run_id} did not finish")
            time.sleep(1)
        return {"state": state, "queued": parse_time(queued), "started": parse_time(started),
                "ended": parse_time(ended), "tasks": tasks}


def run_stats(shape, steps, run):
    """The same figures as strata's: total, time per step, time outside tasks per step (deep),
    mean task end to dependent task start (deep)."""
    if run["state"] != "success":
        raise RuntimeError(f"the Airflow run failed: {[t for t in run['tasks'] if t[1] != 'success'][:3]}")
    spans = sorted((parse_time(start), parse_time(end),) for _, _, start, end in run["tasks"])
    wall = (run["ended"] - run["started"]).total_seconds()
    inside = sum((end - start).total_seconds() for start, end in spans)
    order = sorted(run["tasks"], key=lambda t: int(t[0][1:]))
    gaps = [(parse_time(order[i + 1][2]) - parse_time(order[i][3])).total_seconds()
            for i in range(len(order) - 1)]
    return {
        "total": (run["ended"] - run["queued"]).total_seconds(),
        "per_step": wall / steps,
        "overhead": max(wall - inside, 0) / steps,
        "latency": statistics.fmean(gaps) if shape == "deep" and gaps else None,
    }
