"""Pipeline steps that meet files and object storage, end to end: a sensor that waits for files
of a source that no load has read yet (local and on S3), after which the pipeline's ingest step
loads them, and exports of a query to s3:// paths in Parquet, CSV and JSON, read back from the S3
server (moto's, see s3_server.py) by boto3 and DuckDB's Python client as independent readers.

    STRATA_BIN=build/release/strata python3 -m pytest tests/e2e/test_orchestrate_files_s3.py
"""
import re
import subprocess
import time

import duckdb
import pytest

from orchestrate_server import cli
from s3_server import (ACCESS_KEY, REGION, SECRET_KEY, no_aws_environment,  # noqa: F401
                       s3_server)  # noqa: F401  (the fixtures)

AT = "2021-12-05T12:00"
NEW_ROWS = "id,name,country,signed_up_at\n900,Late Arrival,nl,2024-02-01T00:00:00+00:00\n" \
           "901,Later Still,de,2024-02-02T00:00:00+00:00\n"


@pytest.fixture(autouse=True)
def clean_environment(no_aws_environment):
    pass


def make_project(tmp_path, strata_bin, text):
    root = tmp_path / "proj"
    subprocess.run([strata_bin, "init", str(root)], check=True, capture_output=True, timeout=120)
    with open(root / "strata.yml", "a", encoding="utf-8") as config:
        config.write(text)
    return root


def count(strata_bin, project, sql):
    out = cli(strata_bin, project, "query", "-f", "csv", sql).stdout
    return int(out.splitlines()[1])


def wait_for_running(proc, project, strata_bin, pipeline):
    """The id of the pipeline's run once it is running, and a second more (its sensor pokes)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()
        runs = cli(strata_bin, project, "pipeline", "runs", pipeline).stdout
        found = re.search(r"^(\d+)\s.*\brunning\b", runs, re.MULTILINE)
        if found:
            time.sleep(1)
            return found.group(1)
        time.sleep(0.2)
    raise AssertionError("the run never started")


def test_a_sensor_waits_for_new_files_then_the_pipeline_ingests_them(tmp_path, strata_bin):
    project = make_project(tmp_path, strata_bin, """
pipelines:
  arrivals:
    steps:
      - {name: wait, kind: sensor, wait_for: {new_files: shop.customers}, poke: 200ms,
         timeout: 60s}
      - {name: load, kind: ingest, select: [shop.customers]}
  impatient:
    steps:
      - {name: wait, kind: sensor, wait_for: {new_files: shop}, poke: 100ms, timeout: 1s}
""")
    cli(strata_bin, project, "ingest")
    before = count(strata_bin, project, "SELECT count(*) FROM shop.customers")
    # Everything is loaded: nothing new, the sensor times out.
    proc = cli(strata_bin, project, "pipeline", "run", "impatient", check=False)
    assert proc.returncode == 1 and re.search(r"FAILED\s+wait\s+.*timed out after 1s",
                                              proc.stdout), proc.stdout

    waiting = subprocess.Popen(
        [strata_bin, "--project", str(project), "pipeline", "run", "arrivals"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        run_id = wait_for_running(waiting, project, strata_bin, "arrivals")
        new_file = project / "data" / "customers" / "customers-0002.csv"
        new_file.write_text(NEW_ROWS)
        out, err = waiting.communicate(timeout=120)
    finally:
        if waiting.poll() is None:
            waiting.kill()
    assert waiting.returncode == 0, out + err
    assert re.search(rf"Run {run_id} succeeded", out), out
    logs = cli(strata_bin, project, "pipeline", "logs", run_id).stdout
    assert "waiting for new files in shop.customers, poking every 200ms" in logs, logs
    assert f"new file shop.customers: {new_file}" in logs, logs
    pokes = int(re.search(r"ready after (\d+) poke\(s\): new files in shop\.customers",
                          logs).group(1))
    assert pokes > 1, logs  # it had to wait for the file
    assert "shop.customers: 1 file(s)" in logs and "2 rows read = 2 loaded" in logs, logs
    assert count(strata_bin, project, "SELECT count(*) FROM shop.customers") == before + 2
    assert count(strata_bin, project,
                 "SELECT count(*) FROM shop.customers WHERE id IN (900, 901)") == 2

    # The pipeline's load made the file "loaded" for the sensor too.
    proc = cli(strata_bin, project, "pipeline", "run", "impatient", check=False)
    assert proc.returncode == 1 and "timed out after 1s" in proc.stdout, proc.stdout
    # A file that changed after it was loaded is not new (ingest reloads it only when asked).
    new_file.write_text(NEW_ROWS + "902,Changed,fr,2024-02-03T00:00:00+00:00\n")
    proc = cli(strata_bin, project, "pipeline", "run", "impatient", check=False)
    assert proc.returncode == 1 and "timed out after 1s" in proc.stdout, proc.stdout


def write_config(project, sources, pipelines):
    """strata.yml of `strata init`'s project with more sources and the given pipelines."""
    text = (project / "strata.yml").read_text()
    text = text.replace("\nsources:\n", "\nsources:\n" + sources, 1)
    (project / "strata.yml").write_text(text + pipelines)


def test_a_sensor_sees_new_objects_on_s3(tmp_path, strata_bin, s3_server):  # noqa: F811
    bucket = s3_server.create_bucket("sensor-inbox")
    project = make_project(tmp_path, strata_bin, "")
    write_config(project, f"""  inbox:
    kind: files
    s3: {{endpoint: "{s3_server.endpoint}", region: {REGION}, path_style: true,
         access_key_id: {ACCESS_KEY}, secret_access_key: {SECRET_KEY}}}
    tables:
      orders: s3://{bucket}/orders/*.csv
""", """
pipelines:
  inbox:
    steps:
      - {name: wait, kind: sensor, wait_for: {new_files: inbox.orders}, poke: 100ms,
         timeout: 2s}
      - {name: load, kind: ingest, select: [inbox]}
""")
    proc = cli(strata_bin, project, "pipeline", "run", "inbox", check=False)
    assert proc.returncode == 1 and "timed out after 2s" in proc.stdout, proc.stdout
    s3_server.put(bucket, "orders/a.csv", "id,amount\n1,10\n2,20\n")
    out = cli(strata_bin, project, "pipeline", "run", "inbox").stdout
    run_id = re.search(r"Run (\d+) succeeded", out).group(1)
    logs = cli(strata_bin, project, "pipeline", "logs", run_id).stdout
    assert f"new file inbox.orders: s3://{bucket}/orders/a.csv" in logs, logs
    assert count(strata_bin, project, "SELECT sum(amount) FROM inbox.orders") == 30
    proc = cli(strata_bin, project, "pipeline", "run", "inbox", check=False)
    assert proc.returncode == 1 and "timed out after 2s" in proc.stdout, proc.stdout


def read_back(server, bucket, key, tmp_path):
    """An exported object as rows, read by DuckDB's Python client from what boto3 downloads."""
    local = tmp_path / key.replace("/", "_")
    local.write_bytes(server.client().get_object(Bucket=bucket, Key=key)["Body"].read())
    reader = {"parquet": "read_parquet", "csv": "read_csv", "ndjson": "read_json"}[
        key.rsplit(".", 1)[1]]
    return duckdb.sql(f"SELECT * FROM {reader}('{local}')").fetchall()


def test_exports_to_s3_are_read_back(tmp_path, strata_bin, s3_server, monkeypatch):  # noqa: F811
    bucket = s3_server.create_bucket("exports")
    project = make_project(tmp_path, strata_bin, "")
    # `s3: outbox`: the settings of that source, here partly from the AWS_* variables, as its
    # loads take them.
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ACCESS_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
    monkeypatch.setenv("AWS_REGION", REGION)
    monkeypatch.setenv("AWS_ENDPOINT_URL", s3_server.endpoint)
    write_config(project, f"""  outbox:
    kind: files
    s3: {{path_style: true}}
    tables:
      customers: s3://{bucket}/daily/*/customers.parquet
""", f"""
pipelines:
  out:
    schedule: "@daily"
    steps:
      - {{name: load, kind: ingest, select: [shop]}}
      - name: parquet
        kind: export
        sql: SELECT id, name, country FROM shop.customers ORDER BY id
        path: s3://{bucket}/daily/{{ds}}/customers.parquet
        s3: outbox
      - name: csv
        kind: export
        after: [load]
        sql: SELECT country, count(*) AS n FROM shop.customers GROUP BY country ORDER BY country
        path: s3://{bucket}/daily/{{ds}}/by_country.csv
        s3: outbox
      - name: json
        kind: export
        after: [load]
        sql: SELECT getvariable('data_interval_end') AS interval_end, count(*) AS n
             FROM shop.customers
        path: s3://{bucket}/daily/{{ds}}/count.ndjson
        s3: outbox
      - {{name: reload, kind: ingest, select: [outbox], after: [parquet]}}
""")
    out = cli(strata_bin, project, "pipeline", "run", "out", "--at", AT).stdout
    assert re.search(r"Run \d+ succeeded", out), out
    expected = duckdb.sql(
        f"SELECT id, name, country FROM read_csv('{project}/data/customers/*.csv') ORDER BY id"
    ).fetchall()
    assert len(expected) > 0
    folder = "daily/2021-12-04"
    assert read_back(s3_server, bucket, f"{folder}/customers.parquet", tmp_path) == expected
    by_country = read_back(s3_server, bucket, f"{folder}/by_country.csv", tmp_path)
    assert sum(n for _, n in by_country) == len(expected)
    counted = read_back(s3_server, bucket, f"{folder}/count.ndjson", tmp_path)
    assert counted[0][1] == len(expected) and str(counted[0][0]).startswith(
        "2021-12-05 00:00:00"), counted
    run_id = re.search(r"Run (\d+)", out).group(1)
    logs = cli(strata_bin, project, "pipeline", "logs", run_id, "--step", "parquet").stdout
    assert (f"exported {len(expected)} rows to s3://{bucket}/{folder}/customers.parquet "
            "(parquet)") in logs, logs
    # strata itself reads the export back through the source.
    assert count(strata_bin, project, "SELECT count(*) FROM outbox.customers") == len(expected)

    # Exports without `s3:` take the AWS_* variables alone; an unreachable endpoint fails the
    # step (recorded in the run, the steps after it skipped) and writes no object.
    text = (project / "strata.yml").read_text().replace("        s3: outbox\n", "")
    (project / "strata.yml").write_text(text.replace("{ds}", "{ds}-b"))
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:1")
    proc = cli(strata_bin, project, "pipeline", "run", "out", "--at", AT, check=False)
    assert proc.returncode == 1 and re.search(r"FAILED\s+parquet", proc.stdout), proc.stdout
    keys = [o["Key"] for o in s3_server.client().list_objects_v2(Bucket=bucket)["Contents"]]
    assert not [k for k in keys if "-b/" in k], keys


@pytest.mark.parametrize("step, message", [
    ("{name: e, kind: export, sql: 'SELECT 1', path: 'ftp://h/x.csv'}",
     r"exports go to local files or s3://bucket/key paths"),
    ("{name: e, kind: export, sql: 'SELECT 1', path: 's3://bucket'}", r"names a bucket but no key"),
    ("{name: e, kind: export, sql: 'SELECT 1', path: 'out/x.csv', s3: shop}",
     r"'s3' applies only to a path of the form s3://bucket/key"),
    ("{name: e, kind: export, sql: 'SELECT 1', path: 's3://b/x.csv', s3: shopp}",
     r"'s3' names the source 'shopp', which is not declared \(did you mean 'shop'\?\)"),
    ("{name: s, kind: sensor, wait_for: {new_files: shop.customer}}", r"customer"),
    ("{name: s, kind: sensor, wait_for: {new_files: shop, pipeline: p}}", r"takes one of"),
    ("{name: s, kind: sensor, wait_for: {new_files: shop, column: x}}",
     r"'column' applies only to 'table'"),
    ("{name: s, kind: sensor, wait_for: {new_files: db}}",
     r"a sensor waits for new files of a files source; 'db' is a postgres source"),
])
def test_bad_steps_are_errors_at_their_place(tmp_path, strata_bin, step, message):
    project = make_project(tmp_path, strata_bin, "")
    write_config(project, """  db:
    kind: postgres
    connection: {host: 127.0.0.1, database: x, user: y}
    tables: {t: public.t}
""", f"\npipelines:\n  p:\n    steps:\n      - {step}\n")
    proc = cli(strata_bin, project, "pipeline", "list", check=False)
    assert proc.returncode in (2, 3), proc.stderr
    assert re.search(r"strata\.yml:\d+:\d+: .*" + message, proc.stderr), proc.stderr
