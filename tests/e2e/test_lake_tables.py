"""End to end: `strata table` changes and maintains Iceberg tables that pyiceberg reads exactly.

    STRATA_BIN=build/release/strata python3 -m pytest tests/e2e/test_lake_tables.py

A table is built with appends, then changed by a copy-on-write delete and merges (single and
composite keys), compacted, rolled back and expired. After every step pyiceberg, knowing nothing
of strata, opens the metadata file strata's catalog names and must return exactly the rows
`strata query` returns; old snapshots stay readable by id and by time (`ns."table@…"`) until they
are expired, and then their files are gone. Errors name the table and the snapshot.
"""

import json
import subprocess
import time
from pathlib import Path

import pytest
from pyiceberg.table import StaticTable
from lake_catalog import metadata_location


def strata_rows(strata, project, sql):
    out = strata("-p", project, "-q", "query", "-f", "json", sql)
    return sorted(json.dumps(r, sort_keys=True) for r in json.loads(out))


def pyiceberg_rows(project, table, columns, snapshot_id=None):
    t = StaticTable.from_metadata(metadata_location(project, table))
    rows = t.scan(snapshot_id=snapshot_id).to_arrow().select(columns).to_pylist()
    return sorted(json.dumps(r, sort_keys=True) for r in rows)


def expect_same(strata, project, table, columns):
    ours = strata_rows(strata, project, f"SELECT {', '.join(columns)} FROM {table}")
    assert pyiceberg_rows(project, table, columns) == ours
    return ours


def current_snapshot(project, table):
    return StaticTable.from_metadata(metadata_location(project, table)).metadata.current_snapshot_id


@pytest.fixture()
def project(tmp_path, strata):
    strata("init", tmp_path / "p")
    return tmp_path / "p"


def test_changes_and_maintenance_read_identically_by_pyiceberg(strata, strata_bin, project):
    p = project
    cols = ["id", "region", "amount"]
    strata("-p", p, "table", "append", "silver.orders", "--from",
           "SELECT i AS id, 'r' || (i % 3) AS region, i * 10 AS amount FROM range(100) t(i)")
    strata("-p", p, "table", "append", "silver.orders", "--from",
           "SELECT i AS id, 'r' || (i % 3) AS region, i * 10 AS amount FROM range(100, 200) t(i)")
    first = current_snapshot(p, "silver.orders")
    first_time = StaticTable.from_metadata(
        metadata_location(p, "silver.orders")).metadata.snapshot_by_id(first).timestamp_ms
    assert len(expect_same(strata, p, "silver.orders", cols)) == 200
    time.sleep(1.0)  # so that a time with whole seconds falls between this snapshot and the next

    out = strata("-p", p, "table", "delete", "silver.orders", "--where", "id >= 150")
    assert "50 rows deleted; 1 file(s) rewritten into 1" in out
    after_delete = expect_same(strata, p, "silver.orders", cols)
    assert len(after_delete) == 150

    out = strata("-p", p, "table", "merge", "silver.orders", "--key", "id", "--from",
                 "SELECT i AS id, 'new' AS region, -1 AS amount FROM range(140, 160) t(i)")
    assert "10 updated, 10 inserted" in out
    rows = expect_same(strata, p, "silver.orders", cols)
    assert len(rows) == 160
    assert strata_rows(strata, p, "SELECT count(*) AS n FROM silver.orders WHERE amount = -1") \
        == ['{"n": 20}']

    # Composite key and CDC deletes.
    strata("-p", p, "table", "append", "silver.pairs", "--from",
           "SELECT i % 4 AS a, i // 4 AS b, i AS n FROM range(40) t(i)")
    out = strata("-p", p, "table", "merge", "silver.pairs", "--key", "a,b", "--delete-when",
                 "op = 'D'", "--from",
                 "SELECT * FROM (VALUES (0, 0, 1000, 'U'), (1, 0, 0, 'D'), (3, 99, 7, 'I')) "
                 "s(a, b, n, op)")
    assert "1 updated, 1 inserted, 1 row deleted" in out
    pairs = expect_same(strata, p, "silver.pairs", ["a", "b", "n"])
    assert len(pairs) == 40
    assert '{"a": 0, "b": 0, "n": 1000}' in pairs and '{"a": 1, "b": 0, "n": 1}' not in pairs

    out = strata("-p", p, "table", "compact", "silver.orders")
    assert "rows unchanged" in out
    assert expect_same(strata, p, "silver.orders", cols) == rows
    meta = StaticTable.from_metadata(metadata_location(p, "silver.orders")).metadata
    assert meta.current_snapshot().summary.operation.value == "replace"

    # Time travel, by id and by time, in strata and pyiceberg alike.
    old = strata_rows(strata, p, f'SELECT {", ".join(cols)} FROM silver."orders@{first}"')
    assert len(old) == 200
    assert pyiceberg_rows(p, "silver.orders", cols, snapshot_id=first) == old
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(first_time / 1000 + 0.999))
    assert strata_rows(strata, p, f'SELECT {", ".join(cols)} FROM silver."orders@{stamp}Z"') \
        == old

    # Snapshots and history say what happened.
    listing = strata("-p", p, "table", "snapshots", "silver.orders")
    for operation in ("append", "overwrite", "replace"):
        assert operation in listing
    show = strata("-p", p, "table", "show", "silver.orders")
    assert "unpartitioned" in show and "amount" in show and "160" in show

    # Rollback is a new metadata version pointing at the old snapshot.
    strata("-p", p, "table", "rollback", "silver.orders", "--to-snapshot", first)
    assert current_snapshot(p, "silver.orders") == first
    assert expect_same(strata, p, "silver.orders", cols) == old
    history = strata("-p", p, "table", "history", "silver.orders")
    assert history.count(str(first)) >= 2  # made current twice

    # Expire everything but the current snapshot: rows unchanged, old files gone.
    before_files = {str(f) for f in (p / ".strata/lake/silver/orders/data").rglob("*.parquet")}
    out = strata("-p", p, "table", "expire", "silver.orders", "--retain-last", "1")
    assert "expired 4 snapshot(s)" in out
    assert expect_same(strata, p, "silver.orders", cols) == old
    after_files = {str(f) for f in (p / ".strata/lake/silver/orders/data").rglob("*.parquet")}
    assert after_files < before_files
    live = {f.file.file_path for f in StaticTable.from_metadata(
        metadata_location(p, "silver.orders")).scan().plan_files()}
    assert after_files == live

    # Errors name the table and the snapshot.
    bad = subprocess.run([strata_bin, "-p", str(p), "table", "rollback", "silver.orders",
                          "--to-snapshot", "12345"], capture_output=True, text=True)
    assert bad.returncode == 4
    assert "silver.orders" in bad.stderr and "12345" in bad.stderr
    bad = subprocess.run([strata_bin, "-p", str(p), "query",
                          'SELECT * FROM silver."orders@2001-01-01T00:00:00Z"'],
                         capture_output=True, text=True)
    assert bad.returncode == 4 and "silver.orders" in bad.stderr
    bad = subprocess.run([strata_bin, "-p", str(p), "table", "merge", "silver.orders", "--key",
                          "id", "--from", "SELECT 1 AS id UNION ALL SELECT 1"],
                         capture_output=True, text=True)
    assert bad.returncode == 4 and "silver.orders" in bad.stderr and "duplicate" not in bad.stdout


def test_damaged_files_are_named_and_other_tables_still_read(strata, strata_bin, project):
    p = project
    for name in ("a", "b"):
        for _ in range(2):
            strata("-p", p, "table", "append", f"silver.{name}", "--from", "SELECT 1 AS x")
    location = Path(metadata_location(p, "silver.a"))
    meta = StaticTable.from_metadata(str(location)).metadata
    manifest_list = meta.current_snapshot().manifest_list
    data_file = next((p / ".strata/lake/silver/a/data").rglob("*.parquet"))

    def query(sql):
        return subprocess.run([strata_bin, "-p", str(p), "query", sql], capture_output=True,
                              text=True)

    data_file.write_bytes(b"garbage")
    r = query("SELECT * FROM silver.a")
    assert r.returncode != 0 and str(data_file) in r.stderr
    Path(manifest_list).unlink()
    r = query("SELECT * FROM silver.a")
    assert r.returncode != 0 and manifest_list in r.stderr
    location.write_text("{not json")
    r = query("SELECT * FROM silver.a")
    assert r.returncode != 0 and str(location) in r.stderr
    assert query("SELECT count(*) FROM silver.b").returncode == 0  # the other table still reads
    listing = strata("-p", p, "table", "list")
    assert "unreadable" in listing
