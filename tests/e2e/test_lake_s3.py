"""The lake on S3-compatible storage (`lake: {path: s3://bucket/prefix, s3: ...}`), against a real
S3 API server (moto's, see s3_server.py): tables are created, appended, merged, queried and read
at an old snapshot with every file in the bucket and none on local disk; pyiceberg and DuckDB's
iceberg extension read the same rows from the bucket on their own; expiry and orphan cleanup
delete objects; a writer SIGKILLed mid-commit leaves the table readable with whole commits only.
The settings also come from the AWS_* environment variables."""

import json
import os
import random
import signal
import subprocess
import time

import duckdb
import pytest

from lake_catalog import metadata_location
from s3_server import (ACCESS_KEY, REGION, SECRET_KEY, no_aws_environment,  # noqa: F401
                       s3_server)  # noqa: F401  (the fixtures)
from source_checks import query, run


@pytest.fixture(autouse=True)
def clean_environment(no_aws_environment):
    pass


def s3_project(root, server, bucket, settings=True):
    root.mkdir(parents=True, exist_ok=True)
    text = f"name: s3lake\nlake:\n  path: s3://{bucket}/warehouse\n"
    if settings:
        text += (f"  s3:\n    endpoint: {server.endpoint}\n    region: {REGION}\n"
                 f"    path_style: true\n    access_key_id: {ACCESS_KEY}\n"
                 f"    secret_access_key: {SECRET_KEY}\n")
    (root / "strata.yml").write_text(text)
    return root


def ok(strata_bin, root, *args):
    proc = run(strata_bin, root, *args)
    assert proc.returncode == 0, f"{args} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout


def keys(server, bucket):
    pages = server.client().get_paginator("list_objects_v2").paginate(Bucket=bucket)
    return sorted(o["Key"] for page in pages for o in page.get("Contents", []))


def test_tables_live_in_the_bucket_and_other_readers_read_them(s3_server, strata_bin, tmp_path):
    bucket = s3_server.create_bucket("lake-ops")
    root = s3_project(tmp_path / "p", s3_server, bucket)
    ok(strata_bin, root, "table", "append", "silver.orders", "--from",
       "SELECT i AS id, 'r' || (i % 4) AS region, i * 1.5 AS amount FROM range(1000) t(i)")
    first = query(strata_bin, root, "SELECT count(*) AS n, sum(id) AS s FROM silver.orders")
    assert first == [{"n": 1000, "s": 499500}]
    before_merge = metadata_location(root, "silver.orders")
    ok(strata_bin, root, "table", "append", "silver.orders", "--from",
       "SELECT i AS id, 'r9' AS region, 0.0 AS amount FROM range(1000, 1010) t(i)")
    ok(strata_bin, root, "table", "merge", "silver.orders", "--key", "id", "--from",
       "SELECT 5 AS id, 'updated' AS region, 7.0 AS amount "
       "UNION ALL SELECT 5000, 'new', 1.0")
    rows = query(strata_bin, root, "SELECT count(*) AS n, max(id) AS top, "
                 "max(region) FILTER (WHERE id = 5) AS r5 FROM silver.orders")
    assert rows == [{"n": 1011, "top": 5000, "r5": "updated"}]

    # Everything is in the bucket; nothing of the lake on local disk.
    stored = keys(s3_server, bucket)
    assert any(k.endswith(".parquet") for k in stored)
    assert any(k.endswith(".avro") for k in stored)
    assert "warehouse/silver/orders/metadata/version-hint.text" in stored
    assert not (root / ".strata" / "lake").exists()
    current = metadata_location(root, "silver.orders")
    assert current.startswith(f"s3://{bucket}/warehouse/silver/orders/metadata/")

    # Time travel to the first snapshot.
    snapshots = ok(strata_bin, root, "table", "snapshots", "silver.orders")
    first_id = snapshots.split("\n")[2].split()[0]
    old = query(strata_bin, root, f'SELECT count(*) AS n FROM silver."orders@{first_id}"')
    assert old == [{"n": 1000}]

    # pyiceberg reads the same rows from the bucket.
    from pyiceberg.table import StaticTable
    properties = {"s3.endpoint": s3_server.endpoint, "s3.access-key-id": ACCESS_KEY,
                  "s3.secret-access-key": SECRET_KEY, "s3.region": REGION,
                  "s3.force-virtual-addressing": "false"}
    table = StaticTable.from_metadata(current, properties=properties).scan().to_arrow()
    assert table.num_rows == 1011
    by_id = {r["id"]: r["region"] for r in table.select(["id", "region"]).to_pylist()}
    assert by_id[5] == "updated" and by_id[5000] == "new"
    assert StaticTable.from_metadata(before_merge, properties=properties).scan().to_arrow() \
        .num_rows == 1000

    # DuckDB's iceberg extension too.
    db = duckdb.connect()
    db.execute("SET extension_directory = ?", [os.environ.get(
        "STRATA_DUCKDB_EXTENSIONS", f"{os.environ['STRATA_SOURCE_DIR']}/.deps/duckdb-1.4.4/extensions")])
    db.execute("LOAD httpfs; LOAD iceberg")
    db.execute(f"CREATE SECRET (TYPE s3, KEY_ID '{ACCESS_KEY}', SECRET '{SECRET_KEY}', "
               f"REGION '{REGION}', ENDPOINT '{s3_server.endpoint[7:]}', URL_STYLE 'path', "
               "USE_SSL false)")
    assert db.execute(f"SELECT count(*), sum(id) FROM iceberg_scan('{current}')").fetchone() == \
        (1011, 499500 - 5 + 5 + sum(range(1000, 1010)) + 5000)

    # Expiry deletes the objects only old snapshots used; orphan cleanup deletes stray objects.
    s3_server.put(bucket, "warehouse/silver/orders/data/stray/part_0.parquet", b"junk")
    ok(strata_bin, root, "table", "expire", "silver.orders", "--retain-last", "1")
    after = keys(s3_server, bucket)
    assert len([k for k in after if k.endswith(".parquet")]) < \
        len([k for k in stored if k.endswith(".parquet")]) + 1
    out = ok(strata_bin, root, "table", "remove-orphans", "--older-than", "0s")
    assert "warehouse/silver/orders/data/stray/part_0.parquet" not in keys(s3_server, bucket), out
    assert query(strata_bin, root, "SELECT count(*) AS n FROM silver.orders") == [{"n": 1011}]


def test_settings_from_the_aws_environment(s3_server, strata_bin, tmp_path, monkeypatch):
    bucket = s3_server.create_bucket("lake-env")
    root = s3_project(tmp_path / "p", s3_server, bucket, settings=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ACCESS_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
    monkeypatch.setenv("AWS_REGION", REGION)
    monkeypatch.setenv("AWS_ENDPOINT_URL", s3_server.endpoint)
    # moto answers virtual-host requests for <bucket>.127.0.0.1 only by path: path style is
    # the one setting that has no AWS variable, so give it the moto way (a host it resolves).
    text = (root / "strata.yml").read_text() + "  s3: {path_style: true}\n"
    (root / "strata.yml").write_text(text)
    ok(strata_bin, root, "table", "append", "bronze.events", "--from",
       "SELECT range AS id FROM range(10)")
    assert query(strata_bin, root, "SELECT sum(id) AS s FROM bronze.events") == [{"s": 45}]
    assert any(k.startswith("warehouse/bronze/events/data/") for k in keys(s3_server, bucket))


def test_unreachable_storage_is_a_storage_error_naming_the_object(strata_bin, tmp_path):
    root = tmp_path / "p"
    root.mkdir()
    (root / "strata.yml").write_text(
        "name: s3lake\nlake:\n  path: s3://nowhere/wh\n  s3: {endpoint: http://127.0.0.1:9, "
        "path_style: true, access_key_id: a, secret_access_key: b}\n")
    proc = run(strata_bin, root, "table", "append", "silver.t", "--from", "SELECT 1 AS id")
    assert proc.returncode in (5, 6), proc.stderr
    assert "s3://nowhere/wh/silver/t" in proc.stderr


def test_a_killed_writer_leaves_the_table_readable(s3_server, strata_bin, tmp_path):
    bucket = s3_server.create_bucket("lake-kill")
    root = s3_project(tmp_path / "p", s3_server, bucket)
    rng = random.Random(4)
    batch = 500
    for attempt in range(12):
        proc = subprocess.Popen(
            [strata_bin, "--project", str(root), "table", "append", "silver.k", "--from",
             f"SELECT {attempt} AS batch, i AS id FROM range({batch}) t(i)"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.05, 1.2))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
        proc.wait()
    proc = run(strata_bin, root, "query", "-f", "json",
               "SELECT batch, count(*) AS n FROM silver.k GROUP BY batch ORDER BY batch")
    if "no such table" in proc.stderr or "does not exist" in proc.stderr:
        pytest.skip("every writer was killed before its first commit")
    assert proc.returncode == 0, proc.stderr
    rows = json.loads(proc.stdout)
    # Whole commits only: every batch that is there is there once, completely.
    assert all(r["n"] == batch for r in rows), rows
    snapshots = ok(strata_bin, root, "table", "snapshots", "silver.k")
    assert snapshots.count("append") == len(rows)
    ok(strata_bin, root, "table", "remove-orphans", "--older-than", "0s")
    assert query(strata_bin, root, "SELECT count(*) AS n FROM silver.k") == [{"n": batch * len(rows)}]
