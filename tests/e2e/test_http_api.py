"""The HTTP query API of `strata serve`, driven by a real HTTP client (http.client): SQL with bound
parameters in JSON, NDJSON and CSV, named queries with typed parameters, errors with their HTTP
status, bearer-token auth, SQL injection through parameters, the result cache (hits, and exactly
the entries of a table invalidated when `strata ingest` commits to it while the server runs), the
pgwire and HTTP sessions seeing that commit, per-query timeouts, a 1M-row result streamed with
bounded server memory, and the OpenAPI document. The project is made with `strata init`, an extra
source table, `strata ingest` and `strata run`."""
import csv
import http.client
import io
import json
import os
import shutil
import subprocess
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

import pytest
from serve_process import free_port, stop, wait_until_ready

TOKEN = "s3cret-token"

EXTRA_CONFIG = """
  crm:
    kind: files
    tables:
      notes:
        path: data/notes/*.csv
        columns: {id: INTEGER, note: VARCHAR}

serve:
  token: ${STRATA_TEST_TOKEN}
  query_timeout: 2s
  max_body_kb: 64

queries:
  by_country:
    description: Customers of one country
    sql: "SELECT id, name FROM staging.stg_customers WHERE country = $country ORDER BY id LIMIT $limit"
    params:
      country: string
      limit: {type: integer, default: 10, description: at most this many rows}
  signed_up_since:
    sql: "SELECT count(*) AS n FROM shop.customers WHERE signed_up_at >= $since::TIMESTAMPTZ AND $active"
    params:
      since: timestamp
      active: boolean
"""


def run(strata_bin, *args, cwd, env=None, check=True):
    result = subprocess.run([strata_bin, *map(str, args)], cwd=cwd, capture_output=True,
                            text=True, timeout=300, env=env)
    if check:
        assert result.returncode == 0, f"strata {args}: {result.stderr}"
    return result


def wait_for_http(port, process, log_path):
    wait_until_ready(lambda: request(port, "GET", "/api/v1/health")[0] == 200, process, log_path,
                     f"answer HTTP on {port}")


def request(port, method, path, body=None, token=TOKEN, headers=None, raw=None):
    """One request on a fresh connection: (status, headers as a dict, body bytes)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        all_headers = dict(headers or {})
        if token:
            all_headers["Authorization"] = f"Bearer {token}"
        data = raw if raw is not None else (json.dumps(body) if body is not None else None)
        if data is not None:
            all_headers.setdefault("Content-Type", "application/json")
        connection.request(method, path, body=data, headers=all_headers)
        response = connection.getresponse()
        payload = response.read()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, payload
    finally:
        connection.close()


def query(port, sql, params=None, fmt=None, expect=200, **kwargs):
    body = {"sql": sql}
    if params is not None:
        body["params"] = params
    if fmt:
        body["format"] = fmt
    status, headers, payload = request(port, "POST", "/api/v1/query", body, **kwargs)
    assert status == expect, payload
    return headers, payload


def rows_of(payload):
    return json.loads(payload)["rows"]


def error_of(payload):
    error = json.loads(payload)["error"]
    assert set(error) == {"status", "code", "message"}
    return error["message"]


@pytest.fixture(scope="module")
def project(strata_bin, tmp_path_factory):
    root = tmp_path_factory.mktemp("http") / "shop"
    run(strata_bin, "init", root, cwd=None)
    config = (root / "strata.yml").read_text()
    config = config.replace("\nmodels:", EXTRA_CONFIG.split("\nserve:")[0] + "\nmodels:", 1)
    config += "\nserve:" + EXTRA_CONFIG.split("\nserve:")[1]
    (root / "strata.yml").write_text(config)
    (root / "data" / "notes").mkdir(parents=True)
    (root / "data" / "notes" / "notes-1.csv").write_text("id,note\n1,first\n2,second\n")
    run(strata_bin, "ingest", cwd=root)
    run(strata_bin, "run", cwd=root)
    return root


@pytest.fixture(scope="module")
def server(strata_bin, project, tmp_path_factory):
    http_port, pg_port = free_port(), free_port()
    log_path = tmp_path_factory.mktemp("http-log") / "serve.log"
    env = dict(os.environ, STRATA_TEST_TOKEN=TOKEN)
    env.pop("STRATA_HTTP_TOKEN", None)
    with open(log_path, "w") as log:
        # A long timeout here (the command line wins over strata.yml's 2 s): slow builds
        # (sanitizers) must stream a million rows in time; short_timeout_server has the 2 s.
        process = subprocess.Popen([strata_bin, "serve", "--pg-port", str(pg_port),
                                    "--http-port", str(http_port), "--query-timeout", "10m"],
                                   cwd=project, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_for_http(http_port, process, log_path)
        yield {"port": http_port, "pg_port": pg_port, "process": process, "log": log_path,
               "project": project, "env": env}
    finally:
        stop(process)


@pytest.fixture(scope="module")
def short_timeout_server(strata_bin, project, server, tmp_path_factory):
    """A second server with strata.yml's query_timeout (2 s), on a copy of the project (one
    server per project: a second one on the same project refuses to start)."""
    copy = tmp_path_factory.mktemp("http-copy") / "shop"
    shutil.copytree(project, copy)
    http_port, pg_port = free_port(), free_port()
    log_path = tmp_path_factory.mktemp("http-log") / "serve-short.log"
    with open(log_path, "w") as log:
        process = subprocess.Popen([strata_bin, "serve", "--pg-port", str(pg_port),
                                    "--http-port", str(http_port)], cwd=copy,
                                   env=server["env"], stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_for_http(http_port, process, log_path)
        yield {"port": http_port, "pg_port": pg_port}
    finally:
        stop(process)


# ---- basics -------------------------------------------------------------------------------------

def test_health_needs_no_token_and_tables_list_snapshots(server):
    status, _, payload = request(server["port"], "GET", "/api/v1/health", token=None)
    assert status == 200
    health = json.loads(payload)
    assert health["status"] == "ok" and health["project"] == "shop"
    status, _, payload = request(server["port"], "GET", "/api/v1/tables")
    assert status == 200
    tables = {t["name"]: t for t in json.loads(payload)["tables"]}
    assert tables["shop.customers"]["rows"] == 5 and tables["shop.customers"]["kind"] == "table"
    assert tables["marts.customers_by_country"]["rows"] == 3
    assert tables["staging.stg_customers"]["kind"] == "view"
    assert isinstance(tables["crm.notes"]["snapshot"], int) and tables["crm.notes"]["snapshot"] > 0


def test_query_json_with_columns_types_and_bound_parameters(server):
    headers, payload = query(server["port"],
                             "SELECT country, customers, first_signup FROM "
                             "marts.customers_by_country WHERE customers >= $1 ORDER BY country",
                             [2])
    assert headers["content-type"] == "application/json"
    assert headers.get("transfer-encoding") == "chunked" or headers["x-cache"] == "hit"
    result = json.loads(payload)
    assert result["columns"] == [{"name": "country", "type": "VARCHAR"},
                                 {"name": "customers", "type": "BIGINT"},
                                 {"name": "first_signup", "type": "TIMESTAMP WITH TIME ZONE"}]
    assert [row[:2] for row in result["rows"]] == [["GB", 2], ["US", 2]]
    assert result["row_count"] == 2
    # Every JSON type as a parameter; NULL stays NULL.
    _, payload = query(server["port"], "SELECT $1 + 1 AS i, $2 * 2 AS d, NOT $3 AS b, "
                       "$4 || '!' AS s, $5 IS NULL AS n", [41, 1.25, False, "hi", None])
    assert rows_of(payload) == [[42, 2.5, True, "hi!", True]]


def test_query_csv_and_ndjson(server):
    headers, payload = query(server["port"], "SELECT id, name, id > 2 AS late, NULL AS nothing, "
                             "'' AS empty FROM shop.customers ORDER BY id LIMIT 3", fmt="csv")
    assert headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(payload.decode())))
    assert rows[0] == ["id", "name", "late", "nothing", "empty"]
    assert rows[1] == ["1", "Ada Lovelace", "false", "", ""]
    assert payload.decode().splitlines()[1] == '1,Ada Lovelace,false,,""'
    assert len(rows) == 4
    headers, payload = query(server["port"], "SELECT id, name FROM shop.customers ORDER BY id",
                             fmt="ndjson")
    assert headers["content-type"] == "application/x-ndjson"
    lines = [json.loads(line) for line in payload.decode().splitlines()]
    assert lines[0] == {"id": 1, "name": "Ada Lovelace"} and len(lines) == 5


def test_query_parquet(server, tmp_path):
    parquet = pytest.importorskip("pyarrow.parquet")
    headers, payload = query(server["port"], "SELECT id, name, signed_up_at FROM shop.customers "
                             "WHERE id > $1 ORDER BY id -- a trailing comment", [3],
                             fmt="parquet")
    assert headers["content-type"] == "application/vnd.apache.parquet"
    (tmp_path / "result.parquet").write_bytes(payload)
    rows = parquet.read_table(tmp_path / "result.parquet").to_pylist()
    assert [(r["id"], r["name"]) for r in rows] == [(4, "Edsger Dijkstra"), (5, "Barbara Liskov")]
    assert rows[0]["signed_up_at"].year == 2024
    status, _, payload = request(server["port"], "GET",
                                 "/api/v1/queries/by_country?country=US&format=parquet")
    assert status == 200 and payload[:4] == b"PAR1" and payload[-4:] == b"PAR1"
    assert not list(Path(tempfile.gettempdir()).glob(
        f"strata-http-{server['process'].pid}-*.parquet"))


# ---- errors -------------------------------------------------------------------------------------

def test_errors_have_a_status_and_a_clear_message(server):
    port = server["port"]
    _, payload = query(port, "SELECT * FROM no_such_table", expect=400)
    assert "no_such_table" in error_of(payload)
    _, payload = query(port, "SELEC 1", expect=400)
    assert "syntax error" in error_of(payload).lower()
    _, payload = query(port, "CREATE TABLE t (a INTEGER)", expect=400)
    assert "only SELECT" in error_of(payload)
    _, payload = query(port, "SELECT $1, $2", [1], expect=400)
    assert "2 parameter(s) but 1" in error_of(payload)
    _, payload = query(port, "SELECT 1", fmt="xml", expect=400)
    assert "unknown format 'xml'" in error_of(payload)
    status, _, payload = request(port, "POST", "/api/v1/query", raw='{"sql": "SELECT 1"')
    assert status == 400 and "not valid JSON" in error_of(payload)
    status, _, payload = request(port, "POST", "/api/v1/query", {"sql": "SELECT 1", "sq": 1})
    assert status == 400 and 'unknown field "sq"' in error_of(payload)
    status, _, payload = request(port, "POST", "/api/v1/query", {"sql": 7})
    assert status == 400 and '"sql" must be a non-empty string' in error_of(payload)
    status, _, payload = request(port, "GET", "/api/v1/nothing")
    assert status == 404 and "no such endpoint" in error_of(payload)
    status, _, payload = request(port, "DELETE", "/api/v1/query")
    assert status == 405
    big = {"sql": "SELECT '" + "x" * 100_000 + "'"}
    status, _, payload = request(port, "POST", "/api/v1/query", big)
    assert status == 413 and "larger than the server accepts" in error_of(payload)
    # The server is still fine.
    _, payload = query(port, "SELECT 1 AS one")
    assert rows_of(payload) == [[1]]


def test_a_query_past_the_timeout_is_stopped_with_504(short_timeout_server):
    server = short_timeout_server
    started = time.monotonic()
    _, payload = query(server["port"], "SELECT count(*) FROM range(1000000) a, range(1000000) b "
                       "WHERE a.range + b.range = -1", expect=504)
    assert "timeout" in error_of(payload)
    assert time.monotonic() - started < 20
    _, payload = query(server["port"], "SELECT 2 AS two")
    assert rows_of(payload) == [[2]]


def test_the_timeout_applies_to_postgres_clients_too(short_timeout_server):
    server = short_timeout_server
    psycopg = pytest.importorskip("psycopg")
    with psycopg.connect(host="127.0.0.1", port=server["pg_port"], user="t", dbname="shop",
                         autocommit=True, connect_timeout=10) as conn:
        started = time.monotonic()
        with pytest.raises(psycopg.errors.QueryCanceled, match="statement timeout"):
            conn.execute("SELECT count(*) FROM range(1000000) a, range(1000000) b "
                         "WHERE a.range + b.range = -1")
        assert time.monotonic() - started < 20
        assert conn.execute("SELECT 5").fetchone() == (5,)


# ---- auth and injection -------------------------------------------------------------------------

def test_bearer_token_is_required(server):
    port = server["port"]
    for token in (None, "wrong", TOKEN + "x", TOKEN[:-1]):
        status, headers, payload = request(port, "POST", "/api/v1/query", {"sql": "SELECT 1"},
                                           token=token)
        assert status == 401, token
        assert headers["www-authenticate"].startswith("Bearer")
        assert "token" in error_of(payload)
    status, _, _ = request(port, "GET", "/api/v1/tables", headers={"Authorization": "Basic eDp5"},
                           token=None)
    assert status == 401
    status, _, _ = request(port, "GET", "/api/v1/queries/by_country?country=GB", token=None)
    assert status == 401
    status, _, _ = request(port, "GET", "/api/v1/tables")
    assert status == 200


def test_sql_injection_through_parameters_is_harmless(server):
    port = server["port"]
    attacks = ["x' OR '1'='1", "GB'; DROP TABLE shop.customers; --", "GB\" OR 1=1 --",
               "$1", "'); SELECT * FROM shop.customers; --"]
    for attack in attacks:
        _, payload = query(port, "SELECT count(*) AS n FROM staging.stg_customers "
                           "WHERE country = $1", [attack])
        assert rows_of(payload) == [[0]], attack
        status, _, payload = request(port, "GET", "/api/v1/queries/by_country?country="
                                     + urllib.parse.quote(attack))
        assert status == 200 and json.loads(payload)["rows"] == [], attack
    # An integer parameter refuses text outright.
    status, _, payload = request(port, "GET", "/api/v1/queries/by_country?country=GB&limit="
                                 + urllib.parse.quote("1; DROP TABLE x"))
    assert status == 400 and "parameter 'limit' must be an integer" in error_of(payload)
    _, payload = query(port, "SELECT count(*) FROM shop.customers")
    assert rows_of(payload) == [[5]]


def test_ad_hoc_sql_reads_only_lake_tables(server, tmp_path):
    port = server["port"]
    secret = tmp_path / "secret.csv"
    secret.write_text("password\nhunter2\n")
    for sql, status in ((f"SELECT * FROM read_csv('{secret}')", 403),
                        (f"SELECT * FROM '{secret}'", 400),
                        ("SELECT * FROM query('SELECT 42')", 403),
                        ("SELECT * FROM duckdb_settings()", 403),
                        ("SELECT * FROM glob('/etc/*')", 403),
                        ("SELECT * FROM pg_strata.lake_tables", 400)):
        _, payload = query(port, sql, expect=status)
        message = error_of(payload)
        assert "lake tables only" in message and "hunter2" not in message, sql
    _, payload = query(port, "SELECT 1; SELECT 2", expect=400)
    assert "one statement" in error_of(payload)
    _, payload = query(port, f"COPY shop.customers TO '{tmp_path / 'out.csv'}'", expect=400)
    assert "only SELECT" in error_of(payload)
    assert not (tmp_path / "out.csv").exists()
    _, payload = query(port, "SELECT count(*) AS n FROM information_schema.tables "
                       "WHERE table_schema = 'shop'")
    assert rows_of(payload)[0][0] >= 1


# ---- named queries ------------------------------------------------------------------------------

def test_named_queries_with_typed_parameters(server):
    port = server["port"]
    status, _, payload = request(port, "GET", "/api/v1/queries/by_country?country=GB")
    assert status == 200
    assert json.loads(payload)["rows"] == [[1, "Ada Lovelace"], [3, "Alan Turing"]]
    status, _, payload = request(port, "GET", "/api/v1/queries/by_country?country=GB&limit=1"
                                 "&format=csv")
    assert status == 200 and payload.decode().splitlines() == ["id,name", "1,Ada Lovelace"]
    status, _, payload = request(port, "POST", "/api/v1/queries/by_country",
                                 {"params": {"country": "US", "limit": 5}, "format": "ndjson"})
    assert status == 200
    assert [json.loads(l)["id"] for l in payload.decode().splitlines()] == [2, 5]
    status, _, payload = request(port, "POST", "/api/v1/queries/signed_up_since",
                                 {"params": {"since": "2024-02-01T00:00:00Z", "active": True}})
    assert status == 200 and json.loads(payload)["rows"] == [[3]]
    status, _, payload = request(port, "GET", "/api/v1/queries/signed_up_since"
                                 "?since=2024-02-01&active=false")
    assert status == 200 and json.loads(payload)["rows"] == [[0]]
    # Each bad parameter is named.
    cases = [("/api/v1/queries/by_country", "missing parameter 'country'"),
             ("/api/v1/queries/by_country?country=GB&limit=ten", "parameter 'limit' must be an integer"),
             ("/api/v1/queries/by_country?country=GB&limt=1", "unknown parameter 'limt'"),
             ("/api/v1/queries/signed_up_since?since=yesterday&active=true",
              "parameter 'since' must be a timestamp"),
             ("/api/v1/queries/signed_up_since?since=2024-01-01&active=maybe",
              "parameter 'active' must be a boolean")]
    for path, message in cases:
        status, _, payload = request(port, "GET", path)
        assert status == 400 and message in error_of(payload), (path, payload)
    status, _, payload = request(port, "POST", "/api/v1/queries/by_country",
                                 {"params": {"country": 7}})
    assert status == 400 and "parameter 'country' must be a string" in error_of(payload)
    status, _, payload = request(port, "GET", "/api/v1/queries/by_contry?country=GB")
    assert status == 404 and "by_country" in error_of(payload)
    status, _, payload = request(port, "GET", "/api/v1/queries")
    listed = {q["name"]: q for q in json.loads(payload)["queries"]}
    assert listed["by_country"]["params"][1] == {"name": "limit", "type": "integer",
                                                 "required": False, "default": 10,
                                                 "description": "at most this many rows"}


def test_openapi_document_describes_endpoints_and_named_queries(server):
    status, _, payload = request(server["port"], "GET", "/api/v1/openapi.json")
    assert status == 200
    document = json.loads(payload)
    assert document["openapi"].startswith("3.")
    paths = document["paths"]
    assert "post" in paths["/api/v1/query"] and "get" in paths["/api/v1/tables"]
    assert paths["/api/v1/health"]["get"]["security"] == []
    by_country = paths["/api/v1/queries/by_country"]["get"]["parameters"]
    assert {"name": "country", "in": "query", "required": True,
            "schema": {"type": "string"}} in by_country
    since = paths["/api/v1/queries/signed_up_since"]["get"]["parameters"]
    assert {"name": "since", "in": "query", "required": True,
            "schema": {"type": "string", "format": "date-time"}} in since
    validator = pytest.importorskip("openapi_spec_validator")
    validator.validate(document)


# ---- cache and commits while serving ------------------------------------------------------------

def test_cache_hits_and_a_commit_invalidates_exactly_its_tables(strata_bin, server):
    port, project = server["port"], server["project"]
    customers_sql = "SELECT count(*) AS n FROM staging.stg_customers WHERE id > $1"
    notes_sql = "SELECT count(*) AS n FROM crm.notes"
    headers, payload = query(port, customers_sql, [0])
    assert headers["x-cache"] == "miss" and rows_of(payload) == [[5]]
    headers, payload = query(port, customers_sql, [0])
    assert headers["x-cache"] == "hit" and rows_of(payload) == [[5]]
    # Normalized: spacing and keyword case do not matter; parameters and format do.
    headers, _ = query(port, "select   count(*) as n\nfrom staging.stg_customers where id > $1",
                       [0])
    assert headers["x-cache"] == "hit"
    headers, _ = query(port, customers_sql, [1])
    assert headers["x-cache"] == "miss"
    headers, _ = query(port, customers_sql, [0], fmt="csv")
    assert headers["x-cache"] == "miss"
    headers, payload = query(port, notes_sql)
    assert headers["x-cache"] == "miss" and rows_of(payload) == [[2]]
    headers, _ = query(port, notes_sql)
    assert headers["x-cache"] == "hit"
    # Queries whose result can change without a commit are never cached.
    for sql in ("SELECT now() AS t", "SELECT random() AS r", "SELECT * FROM range(3)",
                "SELECT count(*) FROM information_schema.tables"):
        headers, _ = query(port, sql)
        assert headers["x-cache"] == "bypass", sql

    # A psql-style session opened before the commit sees it too.
    psycopg = pytest.importorskip("psycopg")
    with psycopg.connect(host="127.0.0.1", port=server["pg_port"], user="t", dbname="shop",
                         autocommit=True, connect_timeout=10) as conn:
        assert conn.execute("SELECT count(*) FROM shop.customers").fetchone() == (5,)
        shutil.copy(project / "data" / "customers" / "customers-0001.csv",
                    project / "data" / "customers" / "customers-0002.csv")
        run(strata_bin, "ingest", cwd=project, env=server["env"])
        assert conn.execute("SELECT count(*) FROM shop.customers").fetchone() == (10,)
        assert conn.execute("SELECT count(*) FROM staging.stg_customers").fetchone() == (10,)

    headers, payload = query(port, customers_sql, [0])
    assert headers["x-cache"] == "miss" and rows_of(payload) == [[10]]
    headers, _ = query(port, customers_sql, [0])
    assert headers["x-cache"] == "hit"
    # crm.notes did not change: its entry is still served.
    headers, payload = query(port, notes_sql)
    assert headers["x-cache"] == "hit" and rows_of(payload) == [[2]]
    # `strata run` rebuilds the mart: its cached results go, the new rows come.
    mart_sql = "SELECT sum(customers) AS n FROM marts.customers_by_country"
    headers, payload = query(port, mart_sql)
    assert rows_of(payload) == [[5]]
    run(strata_bin, "run", cwd=project, env=server["env"])
    headers, payload = query(port, mart_sql)
    assert headers["x-cache"] == "miss" and rows_of(payload) == [[10]]
    status, _, payload = request(port, "GET", "/api/v1/tables")
    tables = {t["name"]: t for t in json.loads(payload)["tables"]}
    assert tables["shop.customers"]["rows"] == 10
    health = json.loads(request(port, "GET", "/api/v1/health")[2])
    assert health["cache"]["hits"] >= 5 and health["cache"]["invalidated"] >= 1


def test_new_tables_committed_while_serving_become_queryable(strata_bin, server):
    port, project = server["port"], server["project"]
    _, payload = query(port, "SELECT * FROM marts.notes_count", expect=400)
    (project / "models" / "marts" / "notes_count.sql").write_text(
        "{{ config(materialized='table') }}\nselect count(*) as n from {{ source('crm', 'notes') }}\n")
    run(strata_bin, "run", cwd=project, env=server["env"])
    _, payload = query(port, "SELECT n FROM marts.notes_count")
    assert rows_of(payload) == [[2]]


# ---- concurrency and streaming ------------------------------------------------------------------

def test_concurrent_clients(server):
    errors = []

    def client(n):
        try:
            for i in range(10):
                _, payload = query(server["port"], "SELECT $1::INTEGER * $2::INTEGER AS p", [n, i])
                assert rows_of(payload) == [[n * i]]
        except Exception as e:  # reported below
            errors.append(repr(e))

    threads = [threading.Thread(target=client, args=(n,)) for n in range(48)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


def rss_kib(pid, field="VmRSS"):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise AssertionError(f"no {field} for {pid}")


def test_a_million_rows_stream_in_bounded_memory(server):
    pid = server["process"].pid
    sql = ("SELECT i, 'row number ' || i || ' ' || repeat('x', 60) AS label "
           "FROM range(1000000) t(i)")
    before = rss_kib(pid)
    connection = http.client.HTTPConnection("127.0.0.1", server["port"], timeout=120)
    connection.request("POST", "/api/v1/query", body=json.dumps({"sql": sql, "format": "csv"}),
                       headers={"Authorization": f"Bearer {TOKEN}",
                                "Content-Type": "application/json"})
    response = connection.getresponse()
    assert response.status == 200
    assert response.getheader("Transfer-Encoding") == "chunked"
    lines = 0
    total = 0
    peak = before
    last_line = b""
    buffer = b""
    while True:
        piece = response.read(1 << 20)
        if not piece:
            break
        total += len(piece)
        buffer += piece
        *complete, buffer = buffer.split(b"\r\n")
        lines += len(complete)
        if complete:
            last_line = complete[-1]
        peak = max(peak, rss_kib(pid))
        time.sleep(0.002)  # a client slower than the server: the server must not buffer ahead
    connection.close()
    assert lines == 1_000_001
    assert last_line.startswith(b"999999,row number 999999 ")
    assert total > 80_000_000
    if "libasan" in Path(f"/proc/{pid}/maps").read_text():
        return  # AddressSanitizer holds freed memory in quarantine: RSS says nothing here
    growth_bytes = (peak - before) * 1024
    print(f"streamed {total} bytes, {lines} lines; server RSS {before} KiB -> peak {peak} KiB")
    # The ~85 MB result never sits in the server's memory.
    assert growth_bytes < total / 4, f"server RSS grew by {growth_bytes} bytes for {total}"


def test_a_client_that_disconnects_midway_does_not_hurt_the_server(server):
    connection = http.client.HTTPConnection("127.0.0.1", server["port"], timeout=60)
    connection.request("POST", "/api/v1/query",
                       body=json.dumps({"sql": "SELECT * FROM range(5000000)", "format": "csv"}),
                       headers={"Authorization": f"Bearer {TOKEN}"})
    response = connection.getresponse()
    assert response.status == 200
    response.read(1000)
    connection.sock.close()
    connection.close()
    _, payload = query(server["port"], "SELECT 3 AS three")
    assert rows_of(payload) == [[3]]


# ---- listener safety ----------------------------------------------------------------------------

def test_non_loopback_http_listener_requires_a_token(strata_bin, tmp_path):
    root = tmp_path / "open"
    run(strata_bin, "init", root, cwd=None)
    env = dict(os.environ)
    env.pop("STRATA_HTTP_TOKEN", None)
    result = run(strata_bin, "serve", "--pg-port", free_port(), "--http-port", free_port(),
                 "--http-host", "0.0.0.0", cwd=root, env=env, check=False)
    assert result.returncode == 2
    assert "not a loopback address" in result.stderr and "token" in result.stderr


def test_ports_come_from_strata_yml_and_bad_named_queries_stop_the_start(strata_bin, tmp_path):
    root = tmp_path / "configured"
    run(strata_bin, "init", root, cwd=None)
    env = dict(os.environ)
    env.pop("STRATA_HTTP_TOKEN", None)
    base = (root / "strata.yml").read_text()
    http_port, pg_port = free_port(), free_port()
    (root / "strata.yml").write_text(
        base + f"\nserve:\n  http_port: {http_port}\n  pg_port: {pg_port}\n"
        "queries:\n  bad:\n    sql: SELECT $year + $month\n    params: {year: integer}\n")
    result = run(strata_bin, "serve", cwd=root, env=env, check=False)
    assert result.returncode == 3
    assert "strata.yml:" in result.stderr and "$month" in result.stderr
    (root / "strata.yml").write_text(
        base + f"\nserve:\n  http_port: {http_port}\n  pg_port: {pg_port}\n")
    log_path = tmp_path / "serve.log"
    with open(log_path, "w") as log:
        process = subprocess.Popen([strata_bin, "serve"], cwd=root, env=env, stdout=log,
                                   stderr=subprocess.STDOUT)
    try:
        wait_for_http(http_port, process, log_path)
        # No token configured and a loopback listener: no authentication.
        status, _, payload = request(http_port, "POST", "/api/v1/query", {"sql": "SELECT 7 AS n"},
                                     token=None)
        assert status == 200 and rows_of(payload) == [[7]]
    finally:
        stop(process)
