"""The ingestion benchmark's cases: files (CSV, NDJSON) and a PostgreSQL table loaded into bronze,
side by side with the limit (DuckDB reading the same files and writing Parquet itself; the server's
own binary COPY into /dev/null) and the peers (dlt with its fastest backend, DuckDB's postgres
extension). Each strata load's peak memory (RSS) is reported too, at two sizes, to show it does not
grow with the table."""
import atexit
import os
import pathlib
import shutil
import subprocess
import sys
import time

import duckdb

ROOT = pathlib.Path(__file__).resolve().parent.parent
DLT_PYTHON = ROOT / ".deps" / "dlt-venv" / "bin" / "python"
DLT_PEER = pathlib.Path(__file__).resolve().parent / "dlt_peer.py"
EXTENSIONS = (ROOT / ".deps" / f"duckdb-{(ROOT / 'DUCKDB_VERSION').read_text().strip()}" /
              "extensions")
PASSWORD_VARIABLE = "STRATA_BENCH_PG_PASSWORD"

# The rows of every case: the types a feed or a table typically has.
ROWS_SQL = ("SELECT i AS id, 'customer_' || (i % 100000) AS name, "
            "round((i % 100000) * 0.37, 2) AS amount, "
            "TIMESTAMP '2026-01-01' + to_seconds(i) AS created_at, "
            "['new', 'paid', 'shipped', 'returned'][1 + i % 4] AS status, i % 3 = 0 AS flag "
            "FROM range({start}, {end}) r(i)")


def dlt_available():
    return DLT_PYTHON.exists()


def run_measured(cmd, env=None, stdout=subprocess.DEVNULL):
    """Runs `cmd`; returns (seconds, peak RSS of the process in MB)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=stdout)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"{cmd[0]} {' '.join(cmd[1:3])} exited with {proc.returncode}")
    return seconds, usage.ru_maxrss / 1024


def strata_count(strata, project, table):
    out = subprocess.run([strata, "-q", "-p", str(project), "query", "-f", "csv",
                          f"SELECT count(*) FROM {table}"], check=True, capture_output=True,
                         text=True).stdout.split()
    return int(out[-1])


def write_project(root, source_yaml):
    root.mkdir(parents=True, exist_ok=True)
    (root / "strata.yml").write_text("name: bench\nsources:\n" + source_yaml)


def peer_note(name):
    if not dlt_available():
        print(f"[bench] dlt is not installed (scripts/setup.sh --bench): no {name} variant",
              file=sys.stderr)


class IngestCase:
    """What the file and database cases share: strata's load with its peak memory recorded, and a
    derived variant reading that memory back (the harness measures variant by variant)."""

    baseline = None

    def __init__(self, rows):
        self.rows = rows
        self.rss = []
        self.units = {"strata peak RSS": "MB"}

    @staticmethod
    def baseline_for(variant):
        return None if variant == "strata peak RSS" else "limit"

    def _strata_once(self, env=None):
        shutil.rmtree(self.project / ".strata", ignore_errors=True)
        seconds, rss = run_measured([self.strata, "--quiet", "ingest", "--project",
                                     str(self.project)], env=env)
        self.rss.append(rss)
        if len(self.rss) == 1:  # once: every row arrived
            loaded = strata_count(self.strata, self.project, self.table)
            assert loaded == self.rows, f"strata loaded {loaded} of {self.rows} rows"
        return seconds

    def _dlt(self, *args):
        """One dlt load (bench/dlt_peer.py) into a fresh output directory; its seconds."""
        out, state = self.dir / "dlt-out", self.dir / "dlt-state"
        shutil.rmtree(out, ignore_errors=True)
        shutil.rmtree(state, ignore_errors=True)
        seconds, _ = run_measured([str(DLT_PYTHON), str(DLT_PEER), *args, "--out", str(out),
                                   "--work", str(state)])
        return seconds

    def _rss_variant(self):
        taken = []

        def nth():  # the memory of the strata run this variant has not reported yet
            taken.append(None)
            return self.rss[len(taken) - 1]
        return nth


class FilesCase(IngestCase):
    """CSV or NDJSON files (10 of them) into a bronze table."""

    def __init__(self, fmt, rows):
        super().__init__(rows)
        self.fmt = fmt
        self.label = f"{fmt}, {rows:,} rows"
        self.table = "raw.t"
        self.notes = {
            "strata": "strata ingest: bronze table (lineage, quarantine, Iceberg commit)",
            "limit": "DuckDB: the same files -> one zstd Parquet file with the lineage columns",
            "dlt": ("dlt filesystem source, " + ("read_csv_duckdb (Arrow)" if fmt == "csv"
                                                 else "read_jsonl") + " -> Parquet files"),
            "strata peak RSS": "peak resident memory of strata ingest (MB)",
        }

    def prepare(self, strata, work):
        self.strata = strata
        self.dir = work / f"ingest-{self.fmt}-{self.rows}"
        self.project = self.dir / "project"
        data = self.project / "data"
        if not (self.dir / ".generated").exists():
            shutil.rmtree(self.dir, ignore_errors=True)
            data.mkdir(parents=True)
            con = duckdb.connect()
            step = -(-self.rows // 10)
            for n, start in enumerate(range(0, self.rows, step)):
                sql = ROWS_SQL.format(start=start, end=min(start + step, self.rows))
                target = data / f"part-{n:02d}.{self.fmt}"
                options = "FORMAT csv, HEADER" if self.fmt == "csv" else "FORMAT json"
                con.execute(f"COPY ({sql}) TO '{target}' ({options})")
            con.close()
            (self.dir / ".generated").touch()
        write_project(self.project, f"  raw:\n    kind: files\n    tables:\n      t: "
                                    f"{{path: data/*.{self.fmt}, format: {self.fmt}}}\n")
        peer_note("dlt")

    def variants(self):
        out = [("strata", self._strata_once), ("limit", self._duckdb_once)]
        if dlt_available():
            out.append(("dlt", self._dlt_once))
        out.append(("strata peak RSS", self._rss_variant()))
        return out

    def _duckdb_once(self):
        target = self.dir / "duckdb.parquet"
        glob = self.project / "data" / f"*.{self.fmt}"
        reader = (f"read_csv('{glob}', header=true, filename=true)" if self.fmt == "csv" else
                  f"read_json('{glob}', format='newline_delimited', filename=true)")
        start = time.perf_counter()
        con = duckdb.connect()
        con.execute(f"COPY (SELECT * EXCLUDE (filename), now() AS _strata_loaded_at, "
                    f"'batch' AS _strata_batch_id, filename AS _strata_source_file "
                    f"FROM {reader}) TO '{target}' (FORMAT parquet, COMPRESSION zstd)")
        con.close()
        return time.perf_counter() - start

    def _dlt_once(self):
        return self._dlt(self.fmt, "--data", str(self.project / "data"))


class PostgresServerOnce:
    """One throwaway PostgreSQL server (tests/e2e/pg_server.py) for every database case."""

    server = None

    @classmethod
    def get(cls):
        if cls.server is None:
            sys.path.insert(0, str(ROOT / "tests" / "e2e"))
            from pg_server import PostgresServer
            cls.server = PostgresServer()
            cls.server.start()
            atexit.register(cls.server.destroy)
        return cls.server


class PostgresCase(IngestCase):
    """A full load of a PostgreSQL table into a bronze table."""

    def __init__(self, rows):
        super().__init__(rows)
        self.label = f"postgres full load, {rows:,} rows"
        self.table = "shop.t"
        self.notes = {
            "strata": "strata ingest, full load (parallel binary COPY -> bronze, Iceberg commit)",
            "limit": "psql: COPY t TO STDOUT (FORMAT binary) into /dev/null (the server's limit)",
            "dlt": "dlt sql_table, connectorx backend (Arrow) -> Parquet files",
            "duckdb postgres": "DuckDB's postgres extension: the table -> one zstd Parquet file",
            "strata peak RSS": "peak resident memory of strata ingest (MB)",
        }

    def prepare(self, strata, work):
        self.strata = strata
        self.server = PostgresServerOnce.get()
        self.database = f"bench_{self.rows}"
        self.dir = work / f"ingest-postgres-{self.rows}"
        self.project = self.dir / "project"
        shutil.rmtree(self.dir, ignore_errors=True)
        self.server.create_database(self.database)
        with self.server.connect(self.database) as conn:
            conn.execute(
                "CREATE TABLE t AS SELECT i::bigint AS id, 'customer_' || (i % 100000) AS name, "
                "round((i % 100000) * 0.37, 2)::numeric(12, 2) AS amount, "
                "timestamptz '2026-01-01 00:00:00+00' + i * interval '1 second' AS created_at, "
                "(ARRAY['new', 'paid', 'shipped', 'returned'])[1 + i % 4] AS status, "
                f"i % 3 = 0 AS flag FROM generate_series(0, {self.rows - 1}) i")
            conn.execute("VACUUM ANALYZE t")
        s = self.server
        write_project(self.project, (
            f"  shop:\n    kind: postgres\n    connection:\n      host: {s.host}\n"
            f"      port: {s.port}\n      database: {self.database}\n      user: postgres\n"
            f"      password: ${{{PASSWORD_VARIABLE}}}\n    tables:\n      t: public.t\n"))
        self.env = dict(os.environ, **{PASSWORD_VARIABLE: s.password, "PGPASSWORD": s.password})
        self.conninfo = (f"host={s.host} port={s.port} dbname={self.database} user=postgres")
        from urllib.parse import quote
        self.url = (f"postgresql+psycopg2://postgres:{quote(s.password, safe='')}@{s.host}:{s.port}/"
                    f"{self.database}")
        peer_note("dlt")

    def variants(self):
        out = [("strata", lambda: self._strata_once(self.env)), ("limit", self._copy_once),
               ("duckdb postgres", self._duckdb_once)]
        if dlt_available():
            out.append(("dlt", self._dlt_once))
        out.append(("strata peak RSS", self._rss_variant()))
        return out

    def _copy_once(self):
        seconds, _ = run_measured(["psql", "-X", "-q", self.conninfo, "-c",
                                   "COPY public.t TO STDOUT (FORMAT binary)"], env=self.env)
        return seconds

    def _duckdb_once(self):
        target = self.dir / "duckdb.parquet"
        start = time.perf_counter()
        con = duckdb.connect(config={"extension_directory": str(EXTENSIONS),
                                     "autoinstall_known_extensions": False})
        con.execute("LOAD postgres_scanner")
        # libpq quotes a value in single quotes with backslash escapes; SQL doubles quotes.
        password = self.server.password.replace("\\", "\\\\").replace("'", "\\'")
        conninfo = f"{self.conninfo} password='{password}'".replace("'", "''")
        con.execute(f"ATTACH '{conninfo}' AS pg (TYPE postgres, READ_ONLY)")
        con.execute(f"COPY (SELECT * FROM pg.public.t) TO '{target}' "
                    "(FORMAT parquet, COMPRESSION zstd)")
        con.close()
        return time.perf_counter() - start

    def _dlt_once(self):
        return self._dlt("postgres", "--url", self.url, "--table", "t")


def ingest_cases(quick):
    files_rows = 200_000 if quick else 10_000_000
    pg_sizes = (100_000, 1_000_000) if quick else (1_000_000, 10_000_000)
    return ([FilesCase("csv", files_rows), FilesCase("ndjson", files_rows)] +
            [PostgresCase(n) for n in pg_sizes])
