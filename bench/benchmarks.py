"""The named benchmarks. Each has cases (e.g. scales); each case prepares its inputs once and
offers variants (strata and its baselines) as functions returning seconds for one measurement."""
import os
import pathlib
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time

import duckdb

import airflow_peer
from dbt_build import DbtBuildCase
from ingest_cases import ingest_cases
from lake_scan import LakeScanCase, PyicebergAppend, SmallAppendCase
from serve_cases import KINDS as SERVE_KINDS, ServeCase


def timed(fn):
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def run(cmd, **kwargs):
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, **kwargs)


class PipelineCase:
    """The streaming example end to end: ingest the raw files into bronze, build the models."""

    baseline = "duckdb"

    def __init__(self, scale):
        self.scale = scale
        self.label = f"scale {scale}"
        self.notes = {
            "strata": "strata ingest + strata run (two processes, catalog commits, quarantine)",
            "duckdb": "one DuckDB session: same files -> Parquet (zstd), same model SQL -> Parquet",
        }

    def prepare(self, strata, work):
        self.strata = strata
        self.dir = work / f"streaming-{self.scale}"
        if not (self.dir / "data").exists():
            run([strata, "example", "streaming", str(self.dir), "--scale", str(self.scale)])
        # One strata run to produce the compiled SQL the DuckDB baseline replays.
        self._strata_once()
        self.compiled = sorted((self.dir / "target" / "compiled").rglob("*.sql"))
        self.models = self._model_order()

    def variants(self):
        return [("strata", lambda: timed(self._strata_once)),
                ("duckdb", lambda: timed(self._duckdb_once))]

    def _strata_once(self):
        shutil.rmtree(self.dir / ".strata", ignore_errors=True)
        run([self.strata, "--quiet", "ingest", "--project", str(self.dir)])
        run([self.strata, "--quiet", "run", "--project", str(self.dir)])

    def _model_order(self):
        # Staging before trusted: the example's only dependency direction.
        order = {"staging": 0, "trusted": 1}
        return sorted(self.compiled, key=lambda p: (order.get(p.parent.name, 9), p.name))

    def _duckdb_once(self):
        out = self.dir / "baseline"
        shutil.rmtree(out, ignore_errors=True)
        out.mkdir()
        con = duckdb.connect()
        con.execute("SET TimeZone='UTC'")
        data = self.dir / "data"
        csv_types = {
            "movies": "{'title':'VARCHAR','duration_mins':'INTEGER','original_language':'VARCHAR','size_mb':'INTEGER'}",
            "users": "{'first_name':'VARCHAR','last_name':'VARCHAR','email':'VARCHAR'}",
            "streams": "{'movie_title':'VARCHAR','user_email':'VARCHAR','size_mb':'DOUBLE','start_at':'VARCHAR','end_at':'VARCHAR'}",
        }
        for schema in ("internal", "vendor", "staging", "trusted"):
            con.execute(f"CREATE SCHEMA {schema}")
        for table, types in csv_types.items():
            src = f"read_csv('{data}/internal/{table}/*.csv', header=true, columns={types}, filename='_strata_source_file', store_rejects=true)"
            self._write(con, out, "internal", table, f"SELECT * FROM {src}")
        for table in ("authors", "books", "reviews"):
            src = f"read_json('{data}/vendor/{table}/*.ndjson', format='newline_delimited', ignore_errors=true, filename='_strata_source_file')"
            self._write(con, out, "vendor", table, f"SELECT * FROM {src}")
        for path in self.models:
            sql = path.read_text()
            self._write(con, out, path.parent.name, path.stem, sql)
        con.close()

    @staticmethod
    def _write(con, out, schema, table, sql):
        target = out / f"{schema}.{table}.parquet"
        con.execute(f"COPY ({sql}) TO '{target}' (FORMAT parquet, COMPRESSION zstd)")
        con.execute(f"CREATE OR REPLACE VIEW {schema}.{table} AS SELECT * FROM read_parquet('{target}')")


class LakeCase:
    """Lake writes through the CLI (process start included) next to DuckDB doing the same I/O:
    appending rows from a query, and a MERGE updating 1% of them (copy-on-write)."""

    baseline = "duckdb"
    rows_sql = "SELECT i AS k, i * 2 AS v, md5(i::VARCHAR) AS s FROM range({n}) r(i)"

    def __init__(self, rows):
        self.rows = rows
        self.label = f"{rows:,} rows"
        self.notes = {
            "strata append": "strata table append: Parquet + Iceberg manifests + catalog commit",
            "strata merge 1%": "strata table merge on k of 1% of the keys (rewrites the files "
                               "holding them)",
            "duckdb": "DuckDB COPY of the same query to one zstd Parquet file",
            "pyiceberg append": "pyiceberg Table.append of the same rows (DuckDB computes them "
                                "as Arrow; SQLite catalog)",
        }

    def prepare(self, strata, work):
        self.strata = strata
        self.dir = work / f"lake-{self.rows}"
        shutil.rmtree(self.dir, ignore_errors=True)
        run([strata, "init", str(self.dir)])
        run([strata, "-q", "-p", str(self.dir), "table", "append", "bench.merged", "--from",
             self.rows_sql.format(n=self.rows)])
        self.pyiceberg = PyicebergAppend(self.dir, self.rows_sql.format(n=self.rows))

    def variants(self):
        source = (f"SELECT i * 100 AS k, -1 AS v, 'new' AS s FROM range({self.rows // 100}) r(i)")
        return [
            ("strata append", lambda: timed(lambda: run(
                [self.strata, "-q", "-p", str(self.dir), "table", "append", "bench.appended",
                 "--from", self.rows_sql.format(n=self.rows)]))),
            ("strata merge 1%", lambda: timed(lambda: run(
                [self.strata, "-q", "-p", str(self.dir), "table", "merge", "bench.merged",
                 "--key", "k", "--from", source]))),
            ("duckdb", lambda: timed(self._duckdb_once)),
            ("pyiceberg append", lambda: timed(self.pyiceberg.once)),
        ]

    def _duckdb_once(self):
        con = duckdb.connect()
        target = self.dir / "duckdb.parquet"
        con.execute(f"COPY ({self.rows_sql.format(n=self.rows)}) TO '{target}' "
                    "(FORMAT parquet, COMPRESSION zstd)")
        con.close()


def generate_dbt_project(root, models):
    """A dbt project of `models` models in three layers over 10 source tables, every model using
    a project macro and a loop, and a not_null and unique test on every fifth model."""
    (root / "models" / "staging").mkdir(parents=True, exist_ok=True)
    (root / "models" / "marts").mkdir(parents=True, exist_ok=True)
    (root / "macros").mkdir(exist_ok=True)
    (root / "dbt_project.yml").write_text(
        "name: big\nprofile: big\nconfig-version: 2\nmodels:\n  big:\n    staging:\n"
        "      +materialized: view\n    marts:\n      +materialized: table\n")
    (root / "profiles.yml").write_text(
        "big:\n  target: dev\n  outputs:\n    dev: {type: duckdb, path: big.duckdb}\n")
    (root / "macros" / "cents.sql").write_text(
        "{% macro cents(column, scale=2) %}round({{ column }} / 100.0, {{ scale }})"
        "{% endmacro %}\n")
    tables = "\n".join(f"      - name: t{i}" for i in range(10))
    (root / "models" / "staging" / "_sources.yml").write_text(
        f"version: 2\nsources:\n  - name: raw\n    tables:\n{tables}\n")
    tests = []
    for i in range(models):
        if i < 10:
            folder, body = "staging", f"select id, amount from {{{{ source('raw', 't{i}') }}}}"
        else:
            folder = "marts"
            body = (f"select id, {{{{ cents('amount') }}}} as amount\n"
                    f"{{% for c in ['a', 'b', 'c'] %}}, '{{{{ c }}}}' as col_{{{{ c }}}}{{% endfor %}}\n"
                    f"from {{{{ ref('m{i // 2}') }}}}")
        (root / "models" / folder / f"m{i}.sql").write_text(body + "\n")
        if i % 5 == 0:
            tests.append(f"  - name: m{i}\n    columns:\n      - name: id\n"
                         f"        tests: [not_null, unique]")
    (root / "models" / "_tests.yml").write_text("version: 2\nmodels:\n" + "\n".join(tests) + "\n")


class DbtParseCase:
    """Parse and compile a generated dbt project: strata parse vs dbt parse (dbt-core +
    dbt-duckdb, no partial parsing)."""

    baseline = "dbt"

    def __init__(self, models):
        self.models = models
        self.label = f"{models} models"
        self.notes = {"strata": "strata parse: load, render every model and test, manifest.json",
                      "dbt": "dbt parse --no-partial-parse (renders every node, manifest.json)"}

    def prepare(self, strata, work):
        self.strata = strata
        self.dir = work / f"dbt-{self.models}"
        if not (self.dir / "dbt_project.yml").exists():
            generate_dbt_project(self.dir, self.models)

    def variants(self):
        out = [("strata", lambda: timed(lambda: run([self.strata, "--quiet", "--project",
                                                     str(self.dir), "parse"])))]
        if shutil.which("dbt"):
            out.append(("dbt", lambda: timed(lambda: run(
                ["dbt", "parse", "--no-partial-parse", "--profiles-dir", str(self.dir),
                 "--project-dir", str(self.dir)], cwd=self.dir))))
        return out


class DagCase:
    """A pipeline of no-op `sql` steps (1,000, or 100 with --quick), as a chain (deep) or all
    independent (wide), run with `strata pipeline run`, side by side with Apache Airflow running
    the equivalent DAG with its LocalExecutor (bench/airflow_peer.py; skipped with a note when
    `scripts/setup.sh --bench` has not installed it). Besides the total, it reports from each
    one's run history the time per step (run time / steps; at most 8 steps at once in both), the
    scheduling overhead per step (the run's time not spent inside step attempts or task runs, per
    step; deep only, where steps never overlap) and the mean time from a step's end to the start
    of the step after it (deep). Each strata figure's ratio is to Airflow's same figure."""

    def __init__(self, shape, steps, peer_dags):
        self.shape = shape
        self.steps = steps
        self.peer_dags = peer_dags  # every (shape, steps) of the run: one Airflow parses them all
        self.label = f"{shape}, {steps} steps"
        self.notes = {
            "strata total": "strata pipeline run (process start to exit)",
            "airflow total": "Airflow's dag run, queued to end (the trigger CLI not counted)",
            "strata time per step": "run time / steps (8 at once)",
            "airflow time per step": "dag run time / tasks (8 at once)",
            "strata overhead per step": "run time outside step attempts / steps",
            "airflow overhead per step": "dag run time outside task runs / tasks",
            "strata end to dependent start": "mean, step end to the next step's start",
            "airflow end to dependent start": "mean, task end to the next task's start",
        }
        self.stats = {"strata": [], "airflow": []}
        self.airflow = None

    @staticmethod
    def baseline_for(variant):
        system, figure = variant.split(" ", 1)
        return "airflow " + figure if system == "strata" else None

    def prepare(self, strata, work):
        self.strata = strata
        self.dir = work / f"dag-{self.shape}-{self.steps}"
        shutil.rmtree(self.dir, ignore_errors=True)
        run([strata, "init", str(self.dir)])
        lines = ["pipelines:", "  dag:", "    concurrency: 8", "    steps:"]
        for i in range(self.steps):
            after = "" if self.shape == "deep" else ", after: []"
            lines.append(f"      - {{name: s{i}, kind: sql, sql: 'SELECT 1'{after}}}")
        with open(self.dir / "strata.yml", "a", encoding="utf-8") as config:
            config.write("\n" + "\n".join(lines) + "\n")
        if airflow_peer.available():
            self.airflow = airflow_peer.AirflowPeer.shared(work, self.peer_dags)
        else:
            print("[bench] Airflow is not installed (scripts/setup.sh --bench): strata only",
                  file=sys.stderr)

    def variants(self):
        # The harness measures variant by variant: the derived ones read the totals' runs in turn.
        def derived(system, key):
            taken = []
            return lambda: self._nth(system, taken, key)
        figures = [("time per step", "per_step")]
        if self.shape == "deep":
            figures += [("overhead per step", "overhead"), ("end to dependent start", "latency")]
        systems = [("strata", self._strata_once)]
        if self.airflow:
            systems.append(("airflow", self._airflow_once))
        variants = []
        for system, once in systems:
            variants.append((f"{system} total", once))
            variants += [(f"{system} {name}", derived(system, key)) for name, key in figures]
        return variants

    def _nth(self, system, taken, key):
        """The value of `key` in the next run of `system` this variant has not read yet."""
        taken.append(key)
        return self.stats[system][len(taken) - 1][key]

    def _strata_once(self):
        seconds = timed(lambda: run([self.strata, "--quiet", "pipeline", "run", "dag",
                                     "--project", str(self.dir)]))
        db = sqlite3.connect(self.dir / ".strata" / "catalog.db")
        run_id, started, finished = db.execute(
            "SELECT id, started_at_ms, finished_at_ms FROM runs ORDER BY id DESC LIMIT 1"
        ).fetchone()
        steps = db.execute("SELECT started_at_ms, finished_at_ms FROM steps WHERE run_id = ? "
                           "ORDER BY started_at_ms, id", (run_id,)).fetchall()
        db.close()
        assert len(steps) == self.steps, len(steps)
        wall_ms = finished - started
        inside_ms = sum(end - start for start, end in steps)
        gaps = [steps[i + 1][0] - steps[i][1] for i in range(len(steps) - 1)]
        self.stats["strata"].append({
            "per_step": wall_ms / 1000 / self.steps,
            "overhead": max(wall_ms - inside_ms, 0) / 1000 / self.steps,
            "latency": statistics.fmean(gaps) / 1000,  # ms-resolution records: a mean
        })
        return seconds

    def _airflow_once(self):
        stats = airflow_peer.run_stats(self.shape, self.steps,
                                       self.airflow.run(self.shape, self.steps))
        self.stats["airflow"].append(stats)
        return stats["total"]


def dag_cases(quick):
    """Deep then wide, 1,000 steps each (100 with --quick); STRATA_BENCH_DAGS="wide=1000,deep=300"
    picks other shapes, sizes and order (Airflow's deep chain at 1,000 steps takes about 25 min)."""
    sizes = [("deep", 100 if quick else 1000), ("wide", 100 if quick else 1000)]
    if os.environ.get("STRATA_BENCH_DAGS"):
        sizes = []
        for item in os.environ["STRATA_BENCH_DAGS"].split(","):
            shape, steps = item.split("=")
            if shape not in ("deep", "wide"):
                raise SystemExit(f"STRATA_BENCH_DAGS: unknown shape {shape!r} (deep or wide)")
            sizes.append((shape, int(steps)))
    return [DagCase(shape, steps, sizes) for shape, steps in sizes]


class Benchmark:
    def __init__(self, name, description, cases):
        self.name = name
        self.description = description
        self.cases = cases


BENCHMARKS = [
    Benchmark(
        "pipeline",
        "the streaming example (ingest + models) at two scales, strata vs raw DuckDB doing the "
        "same reads and writes directly",
        lambda quick: [PipelineCase(5), PipelineCase(50)],
    ),
    Benchmark(
        "lake",
        "writing Iceberg tables: append from a query and a 1% MERGE, vs DuckDB writing the same "
        "Parquet",
        lambda quick: [LakeCase(1_000_000)],
    ),
    Benchmark(
        "ingest",
        "10M-row CSV and NDJSON files and a 10M-row PostgreSQL table (1M too) into bronze: strata "
        "vs the limit (DuckDB writing Parquet from the same files; the server's binary COPY to "
        "/dev/null), dlt with its fastest backend, DuckDB's postgres extension; strata's peak "
        "memory per size (--quick: 200k-row files, 100k and 1M-row tables)",
        ingest_cases,
    ),
    Benchmark(
        "lake_scan",
        "a selective scan (1 day of 100) of a table partitioned by day: strata's pruned read vs "
        "strata reading every file vs DuckDB reading every file; and the latency of a one-row "
        "append to a table with history, strata vs pyiceberg",
        lambda quick: [LakeScanCase(10_000_000 if quick else 100_000_000),
                       SmallAppendCase(10 if quick else 100)],
    ),
    Benchmark(
        "dbt_parse",
        "parse and compile a generated dbt project of 5,000 models with sources, a macro and "
        "tests: strata parse vs dbt parse",
        lambda quick: [DbtParseCase(5000)],
    ),
    Benchmark(
        "dbt_build",
        "build a generated 200-model dbt project (seeds, views, tables, incremental models, "
        "tests) from scratch: strata build vs dbt build, and strata's overhead per node over "
        "DuckDB running the same compiled SQL",
        lambda quick: [DbtBuildCase()],
    ),
    Benchmark(
        "orchestration",
        "1,000 no-op sql steps (100 with --quick) in a deep (chain) and a wide (independent) "
        "DAG: total, time and scheduling overhead per step, step end to dependent start, side "
        "by side with Apache Airflow (LocalExecutor) running the same DAG",
        lambda quick: dag_cases(quick),
    ),
    Benchmark(
        "serve",
        "a point lookup, an aggregation and a 1M-row result on a 2M-row gold table (1M with "
        "--quick): p50, p99 and time per query with 4 clients, strata over pgwire and over HTTP "
        "(cold and warm cache) vs DuckDB in-process on the same Parquet files vs PostgreSQL "
        "with and without indexes (bench/serve_cases.py)",
        lambda quick: [ServeCase(kind, 1_000_000 if quick else 2_000_000) for kind in SERVE_KINDS],
    ),
]
