"""Arrow IPC output of the HTTP query API (`format: arrow`): pyarrow reads the stream (straight
from the HTTP response, batch by batch) and its values match what DuckDB's own Python Arrow
export gives for the same SQL, over integers of every width, decimals, floats, booleans, strings,
blobs, dates, times, timestamps with and without a zone, intervals, NULLs, lists, nested lists,
fixed-size arrays, structs and maps; also a lake table through a named query, the cache, and the
400 for a column type the encoder refuses (ENUM)."""
import http.client
import json
import subprocess

import duckdb
import pytest
from serve_process import free_port, stop, wait_until_ready

pa = pytest.importorskip("pyarrow")
ipc = pytest.importorskip("pyarrow.ipc")

TYPES_SQL = """
SELECT (i % 100)::TINYINT AS i8, i::SMALLINT AS i16, i::INTEGER AS i32, i::BIGINT AS i64,
       (i % 200)::UTINYINT AS u8, i::UBIGINT AS u64, (i * 1000003)::HUGEINT AS huge,
       (i / 3)::FLOAT AS f32, (i / 7)::DOUBLE AS f64,
       (i * 1.25)::DECIMAL(9, 2) AS dec9, (i * 1.5)::DECIMAL(38, 4) AS dec38,
       i % 2 = 0 AS flag, 'row ' || i AS text, ('b' || i)::BLOB AS bytes,
       DATE '2024-01-01' + i::INTEGER AS day, TIME '10:00:00' + INTERVAL (i) SECOND AS at_time,
       TIMESTAMP '2024-01-01 10:00:00.123456' + INTERVAL (i) SECOND AS ts,
       TIMESTAMPTZ '2024-01-01 10:00:00+02' + INTERVAL (i) MINUTE AS tstz,
       INTERVAL (i) DAY + INTERVAL 3 MONTH AS span,
       CASE WHEN i % 3 = 0 THEN NULL ELSE i END AS sometimes,
       [i, NULL, i + 1] AS list, [[1, 2], [i]] AS nested, [i, i]::INTEGER[2] AS pair,
       {'x': i, 'y': 'a' || i} AS record, MAP {'k': i} AS map
FROM range(5000) r(i)
ORDER BY i
"""


def run(strata_bin, *args, cwd=None):
    result = subprocess.run([strata_bin, *map(str, args)], cwd=cwd, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, f"strata {args}: {result.stderr}"


@pytest.fixture(scope="module")
def server(strata_bin, tmp_path_factory):
    root = tmp_path_factory.mktemp("arrow") / "lake"
    run(strata_bin, "init", root)
    run(strata_bin, "-q", "-p", root, "table", "append", "gold.items", "--from",
        "SELECT i AS id, 'item ' || i AS name, i * 0.5 AS price FROM range(20000) r(i)")
    with open(root / "strata.yml", "a") as config:
        config.write("\nqueries:\n  cheap_items:\n"
                     "    sql: \"SELECT id, name, price FROM gold.items WHERE price < $below ORDER BY id\"\n"
                     "    params:\n      below: number\n")
    port = free_port()
    log_path = root / "serve.log"
    with open(log_path, "w") as log:
        process = subprocess.Popen([strata_bin, "serve", "--pg-port", str(free_port()),
                                    "--http-port", str(port), "--no-scheduler"], cwd=root,
                                   stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_until_ready(lambda: get(port, "/api/v1/health")[0] == 200, process, log_path,
                         f"answer HTTP on {port}")
        yield port
    finally:
        stop(process)


def get(port, path):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def post_arrow(port, sql, params=None):
    """(status, headers, the table read batch by batch from the response, batch count)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        connection.request("POST", "/api/v1/query",
                           body=json.dumps({"sql": sql, "params": params or [],
                                            "format": "arrow"}),
                           headers={"Content-Type": "application/json"})
        response = connection.getresponse()
        headers = {k.lower(): v for k, v in response.getheaders()}
        if response.status != 200:
            return response.status, headers, response.read(), 0
        reader = ipc.open_stream(response)  # reads the chunked body as it arrives
        batches = list(reader)
        return 200, headers, pa.Table.from_batches(batches, schema=reader.schema), len(batches)
    finally:
        connection.close()


def test_every_type_matches_duckdbs_own_arrow_export(server):
    status, headers, table, batches = post_arrow(server, TYPES_SQL)
    assert status == 200, table
    assert headers["content-type"] == "application/vnd.apache.arrow.stream"
    assert table.num_rows == 5000 and batches > 1  # one record batch per DuckDB chunk
    table.validate(full=True)
    expected = duckdb.connect().execute("SET TimeZone = 'UTC'").execute(TYPES_SQL).arrow()
    if hasattr(expected, "read_all"):
        expected = expected.read_all()
    assert table.column_names == expected.column_names
    for name in table.column_names:
        assert table.column(name).to_pylist() == expected.column(name).to_pylist(), name
    types = dict(zip(table.schema.names, table.schema.types))
    assert types["i8"] == pa.int8() and types["u64"] == pa.uint64()
    assert types["dec9"] == pa.decimal128(9, 2) and types["huge"] == pa.decimal128(38, 0)
    assert types["day"] == pa.date32() and types["at_time"] == pa.time64("us")
    assert types["ts"] == pa.timestamp("us") and types["tstz"].tz is not None
    assert types["span"] == pa.month_day_nano_interval()
    assert pa.types.is_struct(types["record"]) and pa.types.is_map(types["map"])
    assert pa.types.is_fixed_size_list(types["pair"])
    assert table.column("sometimes").null_count == 1667


def test_empty_result_has_the_schema(server):
    status, _, table, _ = post_arrow(server, "SELECT 1 AS a, 'x' AS b WHERE false")
    assert status == 200
    assert table.num_rows == 0 and table.schema.names == ["a", "b"]


def test_named_query_on_a_lake_table_and_the_cache(server):
    path = "/api/v1/queries/cheap_items?below=100.5&format=arrow"
    status, headers, body = get(server, path)
    assert status == 200 and headers["X-Cache"] == "miss"
    table = ipc.open_stream(body).read_all()
    assert table.column("id").to_pylist() == list(range(201))
    assert table.column("name").to_pylist()[200] == "item 200"
    status, headers, again = get(server, path)
    assert status == 200 and headers["X-Cache"] == "hit" and again == body


def test_an_enum_column_is_refused_before_the_stream_starts(server):
    status, _, body, _ = post_arrow(server, "SELECT 'a'::ENUM('a', 'b') AS e")
    assert status == 400
    assert "ENUM" in json.loads(body)["error"]["message"]
