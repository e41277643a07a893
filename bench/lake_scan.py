"""Lake read and small-write benchmarks: a selective scan of a partitioned table (partition
pruning and file skipping) and the latency of small appends, side by side with DuckDB reading
every file and pyiceberg committing the same appends."""
import pathlib
import shutil
import subprocess
import time

import duckdb
import pyarrow as pa


def timed(fn):
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def run(cmd):
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)


class LakeScanCase:
    """`rows` rows over 100 days (one file per day, partitioned by day(ts)); the query reads one
    day: strata skips the other 99 files from the manifests, DuckDB reads every file's footer
    and skips row groups by their statistics."""

    baseline = "duckdb all files"
    days = 100
    where = "ts >= TIMESTAMP '2024-03-10' AND ts < TIMESTAMP '2024-03-11'"

    def __init__(self, rows):
        self.rows = rows
        self.label = f"{rows:,} rows, 1 day of {self.days}"
        self.sql = f"SELECT count(*), sum(amount) FROM bench.events WHERE {self.where}"
        self.notes = {
            "strata query": "strata query (process start included): the view holds only the "
                            "files whose partition and bounds allow the filter",
            "strata --no-pruning": "the same query over every file of the snapshot",
            "duckdb all files": "DuckDB read_parquet over every data file, same filter",
        }

    def prepare(self, strata, work):
        self.strata = strata
        self.dir = work / f"lake-scan-{self.rows}"
        marker = self.dir / "prepared"
        if not marker.exists():
            shutil.rmtree(self.dir, ignore_errors=True)
            run([strata, "init", str(self.dir)])
            rows = (f"SELECT i AS id, TIMESTAMP '2024-03-01' + (i % {self.days}) * INTERVAL 1 DAY "
                    f"+ (i % 86400) * INTERVAL 1 SECOND AS ts, 'r' || (i % 7) AS region, "
                    f"(i % 1000) * 0.5 AS amount FROM range({{lo}}, {{hi}}) r(i)")
            strata_q = [strata, "-q", "-p", str(self.dir), "table"]
            run(strata_q + ["append", "bench.events", "--from", rows.format(lo=0, hi=0)])
            run(strata_q + ["partition", "bench.events", "--by", "day(ts)"])
            step = 20_000_000  # appends of 20M rows keep memory use modest
            for lo in range(0, self.rows, step):
                run(strata_q + ["append", "bench.events", "--from",
                                rows.format(lo=lo, hi=min(lo + step, self.rows))])
            marker.write_text("ok")
        self.files = sorted(str(p) for p in (self.dir / ".strata" / "lake" / "bench" / "events" /
                                              "data").rglob("*.parquet"))
        expected = self._duckdb_once()
        got = subprocess.run([strata, "-q", "-p", str(self.dir), "query", "-f", "csv", self.sql],
                             check=True, capture_output=True, text=True).stdout
        assert str(expected[0]) in got, (expected, got)

    def variants(self):
        base = [self.strata, "-q", "-p", str(self.dir), "query", "-f", "csv"]
        return [
            ("strata query", lambda: timed(lambda: run(base + [self.sql]))),
            ("strata --no-pruning", lambda: timed(lambda: run(base + ["--no-pruning", self.sql]))),
            ("duckdb all files", lambda: timed(self._duckdb_once)),
        ]

    def _duckdb_once(self):
        con = duckdb.connect()
        row = con.execute(f"SELECT count(*), sum(amount) FROM read_parquet(?) WHERE {self.where}",
                          [self.files]).fetchone()
        con.close()
        return row


class SmallAppendCase:
    """The latency of appending one row to a table with history: strata's CLI (a process per
    append, so process start and catalog open are included) and pyiceberg in one Python process
    (table already loaded, SQLite catalog)."""

    baseline = "pyiceberg append"

    def __init__(self, history):
        self.history = history
        self.label = f"1 row, table with {history} snapshots"
        self.notes = {
            "strata append": "strata table append of one row (Parquet file, manifest, manifest "
                             "list, metadata file, catalog commit; process start included)",
            "strata start": "strata query 'SELECT 1': the process start alone, for reference",
            "pyiceberg append": "pyiceberg Table.append of the same row (SqlCatalog on SQLite)",
        }

    def prepare(self, strata, work):
        from pyiceberg.catalog.sql import SqlCatalog
        self.strata = strata
        self.dir = work / f"small-append-{self.history}"
        shutil.rmtree(self.dir, ignore_errors=True)
        run([strata, "init", str(self.dir)])
        for _ in range(self.history):
            run([strata, "-q", "-p", str(self.dir), "table", "append", "bench.small", "--from",
                 "SELECT 1 AS k, 'x' AS v"])
        warehouse = self.dir / "pyiceberg"
        warehouse.mkdir()
        catalog = SqlCatalog("bench", uri=f"sqlite:///{warehouse}/catalog.db",
                             warehouse=f"file://{warehouse}")
        catalog.create_namespace("bench")
        self.row = pa.table({"k": pa.array([1], pa.int32()), "v": pa.array(["x"])})
        self.table = catalog.create_table("bench.small", schema=self.row.schema)
        for _ in range(self.history):
            self.table.append(self.row)

    def variants(self):
        return [
            ("strata append", lambda: timed(lambda: run(
                [self.strata, "-q", "-p", str(self.dir), "table", "append", "bench.small",
                 "--from", "SELECT 1 AS k, 'x' AS v"]))),
            ("strata start", lambda: timed(lambda: run(
                [self.strata, "-q", "-p", str(self.dir), "query", "SELECT 1"]))),
            ("pyiceberg append", lambda: timed(lambda: self.table.append(self.row))),
        ]


class PyicebergAppend:
    """pyiceberg appending the rows of LakeCase (DuckDB computes them as Arrow, pyiceberg writes
    Parquet and commits to a SQLite catalog)."""

    def __init__(self, work, rows_sql):
        from pyiceberg.catalog.sql import SqlCatalog
        warehouse = pathlib.Path(work) / "pyiceberg"
        shutil.rmtree(warehouse, ignore_errors=True)
        warehouse.mkdir(parents=True)
        self.rows_sql = rows_sql
        self.catalog = SqlCatalog("bench", uri=f"sqlite:///{warehouse}/catalog.db",
                                  warehouse=f"file://{warehouse}")
        self.catalog.create_namespace("bench")
        sample = duckdb.connect().execute(rows_sql + " LIMIT 0").fetch_arrow_table()
        self.table = self.catalog.create_table("bench.appended", schema=sample.schema)

    def once(self):
        con = duckdb.connect()
        self.table.append(con.execute(self.rows_sql).fetch_arrow_table())
        con.close()
