"""The CDC initial snapshot is consistent with the replication position, on real PostgreSQL 15 and
MariaDB 10.11 servers: while a writer commits small transactions during the first load (and,
for PostgreSQL, after the slot was created but before the load), bronze holds every change
exactly once, either in the initial copy or in the change stream, never in both."""

import json
import threading

import pytest

import test_mysql_cdc
from mariadb_server import CDC_USER, mariadb_server  # noqa: F401  (the fixture)
from pg_server import postgres_server  # noqa: F401  (the fixture)
from source_checks import assert_same_rows, ingest, query, run, write_database_project
from test_postgres_source import PASSWORD_VARIABLE as PG_PASSWORD

HOT_ROWS = 50  # the rows the writer updates over and over


class Writer(threading.Thread):
    """Commits `UPDATE one hot row SET n = n + 1; INSERT a new row` transactions until stopped."""

    def __init__(self, connect, placeholder):
        super().__init__(daemon=True)
        self.connect = connect
        self.placeholder = placeholder
        self.committed = 0
        self.stop = threading.Event()
        self.error = None

    def run(self):
        try:
            conn = self.connect()
            cur = conn.cursor()
            while not self.stop.is_set():
                k = self.committed
                cur.execute(f"UPDATE items SET n = n + 1 WHERE id = {self.placeholder}",
                            (k % HOT_ROWS + 1,))
                cur.execute(f"INSERT INTO items VALUES ({self.placeholder}, 0)",
                            (1_000_000 + k,))
                conn.commit()
                self.committed += 1
            conn.close()
        except Exception as e:  # reported by the test
            self.error = e


def load_while_writing(strata_bin, root, writer):
    """The initial load while `writer` commits; returns its JSON log lines."""
    writer.start()
    try:
        while writer.committed < 20 and writer.error is None:  # it runs before the load starts
            threading.Event().wait(0.01)
        # The initial load: creates the slot or reads the position.
        proc = run(strata_bin, root, "--log-format", "json", "--log-level", "debug", "ingest")
        assert proc.returncode == 0, proc.stderr
        before = writer.committed
        threading.Event().wait(0.3)
    finally:
        writer.stop.set()
        writer.join()
    assert writer.error is None, writer.error
    assert writer.committed > before, "the writer did not go on after the load"
    return [json.loads(line) for line in proc.stderr.splitlines() if line.startswith("{")]


def assert_exactly_once(strata_bin, root, source, order):
    """Bronze holds each change once: replaying it gives the source, and no row's value of `n` is
    both in the initial copy and in a streamed change (an update the copy saw, streamed again,
    would repeat it; an insert the copy saw would come again as an insert)."""
    current = query(strata_bin, root, "SELECT id, n FROM shop_current.items")
    assert_same_rows(source, current)
    replayed = query(strata_bin, root, f"""SELECT id, n FROM shop.items
        QUALIFY row_number() OVER (PARTITION BY id ORDER BY {order}) = 1
            AND _strata_op IS DISTINCT FROM 'delete'""")
    assert_same_rows(source, replayed)
    twice = query(strata_bin, root, """SELECT id, n, count(*) AS times FROM shop.items
        WHERE _strata_op IS NULL OR _strata_op IN ('insert', 'update')
        GROUP BY id, n HAVING count(*) > 1 ORDER BY id LIMIT 5""")
    assert twice == [], f"changes both in the initial copy and in the stream: {twice}"
    split = query(strata_bin, root, """SELECT
        count(*) FILTER (WHERE _strata_op IS NULL AND id >= 1000000) AS in_copy,
        count(*) FILTER (WHERE _strata_op = 'insert') AS streamed FROM shop.items""")[0]
    # The writer's transactions fell on both sides of the snapshot.
    assert split["in_copy"] > 0 and split["streamed"] > 0, split


def test_postgres_snapshot_and_slot_hold_each_change_once(postgres_server, strata_bin,  # noqa: F811
                                                           tmp_path, monkeypatch):
    monkeypatch.setenv(PG_PASSWORD, postgres_server.password)
    db = postgres_server.create_database("cdc_snapshot")
    with postgres_server.connect(db) as conn:
        conn.execute("CREATE TABLE items (id bigint PRIMARY KEY, n integer NOT NULL)")
        conn.execute("INSERT INTO items SELECT i, 0 FROM generate_series(1, 200000) i")
        # A slot named in the configuration, created before changes that the initial copy will
        # also see: they are streamed from the slot, and must be skipped there.
        conn.execute("CREATE PUBLICATION pub_items FOR TABLE items")
        conn.execute("SELECT pg_create_logical_replication_slot('slot_items', 'pgoutput')")
        conn.execute("UPDATE items SET n = n + 1 WHERE id BETWEEN 101 AND 110")
        conn.execute("INSERT INTO items SELECT i, 0 FROM generate_series(900001, 900010) i")
    root = write_database_project(tmp_path / "p", "postgres", postgres_server.port, db, "postgres",
                                  PG_PASSWORD, """
items: {table: public.items, mode: cdc, primary_key: [id], current_state: true,
        slot: slot_items, publication: pub_items}
""")

    def connect():
        import psycopg
        conn = psycopg.connect(postgres_server.dsn(db))
        conn.execute("SET synchronous_commit = on")  # CDC reads up to the flushed WAL
        return conn

    load_while_writing(strata_bin, root, Writer(connect, "%s"))
    ingest(strata_bin, root)  # the changes since the snapshot
    ingest(strata_bin, root)  # nothing left
    early = query(strata_bin, root, """SELECT count(*) AS n FROM shop.items
        WHERE _strata_op IS NOT NULL AND (id BETWEEN 101 AND 110 OR id BETWEEN 900001 AND 900010)""")[0]
    assert early["n"] == 0, "changes made before the copy were streamed again"
    source = postgres_server.rows(db, "SELECT id, n FROM items")
    assert_exactly_once(strata_bin, root, source, "_strata_lsn DESC NULLS LAST, _strata_seq DESC")


@pytest.fixture
def mariadb_password(mariadb_server, monkeypatch):  # noqa: F811
    monkeypatch.setenv(test_mysql_cdc.PASSWORD_VARIABLE, mariadb_server.password)


def test_mariadb_snapshot_and_binlog_position_hold_each_change_once(  # noqa: F811
        mariadb_server, mariadb_password, strata_bin, tmp_path):
    db = mariadb_server.create_database("cdc_snapshot")
    mariadb_server.execute(db, "CREATE TABLE items (id BIGINT PRIMARY KEY, n INT NOT NULL)",
                           "INSERT INTO items SELECT seq, 0 FROM seq_1_to_200000")
    root = write_database_project(tmp_path / "p", "mariadb", mariadb_server.port, db, CDC_USER,
                                  test_mysql_cdc.PASSWORD_VARIABLE, """
items: {table: items, mode: cdc, primary_key: [id], current_state: true}
""")
    log = load_while_writing(strata_bin, root, Writer(lambda: mariadb_server.connect(db), "%s"))
    # The writer committed between the position read first and the copy's snapshot: changes a
    # position read before the snapshot would have brought twice.
    at = [line for line in log if line["msg"] == "initial copy at its snapshot's binlog position"]
    assert len(at) == 1, log
    position = lambda text: (text.rsplit(":", 1)[0], int(text.rsplit(":", 1)[1]))  # noqa: E731
    assert position(at[0]["position"]) > position(at[0]["position_read_before"]), at
    ingest(strata_bin, root)
    ingest(strata_bin, root)
    source = mariadb_server.rows(db, "SELECT id, n FROM items")
    assert_exactly_once(strata_bin, root, source,
                        "_strata_binlog_file DESC NULLS LAST, _strata_binlog_pos DESC NULLS LAST, "
                        "_strata_seq DESC")
