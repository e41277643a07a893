"""End to end: partitioned Iceberg tables (hidden partitioning) that pyiceberg and DuckDB read.

    STRATA_BIN=build/release/strata python3 -m pytest tests/e2e/test_iceberg_partitioned.py

A table is written, then `strata table partition` makes new data partitioned by day(ts) and
region (partition evolution: the first files keep spec 0). Appends then write one file per
partition tuple. pyiceberg, knowing nothing of strata, must read exactly strata's rows, and its
scan planning must prune by strata's manifests: a filter on ts or region plans only the files of
matching partitions (partition values and the manifest list's field summaries), and a filter on
another column skips files by their column bounds. DuckDB's iceberg extension reads the same rows.
Delete, merge and compact keep partition values on the files they write.
"""

import datetime
import json
import subprocess
from pathlib import Path

import pytest
from pyiceberg.expressions import And, EqualTo, GreaterThanOrEqual, LessThan
from pyiceberg.table import StaticTable
from lake_catalog import metadata_location

COLS = ["id", "ts", "region", "amount"]


def table(project):
    return StaticTable.from_metadata(metadata_location(project, "silver.events"))


def normalize(row):
    row = dict(row)
    row["ts"] = str(row["ts"]).replace("T", " ")
    return json.dumps(row, sort_keys=True, default=str)


def strata_rows(strata, project, where="true"):
    out = strata("-p", project, "-q", "query", "-f", "json",
                 f"SELECT {', '.join(COLS)} FROM silver.events WHERE {where}")
    return sorted(normalize(r) for r in json.loads(out))


def pyiceberg_rows(project, row_filter=None):
    scan = table(project).scan(row_filter=row_filter) if row_filter else table(project).scan()
    return sorted(normalize(r) for r in scan.to_arrow().select(COLS).to_pylist())


def planned(project, row_filter):
    return sorted(t.file.file_path for t in table(project).scan(row_filter=row_filter).plan_files())


def rows_sql(start, stop):
    # 4 days x 3 regions; amount grows with id, so files of later appends have higher bounds.
    return (f"SELECT i AS id, TIMESTAMP '2024-03-01' + (i % 4) * INTERVAL 1 DAY "
            f"+ (i % 7) * INTERVAL 1 HOUR AS ts, 'r' || (i % 3) AS region, i * 10 AS amount "
            f"FROM range({start}, {stop}) t(i)")


@pytest.fixture()
def project(tmp_path, strata):
    strata("init", tmp_path / "p")
    return tmp_path / "p"


def test_partitioned_table_is_read_and_pruned_by_pyiceberg_and_duckdb(strata, project):
    p = project
    strata("-p", p, "table", "append", "silver.events", "--from", rows_sql(0, 24))
    out = strata("-p", p, "table", "partition", "silver.events", "--by", "day(ts), region")
    assert "partition spec 1" in out
    strata("-p", p, "table", "append", "silver.events", "--from", rows_sql(24, 120))
    strata("-p", p, "table", "append", "silver.events", "--from", rows_sql(120, 240))

    t = table(p)
    doc = json.loads(open(metadata_location(p, "silver.events")).read())
    assert doc["default-spec-id"] == 1
    assert doc["last-partition-id"] == 1001
    spec = [s for s in doc["partition-specs"] if s["spec-id"] == 1][0]
    assert [(f["name"], f["transform"], f["field-id"]) for f in spec["fields"]] == \
        [("ts_day", "day", 1000), ("region", "identity", 1001)]

    # Partition values are hidden: the table's columns are only its own.
    star = json.loads(strata("-p", p, "-q", "query", "-f", "json",
                             "SELECT * FROM silver.events LIMIT 1"))
    assert sorted(star[0]) == sorted(COLS)

    # Every row exactly as strata returns it.
    ours = strata_rows(strata, p)
    assert len(ours) == 240
    assert pyiceberg_rows(p) == ours

    files = list(t.scan().plan_files())
    unpartitioned = [f for f in files if f.file.spec_id == 0]
    partitioned = [f for f in files if f.file.spec_id == 1]
    assert len(unpartitioned) >= 1
    assert len(partitioned) == 2 * 12  # two appends x (4 days x 3 regions)
    for task in partitioned:
        # pyiceberg decodes the partition tuple strata wrote: day as a date, region as a string.
        day, region = task.file.partition[0], task.file.partition[1]
        assert region in ("r0", "r1", "r2")
        days = day if isinstance(day, int) else (day - datetime.date(1970, 1, 1)).days
        assert 19783 <= days <= 19786  # 2024-03-01 .. 2024-03-04

    # Partition pruning: one day and one region plans one file per partitioned append, plus the
    # unpartitioned file(s) (which hold rows of every day).
    one = And(And(GreaterThanOrEqual("ts", "2024-03-02T00:00:00"),
                  LessThan("ts", "2024-03-03T00:00:00")), EqualTo("region", "r1"))
    chosen = planned(p, one)
    assert len(chosen) == 2 + len(unpartitioned)
    assert pyiceberg_rows(p, one) == strata_rows(
        strata, p, "ts >= '2024-03-02' AND ts < '2024-03-03' AND region = 'r1'")
    # No partition has r9, and the unpartitioned file's region bounds (r0..r2) exclude it too.
    assert planned(p, EqualTo("region", "r9")) == []
    # File skipping by column bounds: amounts of the last append only.
    high = GreaterThanOrEqual("amount", 1200)
    assert len(planned(p, high)) == 12
    assert pyiceberg_rows(p, high) == strata_rows(strata, p, "amount >= 1200")

    # DuckDB's iceberg extension (the one strata's build ships in .deps) reads the same rows
    # from the metadata file.
    import duckdb
    extensions = Path(__file__).resolve().parents[2] / ".deps" / "duckdb-1.4.4" / "extensions"
    con = duckdb.connect(config={"extension_directory": str(extensions)})
    con.execute("LOAD iceberg")
    rel = con.execute(f"SELECT {', '.join(COLS)} FROM iceberg_scan(?)",
                      [metadata_location(p, "silver.events")])
    names = [d[0] for d in rel.description]
    assert sorted(normalize(dict(zip(names, r))) for r in rel.fetchall()) == ours


def test_delete_merge_compact_keep_partitions(strata, project):
    p = project
    strata("-p", p, "table", "append", "silver.events", "--from", rows_sql(0, 12))
    strata("-p", p, "table", "partition", "silver.events", "--by", "month(ts), identity(region)")
    strata("-p", p, "table", "overwrite", "silver.events", "--from", rows_sql(0, 120))
    assert {f.file.spec_id for f in table(p).scan().plan_files()} == {1}
    assert len(list(table(p).scan().plan_files())) == 3  # one month x 3 regions

    out = strata("-p", p, "table", "delete", "silver.events", "--where", "region = 'r0'")
    assert "1 file(s) rewritten into 0" in out
    assert pyiceberg_rows(p) == strata_rows(strata, p)
    assert len(strata_rows(strata, p)) == 80

    strata("-p", p, "table", "merge", "silver.events", "--key", "id", "--from",
           "SELECT id, ts, 'r0' AS region, -1 AS amount FROM silver.events WHERE id < 10")
    rows = strata_rows(strata, p)
    assert pyiceberg_rows(p) == rows
    assert len(rows) == 80
    r0 = EqualTo("region", "r0")
    assert len(planned(p, r0)) == 1
    assert pyiceberg_rows(p, r0) == strata_rows(strata, p, "region = 'r0'")
    assert len(strata_rows(strata, p, "region = 'r0'")) == 6  # ids 1, 2, 4, 5, 7, 8

    strata("-p", p, "table", "append", "silver.events", "--from", rows_sql(120, 130))
    before = len(list(table(p).scan().plan_files()))
    out = strata("-p", p, "table", "compact", "silver.events")
    after = list(table(p).scan().plan_files())
    assert len(after) < before
    assert len(after) == 3  # small files merged, still one per partition
    for task in after:
        assert task.file.partition[1] in ("r0", "r1", "r2")
    assert pyiceberg_rows(p) == strata_rows(strata, p)
    assert len(planned(p, r0)) == 1


def test_bad_partition_fields_are_named(strata_bin, strata, project):
    p = project
    strata("-p", p, "table", "append", "silver.events", "--from", rows_sql(0, 12))
    for by, message in [("day(regon)", "no column 'regon'"),
                        ("hour(region)", "needs a date or timestamp column"),
                        ("zorder(id)", "unsupported transform"),
                        ("bucket(0, id)", "unsupported transform")]:
        r = subprocess.run([strata_bin, "-p", str(p), "table", "partition", "silver.events",
                            "--by", by], capture_output=True, text=True)
        assert r.returncode != 0
        assert message in r.stderr and "silver.events" in r.stderr, r.stderr


def test_truncate_partitions_are_read_by_pyiceberg(strata, project):
    p = project
    strata("-p", p, "table", "append", "silver.events", "--from", rows_sql(0, 1))
    strata("-p", p, "table", "overwrite", "silver.events", "--from", rows_sql(0, 0))
    strata("-p", p, "table", "partition", "silver.events", "--by", "truncate[10](id)")
    strata("-p", p, "table", "append", "silver.events", "--from", rows_sql(-5, 40))
    files = list(table(p).scan().plan_files())
    assert sorted(f.file.partition[0] for f in files) == [-10, 0, 10, 20, 30]
    assert pyiceberg_rows(p) == strata_rows(strata, p)
    assert len(planned(p, EqualTo("id", 15))) == 1
    assert pyiceberg_rows(p, EqualTo("id", -3)) == strata_rows(strata, p, "id = -3")


def test_bucket_partitions_match_pyicebergs_transform(strata, project):
    """bucket[N] values strata computes (Murmur3 in a DuckDB function) are the ones pyiceberg's
    own transform computes, so pyiceberg prunes by them and reads the same rows; strata prunes
    by them too."""
    from pyiceberg.transforms import BucketTransform
    from pyiceberg.types import LongType, StringType
    p = project
    strata("-p", p, "table", "append", "silver.events", "--from", rows_sql(0, 0))
    strata("-p", p, "table", "partition", "silver.events", "--by", "bucket(8, id), bucket(3, region)")
    strata("-p", p, "table", "append", "silver.events", "--from", rows_sql(0, 200))
    by_id = BucketTransform(8).transform(LongType())
    by_region = BucketTransform(3).transform(StringType())
    files = list(table(p).scan().plan_files())
    assert len(files) > 8
    import pyarrow.parquet as pq
    for task in files:
        rows = pq.read_table(task.file.file_path.replace("file://", "")).to_pylist()
        assert rows
        for row in rows:
            assert task.file.partition[0] == by_id(row["id"])
            assert task.file.partition[1] == by_region(row["region"])
    assert pyiceberg_rows(p) == strata_rows(strata, p)
    for value in (0, 17, 123, 199):
        chosen = planned(p, EqualTo("id", value))
        assert 0 < len(chosen) < len(files)
        assert pyiceberg_rows(p, EqualTo("id", value)) == strata_rows(strata, p, f"id = {value}")
        assert len(strata_rows(strata, p, f"id = {value}")) == 1
