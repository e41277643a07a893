"""The PostgreSQL wire protocol of `strata serve`, driven by real clients: psql (simple protocol and
its catalog queries), psycopg (extended protocol, binary results, parameters, cancel), and a raw
protocol client for row limits and malformed input. The server serves a project made with
`strata init` + `strata ingest` + `strata run`, and is always stopped in the fixture's teardown."""
import datetime
import decimal
import os
import signal
import socket
import struct
import subprocess
import threading
import time
import uuid

import pytest
from serve_process import free_port, stop, wait_until_ready

psycopg = pytest.importorskip("psycopg")



def wait_for_port(port, process, log_path):
    def accepts():
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    wait_until_ready(accepts, process, log_path, f"listen on {port}")


@pytest.fixture(scope="module")
def project(strata_bin, tmp_path_factory):
    root = tmp_path_factory.mktemp("pgwire") / "shop"
    for args in (["init", str(root)], ["ingest"], ["run"]):
        result = subprocess.run([strata_bin, *args], cwd=root if args[0] != "init" else None,
                                capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, result.stderr
    return root


@pytest.fixture(scope="module")
def server(strata_bin, project, tmp_path_factory):
    port = free_port()
    log_path = tmp_path_factory.mktemp("pgwire-log") / "serve.log"
    with open(log_path, "w") as log:
        process = subprocess.Popen([strata_bin, "serve", "--pg-port", str(port)], cwd=project,
                                   stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_for_port(port, process, log_path)
        yield {"port": port, "process": process, "log": log_path, "project": project}
    finally:
        stop(process)


def connect(server, **kwargs):
    kwargs.setdefault("autocommit", True)
    return psycopg.connect(host="127.0.0.1", port=server["port"], user="tester", dbname="strata",
                           connect_timeout=10, **kwargs)


def psql(server, *args, check=True):
    env = dict(os.environ, PGCONNECT_TIMEOUT="10")
    result = subprocess.run(["psql", "-X", "-h", "127.0.0.1", "-p", str(server["port"]), "-U", "x",
                             "-d", "strata", "-v", "ON_ERROR_STOP=1", *args],
                            capture_output=True, text=True, timeout=60, env=env)
    if check:
        assert result.returncode == 0, f"psql {args}: {result.stderr}"
    return result


# ---- psql ---------------------------------------------------------------------------------------

def test_psql_runs_queries_and_reports_errors(server):
    out = psql(server, "-A", "-t", "-c",
               "SELECT country, customers FROM marts.customers_by_country ORDER BY country").stdout
    assert out.split() == ["GB|2", "NL|1", "US|2"]
    # Several statements in one Query: each gets its result.
    out = psql(server, "-A", "-t", "-c", "SELECT 1; SELECT 'two'").stdout
    assert out.split() == ["1", "two"]
    failed = psql(server, "-c", "SELECT * FROM no_such_table", check=False)
    assert failed.returncode != 0 and "no_such_table" in failed.stderr
    out = psql(server, "-A", "-t", "-c", "SHOW server_version").stdout.strip()
    assert out.startswith("15.0")
    assert "PostgreSQL 15.0" in psql(server, "-A", "-t", "-c", "SELECT version()").stdout


def test_psql_meta_commands(server):
    tables = psql(server, "-A", "-t", "-c", r"\dt").stdout
    assert "marts|customers_by_country|table|" in tables
    assert "shop|customers|table|" in tables
    views = psql(server, "-A", "-t", "-c", r"\dv").stdout
    assert "staging|stg_customers|view|" in views
    schemas = psql(server, "-A", "-t", "-c", r"\dn").stdout
    assert "marts|" in schemas and "staging|" in schemas
    databases = psql(server, "-A", "-t", "-c", r"\l").stdout
    assert "shop|" in databases
    columns = psql(server, "-A", "-t", "-c", r"\d marts.customers_by_country").stdout
    assert "country|character varying" in columns and "customers|bigint" in columns
    assert "first_signup|timestamp with time zone" in columns
    relations = psql(server, "-A", "-t", "-c", r"\d").stdout
    assert "customers_by_country" in relations


# ---- psycopg ------------------------------------------------------------------------------------

def test_psycopg_simple_and_extended_protocols(server):
    with connect(server) as conn:
        # Extended protocol with server-side parameters.
        rows = conn.execute("SELECT country, customers FROM marts.customers_by_country "
                            "WHERE customers >= %s ORDER BY country", (2,)).fetchall()
        assert rows == [("GB", 2), ("US", 2)]
        assert conn.execute("SELECT %s || '!'", ("hi",)).fetchone() == ("hi!",)
        assert conn.execute("SELECT %s + 1", (41,)).fetchone() == (42,)
        # Named prepared statements, re-executed.
        for n in range(6):
            assert conn.execute("SELECT %s * 2", (n,), prepare=True).fetchone() == (n * 2,)
        # The simple protocol (client-side binding).
        with psycopg.ClientCursor(conn) as cursor:
            cursor.execute("SELECT %s AS a, %s AS b", (1, "x"))
            assert cursor.fetchone() == (1, "x")
            assert [d.name for d in cursor.description] == ["a", "b"]


TYPES_QUERY = """
SELECT 1.50::DECIMAL(10,2) AS n, TIMESTAMPTZ '2024-01-02 03:04:05.25+00' AS tz,
       DATE '2024-02-29' AS d, '\\x00\\xff'::BLOB AS b,
       'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::UUID AS u, true AS t,
       [1, 2, NULL]::INTEGER[] AS ints, ['a', 'b c']::VARCHAR[] AS texts,
       NULL::INTEGER AS missing, 3.25::DOUBLE AS f, 9007199254740993::BIGINT AS big,
       TIMESTAMP '2024-01-02 03:04:05' AS ts, INTERVAL '1 day 02:00:00' AS iv
"""

EXPECTED_TYPES = (
    decimal.Decimal("1.50"),
    datetime.datetime(2024, 1, 2, 3, 4, 5, 250000, tzinfo=datetime.timezone.utc),
    datetime.date(2024, 2, 29),
    b"\x00\xff",
    uuid.UUID("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"),
    True,
    [1, 2, None],
    ["a", "b c"],
    None,
    3.25,
    9007199254740993,
    datetime.datetime(2024, 1, 2, 3, 4, 5),
    datetime.timedelta(days=1, hours=2),
)


@pytest.mark.parametrize("binary", [False, True])
def test_types_in_text_and_binary(server, binary):
    with connect(server) as conn:
        row = conn.cursor(binary=binary).execute(TYPES_QUERY).fetchone()
        assert row == EXPECTED_TYPES
        got = row[1]
        assert got.utcoffset() == datetime.timedelta(0)


@pytest.mark.parametrize("placeholder", ["%s", "%t", "%b"])
def test_parameters_of_every_common_type_round_trip(server, placeholder):
    values = (decimal.Decimal("12.345"), datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc),
              datetime.date(2024, 2, 29), b"\x01\x02", uuid.UUID("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"),
              False, [1, 2, 3], "text", None, 2.5, 123456789012)
    query = "SELECT " + ", ".join([placeholder] * len(values))
    with connect(server) as conn:
        row = conn.execute(query, values).fetchone()
    expected = list(values)
    assert row[0] == expected[0]
    assert row[1] == expected[1]
    assert row[2] == expected[2]
    assert bytes(row[3]) == expected[3]
    assert str(row[4]) == str(expected[4])
    assert row[5] is False and row[6] == [1, 2, 3] and row[7] == "text" and row[8] is None
    assert row[9] == 2.5 and row[10] == 123456789012


def test_sql_error_has_sqlstate_and_session_stays_usable(server):
    with connect(server) as conn:
        with pytest.raises(psycopg.errors.UndefinedTable) as error:
            conn.execute("SELECT * FROM no_such_table WHERE x = %s", (1,))
        assert error.value.sqlstate == "42P01"
        with pytest.raises(psycopg.errors.SyntaxError):
            conn.execute("SELEC 1")
        assert conn.execute("SELECT 1").fetchone() == (1,)
    # In a transaction: the block fails until ROLLBACK, then works again.
    with connect(server, autocommit=False) as conn:
        assert conn.execute("SELECT 2").fetchone() == (2,)
        with pytest.raises(psycopg.Error):
            conn.execute("SELECT * FROM no_such_table")
        assert conn.info.transaction_status == psycopg.pq.TransactionStatus.INERROR
        conn.rollback()
        assert conn.execute("SELECT 3").fetchone() == (3,)


def test_cancel_interrupts_a_long_query(server):
    with connect(server) as conn:
        timer = threading.Timer(1.0, conn.cancel)
        timer.start()
        started = time.monotonic()
        try:
            with pytest.raises(psycopg.errors.QueryCanceled):
                conn.execute("SELECT count(*) FROM range(100000000000) a, range(10) b WHERE a.range % 7 = b.range")
        finally:
            timer.cancel()
        assert time.monotonic() - started < 30
        assert conn.execute("SELECT 'still here'").fetchone() == ("still here",)


def test_sixteen_concurrent_clients(server):
    errors = []
    results = []

    def client(n):
        try:
            with connect(server) as conn:
                for i in range(10):
                    row = conn.execute("SELECT count(*), %s::INTEGER FROM marts.customers_by_country",
                                       (n * 100 + i,)).fetchone()
                    assert row == (3, n * 100 + i)
                    total = conn.execute("SELECT sum(customers) FROM marts.customers_by_country").fetchone()
                    assert total[0] == 5
                results.append(n)
        except Exception as e:  # reported below, in the test's thread
            errors.append(f"client {n}: {e!r}")

    threads = [threading.Thread(target=client, args=(n,)) for n in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    assert sorted(results) == list(range(16))


# ---- a raw protocol client: row limits, malformed input ------------------------------------------

class RawClient:
    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        body = struct.pack("!i", 196608) + b"user\0raw\0database\0strata\0\0"
        self.sock.sendall(struct.pack("!i", len(body) + 4) + body)
        self.read_until(b"Z")

    def send(self, kind, body=b""):
        self.sock.sendall(kind + struct.pack("!i", len(body) + 4) + body)

    def read(self):
        header = self._exactly(5)
        length = struct.unpack("!i", header[1:])[0]
        return header[:1], self._exactly(length - 4)

    def read_until(self, kind):
        messages = []
        while True:
            message = self.read()
            messages.append(message)
            if message[0] == kind:
                return messages

    def _exactly(self, n):
        data = b""
        while len(data) < n:
            chunk = self.sock.recv(n - len(data))
            if not chunk:
                raise ConnectionError("server closed the connection")
            data += chunk
        return data

    def close(self):
        self.sock.close()


def test_execute_with_row_limit_suspends_the_portal(server):
    client = RawClient(server["port"])
    try:
        client.send(b"P", b"s1\0SELECT * FROM range(5) t(i)\0\0\0")
        client.send(b"B", b"p1\0s1\0\0\0\0\0\0\0")
        client.send(b"D", b"Pp1\0")
        client.send(b"E", b"p1\0" + struct.pack("!i", 2))
        client.send(b"E", b"p1\0" + struct.pack("!i", 2))
        client.send(b"E", b"p1\0" + struct.pack("!i", 2))
        client.send(b"S")
        kinds = [kind for kind, _ in client.read_until(b"Z")]
        assert kinds == [b"1", b"2", b"T", b"D", b"D", b"s", b"D", b"D", b"s", b"D", b"C", b"Z"]
        # Describe of a statement: its parameter types and NoData for a statement without rows.
        client.send(b"P", b"s2\0SELECT $1::INTEGER + 1\0\0\0")
        client.send(b"D", b"Ss2\0")
        client.send(b"P", b"\0CREATE OR REPLACE TEMP TABLE tt(i INTEGER)\0\0\0")
        client.send(b"D", b"S\0")
        client.send(b"S")
        messages = client.read_until(b"Z")
        kinds = [kind for kind, _ in messages]
        assert kinds == [b"1", b"t", b"T", b"1", b"t", b"n", b"Z"]
        assert messages[1][1] == struct.pack("!hi", 1, 23)
        # Two portals read in turns: the one left behind keeps its rows.
        client.send(b"B", b"a\0s1\0\0\0\0\0\0\0")
        client.send(b"B", b"b\0s1\0\0\0\0\0\0\0")
        client.send(b"E", b"a\0" + struct.pack("!i", 2))
        client.send(b"E", b"b\0" + struct.pack("!i", 0))
        client.send(b"E", b"a\0" + struct.pack("!i", 0))
        client.send(b"S")
        messages = client.read_until(b"Z")
        tags = [body for kind, body in messages if kind == b"C"]
        assert tags == [b"SELECT 5\0", b"SELECT 3\0"]
        assert sum(1 for kind, _ in messages if kind == b"D") == 10
        # An error skips everything up to Sync.
        client.send(b"B", b"\0no_such_statement\0\0\0\0\0\0\0")
        client.send(b"E", b"\0\0\0\0\0")
        client.send(b"S")
        kinds = [kind for kind, _ in client.read_until(b"Z")]
        assert kinds == [b"E", b"Z"]
    finally:
        client.close()


def test_malformed_messages_close_only_that_connection(server):
    with connect(server) as bystander:
        for bad in (b"Q" + struct.pack("!i", 1 << 30),          # oversized
                    b"Q" + struct.pack("!i", 2),                # length too small
                    b"?" + struct.pack("!i", 4),                # unknown type
                    b"B" + struct.pack("!i", 8) + b"\0\0\xff\xff"):  # negative count
            client = RawClient(server["port"])
            try:
                client.sock.sendall(bad)
                kind, body = client.read()
                assert kind == b"E" and b"08P01" in body
                with pytest.raises((ConnectionError, OSError)):
                    client.read()
            finally:
                client.close()
        # A client that vanishes mid-result does not disturb the others.
        client = RawClient(server["port"])
        client.send(b"Q", b"SELECT * FROM range(1000000)\0")
        client.sock.recv(1000)
        client.close()
        assert bystander.execute("SELECT 42").fetchone() == (42,)


# ---- the command ------------------------------------------------------------------------------

@pytest.fixture
def other_project(strata_bin, tmp_path):
    """A project of its own: `strata serve` runs one server per project."""
    root = tmp_path / "other"
    subprocess.run([strata_bin, "init", str(root)], check=True, capture_output=True, timeout=120)
    return root


def test_second_server_on_the_same_port_fails_clearly(strata_bin, server, other_project):
    result = subprocess.run([strata_bin, "serve", "--pg-port", str(server["port"])],
                            cwd=other_project, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "already in use" in result.stderr


def test_non_loopback_host_is_refused(strata_bin, project):
    result = subprocess.run([strata_bin, "serve", "--host", "0.0.0.0", "--pg-port", "0"],
                            cwd=project, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "loopback" in result.stderr


def test_sigterm_stops_the_server_gracefully(strata_bin, other_project, tmp_path):
    port = free_port()
    log_path = tmp_path / "serve.log"
    with open(log_path, "w") as log:
        process = subprocess.Popen([strata_bin, "serve", "--pg-port", str(port)], cwd=other_project,
                                   stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_for_port(port, process, log_path)
        conn = psycopg.connect(host="127.0.0.1", port=port, user="u", dbname="strata", autocommit=True)
        assert conn.execute("SELECT 1").fetchone() == (1,)
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
        conn.close()
        log = log_path.read_text()
        assert f"127.0.0.1:{port}" in log and "pgwire server stopped" in log
    finally:
        stop(process)


# ---- COPY TO STDOUT -----------------------------------------------------------------------------

def test_copy_to_stdout_in_text_and_csv(server):
    with connect(server) as conn:
        with conn.cursor() as cursor:
            with cursor.copy("COPY (SELECT id, name, NULL::INTEGER AS missing, '' AS empty, "
                             "'a\"b,c' AS quoted, E'x\\ty' AS tabbed FROM shop.customers "
                             "ORDER BY id) TO STDOUT WITH (FORMAT csv, HEADER)") as copy:
                text = b"".join(bytes(block) for block in copy).decode()
        lines = text.splitlines()
        assert lines[0] == "id,name,missing,empty,quoted,tabbed"
        assert lines[1] == '1,Ada Lovelace,,"","a""b,c",x\ty'
        assert len(lines) == 6
        with conn.cursor() as cursor:
            with cursor.copy("COPY shop.customers (id, country) TO STDOUT") as copy:
                rows = list(copy.rows())
        assert sorted(rows)[0] == ("1", "gb")
        # The text format's escapes and NULL, decoded by psycopg.
        with conn.cursor() as cursor:
            with cursor.copy("COPY (SELECT E'tab\\there\\\\' AS t, NULL AS n, true AS b) "
                             "TO STDOUT") as copy:
                assert list(copy.rows()) == [("tab\there\\", None, "t")]
    # psql's \copy goes through the same path; an unsupported format is a clear error.
    out = psql(server, "-c", r"\copy (SELECT country, customers FROM marts.customers_by_country "
               "ORDER BY country) to stdout with (format csv)").stdout
    assert out.split() == ["GB,2", "NL,1", "US,2"]
    failed = psql(server, "-c", "COPY (SELECT 1) TO STDOUT (FORMAT binary)", check=False)
    assert failed.returncode != 0 and "FORMAT text or csv" in failed.stderr
