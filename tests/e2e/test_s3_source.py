"""Files sources on S3 (`path: s3://bucket/prefix/...`), against a real S3 API server (moto's, see
s3_server.py) with objects uploaded by boto3: objects load into bronze with their s3:// path as
lineage, only new objects are read on the next load, an object rewritten under the same key (same
size, new ETag) is reported and reloaded only when asked, settings come from strata.yml or from
the AWS_* environment variables, NDJSON lines that do not parse are quarantined with their line,
and compressed objects are read."""

import gzip

import pytest

from s3_server import (ACCESS_KEY, REGION, SECRET_KEY, no_aws_environment,  # noqa: F401
                       s3_server)  # noqa: F401  (the fixtures)
from source_checks import ingest, query, run


@pytest.fixture(autouse=True)
def clean_environment(no_aws_environment):
    pass


def project(root, text):
    root.mkdir(parents=True, exist_ok=True)
    (root / "strata.yml").write_text(text)
    return root


def test_only_new_objects_are_loaded_and_rewrites_are_noticed(s3_server, strata_bin,  # noqa: F811
                                                              tmp_path, monkeypatch):
    bucket = s3_server.create_bucket("vendor-csv")
    s3_server.put(bucket, "orders/2024-01-01.csv", "id,amount\n1,10.5\n2,20\n")
    s3_server.put(bucket, "orders/2024-01-02.csv", "id,amount\n3,30\n")
    s3_server.put(bucket, "other/ignored.csv", "id,amount\n99,0\n")
    monkeypatch.setenv("S3_SECRET", SECRET_KEY)
    root = project(tmp_path / "p", f"""name: s3test
sources:
  vendor:
    kind: files
    s3:
      endpoint: {s3_server.endpoint}
      region: {REGION}
      path_style: true
      access_key_id: {ACCESS_KEY}
      secret_access_key: ${{S3_SECRET}}
    tables:
      orders: s3://{bucket}/orders/*.csv
""")
    out = ingest(strata_bin, root)
    assert "vendor.orders: 2 file(s)" in out and "3 rows read = 3 loaded + 0 quarantined" in out
    rows = query(strata_bin, root, """SELECT id, amount, _strata_source_file AS f
                                      FROM vendor.orders ORDER BY id""")
    assert [(r["id"], r["amount"], r["f"]) for r in rows] == [
        (1, 10.5, f"s3://{bucket}/orders/2024-01-01.csv"),
        (2, 20.0, f"s3://{bucket}/orders/2024-01-01.csv"),
        (3, 30.0, f"s3://{bucket}/orders/2024-01-02.csv")]

    assert "no new files (2 already loaded)" in ingest(strata_bin, root)

    s3_server.put(bucket, "orders/2024-01-03.csv", "id,amount\n4,40\n5,50\n")  # whole numbers: cast to DOUBLE
    out = ingest(strata_bin, root)
    assert "1 file(s)" in out and "2 rows read = 2 loaded" in out, out
    assert query(strata_bin, root, "SELECT count(*) AS n, count(DISTINCT id) AS ids "
                 "FROM vendor.orders") == [{"n": 5, "ids": 5}]

    # The same size and key, other content: only the ETag tells.
    s3_server.put(bucket, "orders/2024-01-02.csv", "id,amount\n6,6.5\n")
    proc = run(strata_bin, root, "ingest")
    assert proc.returncode == 0
    assert "1 changed file(s) not reloaded" in proc.stdout, proc.stdout
    assert f"s3://{bucket}/orders/2024-01-02.csv" in proc.stderr, proc.stderr
    out = ingest(strata_bin, root, "--reload-changed")
    assert "1 file(s)" in out, out
    assert [r["id"] for r in query(strata_bin, root, "SELECT id FROM vendor.orders ORDER BY id")] \
        == [1, 2, 3, 4, 5, 6]


def test_environment_settings_ndjson_quarantine_and_compressed_objects(s3_server, strata_bin,  # noqa: F811
                                                                       tmp_path, monkeypatch):
    bucket = s3_server.create_bucket("vendor-json")
    s3_server.put(bucket, "events/a.ndjson",
                  '{"id": 1, "tags": ["x"]}\n{"id": 2, "tags": []}\nnot json\n{"id": 3}\n')
    s3_server.put(bucket, "events/b.ndjson.gz", gzip.compress(b'{"id": 4}\n[1, 2]\n'))
    s3_server.put(bucket, "csv/c.csv.gz", gzip.compress(b"k,v\na,1\nb,2\n"))
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ACCESS_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
    monkeypatch.setenv("AWS_REGION", REGION)
    monkeypatch.setenv("AWS_ENDPOINT_URL", s3_server.endpoint)
    root = project(tmp_path / "p", f"""name: s3env
sources:
  feed:
    s3: {{path_style: true}}
    tables:
      events: {{path: "s3://{bucket}/events/", format: ndjson}}
      pairs: s3://{bucket}/csv/c.csv.gz
""")
    out = ingest(strata_bin, root)
    assert "feed.events: 2 file(s)" in out and "6 rows read = 4 loaded + 2 quarantined" in out, out
    assert "feed.pairs: 1 file(s)" in out and "2 rows read = 2 loaded" in out, out
    assert [r["id"] for r in query(strata_bin, root, "SELECT id FROM feed.events ORDER BY id")] \
        == [1, 2, 3, 4]
    bad = query(strata_bin, root, """SELECT source_file, line, reason, raw FROM feed._quarantine
                                     ORDER BY source_file, line""")
    assert [(b["source_file"], b["line"], b["raw"]) for b in bad] == [
        (f"s3://{bucket}/events/a.ndjson", 3, "not json"),
        (f"s3://{bucket}/events/b.ndjson.gz", 2, "[1, 2]")]
    assert query(strata_bin, root, "SELECT k, v FROM feed.pairs ORDER BY k") == [
        {"k": "a", "v": 1}, {"k": "b", "v": 2}]


def test_a_missing_bucket_is_a_clear_error(s3_server, strata_bin, tmp_path):  # noqa: F811
    root = project(tmp_path / "p", f"""name: s3missing
sources:
  feed:
    s3: {{endpoint: "{s3_server.endpoint}", path_style: true, access_key_id: a,
          secret_access_key: b}}
    tables:
      events: s3://no-such-bucket/events/*.ndjson
""")
    proc = run(strata_bin, root, "ingest")
    assert proc.returncode != 0
    assert "no-such-bucket" in proc.stderr and "feed.events" in proc.stderr, proc.stderr
