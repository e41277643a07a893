"""The Iceberg REST catalog of `strata serve` (at /iceberg on the HTTP listener), driven by a real
client: pyiceberg's RestCatalog, with a bearer token.

pyiceberg loads a table strata wrote and reads the rows `strata query` returns; creates a table and
appends to it through the catalog, and `strata query` then reads those rows; two writers commit on
the same base and exactly one wins, the other gets CommitFailedException; strata appends on top of
the pyiceberg table; a schema change through the catalog (rename, drop) keeps the renamed column's
data in strata (columns are read by field id) and the old snapshot still reads with its schema;
rename and drop (with purge) are visible to strata; errors carry the spec's types."""
import json
import os
import shutil
import subprocess
import urllib.request
import urllib.error
from pathlib import Path

import pyarrow as pa
import pytest
from pyiceberg.catalog.rest import RestCatalog
from pyiceberg.exceptions import (CommitFailedException, NamespaceNotEmptyError,
                                  NoSuchTableError, TableAlreadyExistsError)

from serve_process import free_port, stop, wait_until_ready

TOKEN = "rest-token"


def run(strata_bin, *args, cwd):
    result = subprocess.run([strata_bin, *map(str, args)], cwd=cwd, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, f"strata {args}: {result.stderr}"
    return result.stdout


def query(strata_bin, root, sql):
    return json.loads(run(strata_bin, "query", "-f", "json", sql, cwd=root))


def rows_of(result):
    out = result["rows"] if isinstance(result, dict) else result
    return [list(r.values()) if isinstance(r, dict) else list(r) for r in out]


def raw(port, method, path, body=None):
    request = urllib.request.Request(f"http://127.0.0.1:{port}/iceberg{path}", method=method,
                                     data=json.dumps(body).encode() if body is not None else None,
                                     headers={"Authorization": f"Bearer {TOKEN}",
                                              "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            data = response.read()
            return response.status, json.loads(data) if data else None
    except urllib.error.HTTPError as e:
        data = e.read()
        return e.code, json.loads(data) if data else None


def served_query(port, sql):
    """A query through the server's HTTP API (its attached lake), as JSON."""
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/v1/query", method="POST",
        data=json.dumps({"sql": sql}).encode(),
        headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


@pytest.fixture(scope="module")
def server(strata_bin, tmp_path_factory):
    root = tmp_path_factory.mktemp("rest") / "proj"
    run(strata_bin, "init", root, cwd=root.parent)
    run(strata_bin, "table", "append", "silver.orders", "--from",
        "SELECT range AS id, 'n' || range AS name, (range * 1.5)::DECIMAL(10, 2) AS amount "
        "FROM range(5)", cwd=root)
    port, pg_port = free_port(), free_port()
    log_path = root.parent / "serve.log"
    env = dict(os.environ, STRATA_HTTP_TOKEN=TOKEN)
    with open(log_path, "w") as log:
        process = subprocess.Popen([strata_bin, "serve", "--pg-port", str(pg_port),
                                    "--http-port", str(port), "--no-scheduler"], cwd=root,
                                   stdout=log, stderr=subprocess.STDOUT, env=env)
    try:
        wait_until_ready(lambda: raw(port, "GET", "/v1/config")[0] == 200, process, log_path,
                         f"serve the REST catalog on {port}")
        catalog = RestCatalog("strata", uri=f"http://127.0.0.1:{port}/iceberg", token=TOKEN)
        yield root, port, catalog
    finally:
        stop(process)


def test_config_and_token(server):
    root, port, catalog = server
    status, body = raw(port, "GET", "/v1/config")
    assert status == 200 and "GET /v1/{prefix}/namespaces" in body["endpoints"]
    request = urllib.request.Request(f"http://127.0.0.1:{port}/iceberg/v1/namespaces")
    with pytest.raises(urllib.error.HTTPError) as error:
        urllib.request.urlopen(request, timeout=30)
    assert error.value.code == 401


def test_pyiceberg_reads_a_strata_table(server, strata_bin):
    root, port, catalog = server
    assert ("silver",) in catalog.list_namespaces()
    assert ("silver", "orders") in catalog.list_tables("silver")
    table = catalog.load_table("silver.orders")
    got = sorted((r["id"], r["name"], float(r["amount"]))
                 for r in table.scan().to_arrow().to_pylist())
    want = sorted((r[0], r[1], float(r[2])) for r in
                  rows_of(query(strata_bin, root, "SELECT id, name, amount FROM silver.orders")))
    assert got == want and len(got) == 5


def test_pyiceberg_creates_and_appends_strata_reads(server, strata_bin):
    root, port, catalog = server
    catalog.create_namespace("ext", {"owner": "tests"})
    assert catalog.load_namespace_properties("ext")["owner"] == "tests"
    schema = pa.schema([pa.field("k", pa.int64()), pa.field("v", pa.string())])
    table = catalog.create_table("ext.events", schema=schema)
    with pytest.raises(TableAlreadyExistsError):
        catalog.create_table("ext.events", schema=schema)
    table.append(pa.table({"k": [1, 2, 3], "v": ["a", "b", "c"]}))
    table.append(pa.table({"k": [4], "v": ["d"]}))
    got = rows_of(query(strata_bin, root, "SELECT k, v FROM ext.events ORDER BY k"))
    assert got == [[1, "a"], [2, "b"], [3, "c"], [4, "d"]]
    # strata appends on top of what pyiceberg committed; pyiceberg sees both.
    run(strata_bin, "table", "append", "ext.events", "--from", "SELECT 5::BIGINT AS k, 'e' AS v",
        cwd=root)
    rows = catalog.load_table("ext.events").scan().to_arrow().to_pylist()
    assert sorted((r["k"], r["v"]) for r in rows) == [(1, "a"), (2, "b"), (3, "c"), (4, "d"),
                                                      (5, "e")]


def test_concurrent_commits_one_wins(server, strata_bin):
    root, port, catalog = server
    schema = pa.schema([pa.field("k", pa.int64())])
    catalog.create_table("ext.race", schema=schema)
    first, second = catalog.load_table("ext.race"), catalog.load_table("ext.race")
    first.append(pa.table({"k": [1]}))
    with pytest.raises(CommitFailedException):
        second.append(pa.table({"k": [2]}))
    assert rows_of(query(strata_bin, root, "SELECT k FROM ext.race")) == [[1]]
    # Reloaded on the winner's metadata, the second writer's append lands.
    catalog.load_table("ext.race").append(pa.table({"k": [2]}))
    assert rows_of(query(strata_bin, root, "SELECT k FROM ext.race ORDER BY k")) == [[1], [2]]


def test_stale_requirement_is_commit_failed(server):
    root, port, catalog = server
    status, body = raw(port, "POST", "/v1/namespaces/silver/tables/orders",
                       {"requirements": [{"type": "assert-current-schema-id",
                                          "current-schema-id": 42}],
                        "updates": [{"action": "set-properties", "updates": {"a": "b"}}]})
    assert status == 409 and body["error"]["type"] == "CommitFailedException"
    status, body = raw(port, "POST", "/v1/namespaces/silver/tables/orders",
                       {"requirements": [], "updates": [{"action": "no-such-update"}]})
    assert status == 400 and body["error"]["type"] == "BadRequestException"
    status, body = raw(port, "GET", "/v1/namespaces/silver/tables/nope")
    assert status == 404 and body["error"]["type"] == "NoSuchTableException"


def test_schema_evolution_keeps_data_by_field_id(server, strata_bin):
    root, port, catalog = server
    schema = pa.schema([pa.field("id", pa.int64()), pa.field("name", pa.string()),
                        pa.field("extra", pa.string())])
    table = catalog.create_table("ext.people", schema=schema)
    table.append(pa.table({"id": [1, 2], "name": ["ann", "bob"], "extra": ["x", "y"]}))
    old_snapshot = catalog.load_table("ext.people").current_snapshot().snapshot_id
    served = served_query(port, "SELECT * FROM ext.people ORDER BY id")
    assert [c["name"] for c in served["columns"]] == ["id", "name", "extra"]
    with table.update_schema() as update:
        update.rename_column("name", "label")
        update.delete_column("extra")
    got = query(strata_bin, root, "SELECT * FROM ext.people ORDER BY id")
    assert list(got[0].keys()) == ["id", "label"]
    assert rows_of(got) == [[1, "ann"], [2, "bob"]]
    # The running server re-attaches the table after the schema-only commit.
    served = served_query(port, "SELECT * FROM ext.people ORDER BY id")
    assert [c["name"] for c in served["columns"]] == ["id", "label"]
    assert served["rows"] == [[1, "ann"], [2, "bob"]]
    # strata writes the renamed column under its field id; pyiceberg reads old and new rows.
    run(strata_bin, "table", "append", "ext.people", "--from",
        "SELECT 3::BIGINT AS id, 'cid' AS label", cwd=root)
    rows = catalog.load_table("ext.people").scan().to_arrow().to_pylist()
    assert sorted((r["id"], r["label"]) for r in rows) == [(1, "ann"), (2, "bob"), (3, "cid")]
    old = catalog.load_table("ext.people").scan(snapshot_id=old_snapshot).to_arrow()
    assert sorted(old.column("id").to_pylist()) == [1, 2]


def test_rename_and_drop_visible_to_strata(server, strata_bin):
    root, port, catalog = server
    schema = pa.schema([pa.field("k", pa.int64())])
    catalog.create_table("ext.moving", schema=schema).append(pa.table({"k": [7]}))
    catalog.rename_table("ext.moving", "silver.moved")
    assert rows_of(query(strata_bin, root, "SELECT k FROM silver.moved")) == [[7]]
    assert "ext.moving" not in run(strata_bin, "table", "list", cwd=root)
    location = catalog.load_table("silver.moved").location()
    catalog.purge_table("silver.moved")
    with pytest.raises(NoSuchTableError):
        catalog.load_table("silver.moved")
    assert "silver.moved" not in run(strata_bin, "table", "list", cwd=root)
    assert not Path(location).exists()
    catalog.create_namespace("empty_ns")
    catalog.drop_namespace("empty_ns")
    with pytest.raises(NamespaceNotEmptyError):
        catalog.drop_namespace("silver")


def test_strata_table_alter(server, strata_bin):
    """`strata table alter`: rename, drop, move, widen by field id; old snapshots keep their
    schema for pyiceberg, renamed columns keep their data in both readers."""
    root, port, catalog = server
    run(strata_bin, "table", "append", "gold.scores", "--from",
        "SELECT range::INTEGER AS a, 'n' || range AS b, (range / 2)::DECIMAL(6, 2) AS c, "
        "true AS gone FROM range(3)", cwd=root)
    old_snapshot = catalog.load_table("gold.scores").current_snapshot().snapshot_id
    for change in (["--rename-column", "b=label"], ["--drop-column", "gone"],
                   ["--widen", "a=long"], ["--widen", "c=decimal(12, 2)"],
                   ["--move-first", "label"]):
        run(strata_bin, "table", "alter", "gold.scores", *change, cwd=root)
    bad = subprocess.run([strata_bin, "table", "alter", "gold.scores", "--widen", "c=double"],
                         cwd=root, capture_output=True, text=True)
    assert bad.returncode == 4 and "cannot change column 'c'" in bad.stderr
    run(strata_bin, "table", "append", "gold.scores", "--from",
        "SELECT 'new' AS label, 9::BIGINT AS a, 4.5::DECIMAL(12, 2) AS c", cwd=root)
    got = query(strata_bin, root, "SELECT * FROM gold.scores ORDER BY a")
    assert list(got[0].keys()) == ["label", "a", "c"]
    assert [(r["label"], r["a"], float(r["c"])) for r in got] == [
        ("n0", 0, 0.0), ("n1", 1, 0.5), ("n2", 2, 1.0), ("new", 9, 4.5)]
    table = catalog.load_table("gold.scores")
    assert [f.name for f in table.schema().fields] == ["label", "a", "c"]
    assert str(table.schema().find_field("c").field_type) == "decimal(12, 2)"
    rows = table.scan().to_arrow().to_pylist()
    assert sorted((r["label"], r["a"]) for r in rows) == [("n0", 0), ("n1", 1), ("n2", 2),
                                                          ("new", 9)]
    old = table.scan(snapshot_id=old_snapshot).to_arrow()
    assert old.column_names == ["a", "b", "c", "gone"] and old.num_rows == 3


def test_duckdb_attaches_the_catalog_and_reads_the_same_rows(server, strata_bin):
    """DuckDB's iceberg extension (PyPI duckdb of strata's DuckDB version, the extension strata's
    build ships) attaches the REST catalog with the bearer token and reads a partitioned table
    with evolved schema exactly as `strata query` does."""
    import duckdb
    root, port, catalog = server
    run(strata_bin, "table", "append", "gold.duck", "--from",
        "SELECT range AS id, 'r' || (range % 3) AS region, (range * 1.25)::DECIMAL(10, 2) AS amount, "
        "DATE '2024-01-01' + range::INTEGER AS day, TIMESTAMPTZ '2024-01-01 00:00:00+00' + "
        "range * INTERVAL 5 HOUR AS ts FROM range(20)", cwd=root)
    run(strata_bin, "table", "partition", "gold.duck", "--by", "region, bucket(4, id)", cwd=root)
    run(strata_bin, "table", "append", "gold.duck", "--from",
        "SELECT range AS id, 'r' || (range % 3) AS region, (range * 1.25)::DECIMAL(10, 2) AS amount, "
        "DATE '2024-01-01' + range::INTEGER AS day, TIMESTAMPTZ '2024-01-01 00:00:00+00' + "
        "range * INTERVAL 5 HOUR AS ts FROM range(20, 50)", cwd=root)
    run(strata_bin, "table", "alter", "gold.duck", "--rename-column", "amount=total", cwd=root)
    columns = "id, region, CAST(total AS VARCHAR) AS total, CAST(day AS VARCHAR) AS day, " \
              "CAST(epoch_us(ts) AS BIGINT) AS ts"
    want = sorted(tuple(r.values()) for r in query(
        strata_bin, root, f"SELECT {columns} FROM gold.duck"))
    assert len(want) == 50

    extensions = Path(__file__).resolve().parents[2] / ".deps" / f"duckdb-{duckdb.__version__}" / \
        "extensions"
    con = duckdb.connect(config={"extension_directory": str(extensions)})
    con.execute("LOAD iceberg")
    con.execute(f"CREATE SECRET strata_rest (TYPE iceberg, TOKEN '{TOKEN}')")
    con.execute(f"ATTACH 'strata' AS lake (TYPE iceberg, SECRET strata_rest, "
                f"ENDPOINT 'http://127.0.0.1:{port}/iceberg')")
    tables = {(r[1], r[2]) for r in con.execute("SHOW ALL TABLES").fetchall()
              if r[0] == "lake"}
    assert ("gold", "duck") in tables and ("silver", "orders") in tables
    got = sorted(con.execute(f"SELECT {columns} FROM lake.gold.duck").fetchall())
    assert got == want
    # A filtered read through the catalog matches strata's filtered read.
    where = "region = 'r1' AND id >= 10"
    want_some = sorted(tuple(r.values()) for r in query(
        strata_bin, root, f"SELECT {columns} FROM gold.duck WHERE {where}"))
    got_some = sorted(con.execute(f"SELECT {columns} FROM lake.gold.duck WHERE {where}").fetchall())
    assert got_some == want_some and len(got_some) > 0


def test_strata_reads_and_prunes_a_bucket_table_pyiceberg_wrote(server, strata_bin):
    from pyiceberg.partitioning import PartitionField, PartitionSpec
    from pyiceberg.schema import Schema
    from pyiceberg.transforms import BucketTransform
    from pyiceberg.types import LongType, NestedField, StringType
    root, port, catalog = server
    schema = Schema(NestedField(1, "id", LongType(), required=False),
                    NestedField(2, "name", StringType(), required=False))
    spec = PartitionSpec(PartitionField(source_id=1, field_id=1000, transform=BucketTransform(4),
                                        name="id_bucket"))
    table = catalog.create_table("ext.buckets", schema=schema, partition_spec=spec)
    table.append(pa.table({"id": pa.array(range(40), pa.int64()),
                           "name": [f"n{i}" for i in range(40)]}))
    files = list(catalog.load_table("ext.buckets").scan().plan_files())
    assert len(files) == 4
    got = query(strata_bin, root, "SELECT id, name FROM ext.buckets ORDER BY id")
    assert rows_of(got) == [[i, f"n{i}"] for i in range(40)]
    # strata's pruning uses the bucket values pyiceberg wrote: id = 7 reads one file of four.
    result = subprocess.run([strata_bin, "--log-level", "debug", "--log-format", "json", "query",
                             "-f", "json", "SELECT id, name FROM ext.buckets WHERE id = 7"],
                            cwd=root, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert rows_of(json.loads(result.stdout)) == [[7, "n7"]]
    events = [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]
    pruning = [e for e in events if e.get("msg") == "file pruning"]
    assert pruning and pruning[0]["read"] == 1 and pruning[0]["files"] == 4
