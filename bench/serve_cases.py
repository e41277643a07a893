"""The serving benchmark: one query kind per case (a point lookup, an aggregation, a 1M-row result)
on a gold-like table of `rows` rows, run the same way against

  strata pgwire     `strata serve`, psycopg over the PostgreSQL protocol (extended, bound params)
  duckdb            DuckDB in-process (Python) on the same Parquet files, the result fetched as
                    an Arrow table: the limit
  postgres          PostgreSQL serving the same rows from a heap table without an index
  postgres indexed  the same with B-tree indexes on the filtered columns
  http cold         strata's HTTP API (JSON; the 1M-row result as CSV), a parameter never asked
                    before, so the result cache misses
  http warm         the same request again: served from the result cache

For each, p50 and p99 of sequential requests from one client, and the time per query with four
clients at once (1 / throughput). Every figure's ratio is to DuckDB's same figure. The table is
written once through `strata table append`; DuckDB and PostgreSQL get the same rows (PostgreSQL
generates them with the same formulas, checked by comparing an aggregate over all of them).
"""
import datetime
import glob
import http.client
import json
import pathlib
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time

import duckdb
import psycopg

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / "tests" / "e2e"))
from pg_server import PostgresServer  # noqa: E402

# One formula per column, valid in DuckDB and PostgreSQL alike; i runs from 0 to rows - 1.
COLUMNS = {
    "id": "i",
    "customer_id": "i % 50000",
    "region": "CASE i % 5 WHEN 0 THEN 'north' WHEN 1 THEN 'south' WHEN 2 THEN 'east' "
              "WHEN 3 THEN 'west' ELSE 'central' END",
    "amount": "CAST(((i * 7919) % 100000) / 100.0 AS DECIMAL(12,2))",
    "ordered_at": "TIMESTAMP '2024-01-01 00:00:00' + (i % 525600) * INTERVAL '1 minute'",
}
CHECK = "SELECT count(*), sum(id), sum(customer_id), sum(amount), min(ordered_at), max(ordered_at) FROM {t}"

# name -> (SQL with $1, sequential requests per measurement, the parameter of request n). Every
# request gets a new parameter (so the HTTP cache misses when cold): ids step by a prime that
# does not divide the row count, timestamps by 37 minutes (coprime with the minutes in the span).
KINDS = {
    "point lookup": ("SELECT id, customer_id, region, amount, ordered_at FROM {t} WHERE id = $1",
                     60, lambda rows, n: (n * 7919) % rows),
    "aggregation": ("SELECT region, count(*) AS orders, sum(amount) AS total, avg(amount) AS mean "
                    "FROM {t} WHERE ordered_at >= $1 GROUP BY region ORDER BY region",
                    12, lambda rows, n: str(datetime.datetime(2024, 1, 1) +
                                            datetime.timedelta(minutes=(n * 37) % 260000))),
    "1M-row result": ("SELECT id, customer_id, amount FROM {t} WHERE id < $1",
                      3, lambda rows, n: 1_000_000 - n),
}
SYSTEMS = ["strata pgwire", "duckdb", "postgres", "postgres indexed", "http cold", "http warm"]
CLIENTS = 4


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def percentile(samples, q):
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


class ServeFixture:
    """The table in a strata lake, `strata serve` on it, DuckDB on its Parquet files and a
    PostgreSQL server with the same rows; shared by the cases, stopped at exit."""

    _shared = None

    @classmethod
    def shared(cls, strata, work, rows):
        if cls._shared is None:
            cls._shared = cls(strata, work, rows)
            import atexit
            atexit.register(cls._shared.stop)
        return cls._shared

    def __init__(self, strata, work, rows):
        self.rows = rows
        self.dir = work / f"serve-{rows}"
        shutil.rmtree(self.dir, ignore_errors=True)
        subprocess.run([strata, "init", str(self.dir)], check=True, stdout=subprocess.DEVNULL)
        select = ", ".join(f"{sql} AS {name}" for name, sql in COLUMNS.items())
        subprocess.run([strata, "-q", "-p", str(self.dir), "table", "append", "gold.orders",
                        "--from", f"SELECT {select} FROM range({rows}) r(i)"], check=True,
                       stdout=subprocess.DEVNULL)
        self.ports = {"pg": free_port(), "http": free_port()}
        self.log = open(self.dir / "serve.log", "w")
        self.server = subprocess.Popen(
            [strata, "serve", "--pg-port", str(self.ports["pg"]), "--http-port",
             str(self.ports["http"]), "--no-scheduler"],
            cwd=self.dir, stdout=self.log, stderr=subprocess.STDOUT)
        self.postgres = None
        try:
            self._wait_for_strata()
            self._duckdb_setup()
            self._postgres_setup()
            self._check_same_rows()
        except BaseException:
            self.stop()
            raise

    def _wait_for_strata(self):
        deadline = time.monotonic() + 60
        while True:
            try:
                self.strata_connect().close()
                return
            except psycopg.OperationalError:
                if time.monotonic() > deadline or self.server.poll() is not None:
                    raise
                time.sleep(0.2)

    def strata_connect(self):
        return psycopg.connect(host="127.0.0.1", port=self.ports["pg"], user="bench",
                               dbname="bench", autocommit=True)

    def _duckdb_setup(self):
        files = sorted(glob.glob(str(self.dir / ".strata" / "**" / "orders" / "**" / "*.parquet"),
                                 recursive=True))
        if not files:
            raise RuntimeError(f"no Parquet files of gold.orders under {self.dir / '.strata'}")
        self.parquet = files
        self.duck = duckdb.connect()
        listed = ", ".join("'" + f.replace("'", "''") + "'" for f in files)
        self.duck.execute(f"CREATE VIEW orders AS SELECT * FROM read_parquet([{listed}])")

    def duckdb_cursor(self):
        return self.duck.cursor()  # one per thread: DuckDB connections are not shared

    def _postgres_setup(self):
        self.postgres = PostgresServer()
        self.postgres.start()
        select = ", ".join(f"{sql} AS {name}" for name, sql in COLUMNS.items())
        with self.postgres.connect() as conn:
            for table in ("orders", "orders_indexed"):
                conn.execute(f"CREATE TABLE {table} AS SELECT {select} "
                                          f"FROM generate_series(0::bigint, {self.rows - 1}) AS g(i)")
            conn.execute("CREATE INDEX ON orders_indexed (id)")
            conn.execute("CREATE INDEX ON orders_indexed (ordered_at)")
            conn.execute("VACUUM ANALYZE")

    def postgres_connect(self):
        return self.postgres.connect()

    def _check_same_rows(self):
        duck = self.duck.execute(CHECK.format(t="orders")).fetchone()
        with self.postgres_connect() as conn:
            pg = conn.execute(CHECK.format(t="orders")).fetchone()
        with self.strata_connect() as conn:
            served = conn.execute(CHECK.format(t="gold.orders")).fetchone()
        as_text = lambda row: [str(v) for v in row]  # noqa: E731 (int, Decimal: same text)
        if not (as_text(duck) == as_text(pg) == as_text(served)):
            raise RuntimeError(f"the systems hold different rows: duckdb {duck}, postgres {pg}, "
                               f"strata {served}")

    def http(self, sql, params, fmt):
        connection = http.client.HTTPConnection("127.0.0.1", self.ports["http"], timeout=300)
        try:
            connection.request("POST", "/api/v1/query",
                               body=json.dumps({"sql": sql, "params": params, "format": fmt}),
                               headers={"Content-Type": "application/json"})
            response = connection.getresponse()
            payload = response.read()
            if response.status != 200:
                raise RuntimeError(f"HTTP {response.status}: {payload[:300]!r}")
            return response.getheader("X-Cache"), payload
        finally:
            connection.close()

    def stop(self):
        if self.server.poll() is None:
            self.server.send_signal(signal.SIGINT)
            try:
                self.server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.server.kill()
        self.log.close()
        if self.postgres:
            self.postgres.destroy()


class ServeCase:
    def __init__(self, kind, rows):
        self.kind = kind
        self.rows = rows
        self.label = f"{kind}, {rows:,} rows"
        self.sql, self.count, self.make_param = KINDS[kind]
        self.count_parallel = max(self.count, 2 * CLIENTS) if kind != "1M-row result" else CLIENTS
        self.notes = {}
        for system in SYSTEMS:
            self.notes[f"{system} p50"] = f"median of {self.count} sequential requests"
            self.notes[f"{system} p99"] = f"99th percentile of the same {self.count}"
            self.notes[f"{system} per query, {CLIENTS} clients"] = (
                f"{self.count_parallel} requests from {CLIENTS} threads: wall time / requests")
        self.stats = {}
        self.sequence = 0  # makes every cold HTTP parameter new

    @staticmethod
    def baseline_for(variant):
        system = max((s for s in SYSTEMS if variant.startswith(s + " ")), key=len)
        figure = variant[len(system) + 1:]
        return None if system == "duckdb" else f"duckdb {figure}"

    def prepare(self, strata, work):
        self.fixture = ServeFixture.shared(strata, work, self.rows)

    def variants(self):
        out = []
        for system in SYSTEMS:
            taken = []
            out.append((f"{system} p50", lambda s=system: self._sequential(s)))
            out.append((f"{system} p99", lambda s=system, t=taken: self._nth(s, t)))
            out.append((f"{system} per query, {CLIENTS} clients",
                        lambda s=system: self._parallel(s)))
        return out

    def _nth(self, system, taken):
        taken.append(1)
        return self.stats[system][len(taken) - 1]

    def _param(self):
        self.sequence += 1
        return self.make_param(self.rows, self.sequence)

    def _runner(self, system):
        """A function running the query once with a parameter, for one thread."""
        fixture = self.fixture
        if system == "duckdb":
            cursor = fixture.duckdb_cursor()
            sql = self.sql.format(t="orders").replace("$1", "?")
            # Columnar, as DuckDB produces it: Python tuples would time the client, not DuckDB.
            return lambda p: cursor.execute(sql, [p]).fetch_arrow_table()
        if system in ("strata pgwire", "postgres", "postgres indexed"):
            if system == "strata pgwire":
                conn, table = fixture.strata_connect(), "gold.orders"
            else:
                conn = fixture.postgres_connect()
                table = "orders_indexed" if system == "postgres indexed" else "orders"
            sql = self.sql.format(t=table).replace("$1", "%s")
            return lambda p: conn.execute(sql, (p,)).fetchall()
        sql = self.sql.format(t="gold.orders")
        fmt = "csv" if self.kind == "1M-row result" else "json"
        if system == "http warm":
            fixed = self._param()
            fixture.http(sql, [fixed], fmt)  # fills the cache

            def warm(_):
                state, _payload = fixture.http(sql, [fixed], fmt)
                if state != "hit":
                    raise RuntimeError(f"HTTP warm request was not a cache hit ({state})")
            return warm

        def cold(p):
            state, _payload = fixture.http(sql, [p], fmt)
            if state == "hit":
                raise RuntimeError("HTTP cold request was a cache hit")
        return cold

    def _sequential(self, system):
        once = self._runner(system)
        once(self._param())  # warm-up: connection, plan, file cache
        samples = []
        for _ in range(self.count):
            p = self._param()
            started = time.perf_counter()
            once(p)
            samples.append(time.perf_counter() - started)
        self.stats.setdefault(system, []).append(percentile(samples, 0.99))
        return statistics.median(samples)

    def _parallel(self, system):
        runners = [self._runner(system) for _ in range(CLIENTS)]
        params = [[self._param() for _ in range(self.count_parallel // CLIENTS)]
                  for _ in range(CLIENTS)]
        errors = []

        def client(i):
            try:
                for p in params[i]:
                    runners[i](p)
            except Exception as e:  # reported below
                errors.append(e)
        threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
        started = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - started
        if errors:
            raise errors[0]
        return elapsed / sum(len(p) for p in params)
