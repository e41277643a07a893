"""PostgreSQL as a source, against a real PostgreSQL server (pg_server.py): full loads equal the
source row for row across many types, incremental loads take exactly the new and changed rows (plus
the documented lookback overlap), a stopped server is a clear error that commits nothing, and a load
killed at any moment and run again neither loses nor duplicates a row."""

import random
import signal
import subprocess
import time

import pytest

from pg_server import postgres_server  # noqa: F401  (the fixture)
from source_checks import assert_same_rows, ingest, query, run, write_database_project

PASSWORD_VARIABLE = "STRATA_TEST_PG_PASSWORD"


@pytest.fixture(autouse=True)
def password_in_environment(postgres_server, monkeypatch):  # noqa: F811
    monkeypatch.setenv(PASSWORD_VARIABLE, postgres_server.password)
    monkeypatch.delenv("STRATA_LOG_FORMAT", raising=False)


def make_project(root, server, database, tables):
    return write_database_project(root, "postgres", server.port, database, "postgres",
                                  PASSWORD_VARIABLE, tables)


KINDS_DDL = """
CREATE TABLE public.kinds (
  id integer PRIMARY KEY, big bigint, amount numeric(12,2), note text, flag boolean, day date,
  at timestamptz, doc jsonb, uid uuid, tags text[], nums integer[], raw bytea, ratio double precision
);
INSERT INTO public.kinds
SELECT i, i::bigint * 1000000007, (i * 12.34 - 500)::numeric(12,2),
       CASE WHEN i % 7 = 0 THEN 'quote '' and "double" ' || i ELSE 'héllo ✓ ' || i END,
       i % 2 = 0, DATE '2024-01-01' + i,
       TIMESTAMPTZ '2024-01-01 10:00:00.123456+05:30' + i * INTERVAL '1 hour 1.5 second',
       jsonb_build_object('i', i, 'nested', jsonb_build_object('list', jsonb_build_array(i, 'x'))),
       md5(i::text)::uuid, ARRAY['a' || i, NULL, 'c'], ARRAY[i, NULL, -i],
       decode(lpad(to_hex(i), 8, '0'), 'hex'), i / 3.0
FROM generate_series(1, 60) AS i;
INSERT INTO public.kinds (id) VALUES (1000);
"""


def test_full_load_equals_the_source_row_for_row(postgres_server, strata_bin, tmp_path):  # noqa: F811
    db = postgres_server.create_database("full_load")
    with postgres_server.connect(db) as conn:
        conn.execute(KINDS_DDL)
        conn.execute("""CREATE SCHEMA sales;
            CREATE TABLE sales.big (id bigint PRIMARY KEY, label text, amount numeric(12,2),
                                    at timestamptz);
            INSERT INTO sales.big SELECT i, 'row ' || i, (i % 10000) / 100.0,
                TIMESTAMPTZ '2020-01-01 00:00:00+00' + i * INTERVAL '1 second'
            FROM generate_series(1, 200000) AS i;
            CREATE TABLE public.empty (id int, name text);""")
    root = make_project(tmp_path / "p", postgres_server, db, """
kinds: public.kinds
big: {table: sales.big}
empty: public.empty
evens: {query: "SELECT id, note FROM public.kinds WHERE flag;"}
""")
    started = time.monotonic()
    out = ingest(strata_bin, root)
    seconds = time.monotonic() - started
    assert "shop.kinds: 61 rows (full snapshot)" in out, out
    assert "shop.big: 200,000 rows (full snapshot)" in out, out
    assert "shop.evens: 30 rows" in out, out
    print(f"full load of 200,061 rows in {seconds:.2f} s")

    source = postgres_server.rows(db, "SELECT * FROM public.kinds")
    loaded = query(strata_bin, root, "SELECT * FROM shop.kinds")
    assert_same_rows(source, loaded)
    lineage = query(strata_bin, root, """SELECT DISTINCT _strata_source, _strata_batch_id,
        _strata_loaded_at IS NOT NULL AS stamped FROM shop.kinds""")
    assert len(lineage) == 1
    assert lineage[0]["_strata_source"] == f"postgres:{db}.public.kinds"
    assert lineage[0]["stamped"] is True

    # The 200k-row table, streamed: every row, compared whole.
    source_big = postgres_server.rows(db, "SELECT id, label, amount, at FROM sales.big")
    loaded_big = query(strata_bin, root, "SELECT id, label, amount, \"at\" FROM shop.big")
    assert_same_rows(source_big, loaded_big)

    assert query(strata_bin, root, "SELECT count(*) AS n FROM shop.empty") == [{"n": 0}]
    assert query(strata_bin, root, "SELECT column_name FROM (DESCRIBE shop.empty) LIMIT 2") == [
        {"column_name": "id"}, {"column_name": "name"}]
    assert_same_rows(postgres_server.rows(db, "SELECT id, note FROM kinds WHERE flag"),
                     query(strata_bin, root, "SELECT id, note FROM shop.evens"))

    # Each full load appends a new snapshot of the table as a new batch.
    with postgres_server.connect(db) as conn:
        conn.execute("UPDATE public.kinds SET note = 'changed' WHERE id = 1")
    out = ingest(strata_bin, root, "shop.kinds")
    assert "shop.kinds: 61 rows (full snapshot)" in out
    batches = query(strata_bin, root, """SELECT _strata_batch_id, count(*) AS n,
        count(*) FILTER (WHERE id = 1 AND note = 'changed') AS changed
        FROM shop.kinds GROUP BY ALL ORDER BY min(_strata_loaded_at)""")
    assert [(b["n"], b["changed"]) for b in batches] == [(61, 0), (61, 1)]


ORDERS_DDL = """
CREATE TABLE public.orders (id integer PRIMARY KEY, customer text, total numeric(10,2),
                            updated_at timestamptz NOT NULL);
INSERT INTO public.orders SELECT i, 'c' || (i % 7), i * 1.5,
    TIMESTAMPTZ '2024-03-01 00:00:00+00' + i * INTERVAL '1 minute'
FROM generate_series(1, 100) AS i;
"""


def orders_project(server, root, database, tables):
    """A fresh database with the `orders` table, and a project loading it as `tables` say."""
    server.create_database(database)
    with server.connect(database) as conn:
        conn.execute(ORDERS_DDL)
    return make_project(root, server, database, tables)


def test_incremental_loads_exactly_the_new_and_changed_rows(postgres_server, strata_bin,  # noqa: F811
                                                            tmp_path):
    db = "incremental"
    root = orders_project(postgres_server, tmp_path / "p", db, """
orders: {table: public.orders, mode: incremental, cursor: updated_at}
""")
    out = ingest(strata_bin, root)
    assert "shop.orders: 100 rows (incremental, first load" in out, out
    assert "2024-03-01 01:40:00+00" in out, out

    with postgres_server.connect(db) as conn:
        conn.execute("""INSERT INTO orders SELECT i, 'new', i, TIMESTAMPTZ '2024-03-02 00:00:00+00'
                        + i * INTERVAL '1 second' FROM generate_series(101, 105) AS i;
                        UPDATE orders SET total = total + 1000,
                            updated_at = TIMESTAMPTZ '2024-03-02 12:00:00+00' WHERE id IN (3, 50, 99);""")
    out = ingest(strata_bin, root)
    assert "shop.orders: 8 rows (incremental, updated_at > '2024-03-01 01:40:00+00'" in out, out

    batches = query(strata_bin, root, """SELECT _strata_batch_id AS b, list(id ORDER BY id) AS ids
        FROM shop.orders GROUP BY ALL ORDER BY min(_strata_loaded_at)""")
    assert len(batches) == 2
    assert batches[1]["ids"] == [3, 50, 99, 101, 102, 103, 104, 105]
    changed = postgres_server.rows(db,
                      "SELECT * FROM orders WHERE id IN (3, 50, 99, 101, 102, 103, 104, 105)")
    second = query(strata_bin, root, f"""SELECT * FROM shop.orders
        WHERE _strata_batch_id = '{batches[1]["b"]}'""")
    assert_same_rows(changed, second)
    # The latest row per key equals the source table.
    latest = query(strata_bin, root, """SELECT * EXCLUDE (rn) FROM (SELECT *, row_number() OVER
        (PARTITION BY id ORDER BY _strata_loaded_at DESC) AS rn FROM shop.orders) WHERE rn = 1""")
    assert_same_rows(postgres_server.rows(db, "SELECT * FROM orders"), latest)

    # Nothing new: nothing loaded, nothing committed.
    snapshots_before = run(strata_bin, root, "table", "list").stdout
    out = ingest(strata_bin, root)
    assert "shop.orders: 0 rows" in out, out
    assert run(strata_bin, root, "table", "list").stdout == snapshots_before


def test_lookback_rereads_a_window_for_late_rows(postgres_server, strata_bin, tmp_path):  # noqa: F811
    db = "lookback"
    root = orders_project(postgres_server, tmp_path / "p", db, """
with_key: {table: public.orders, cursor: updated_at, lookback: 1 hour, primary_key: [id]}
window: {table: public.orders, cursor: updated_at, lookback: 30 minutes}
plain: {table: public.orders, cursor: updated_at}
by_id: {query: "SELECT id, customer FROM public.orders", cursor: id, lookback: 10, primary_key: id}
""")
    ingest(strata_bin, root)
    # The high-water mark is 01:40. A transaction that began earlier commits a row stamped 01:20
    # (late), and a new row arrives at 02:00.
    with postgres_server.connect(db) as conn:
        conn.execute("""INSERT INTO orders VALUES
            (500, 'late', 1, TIMESTAMPTZ '2024-03-01 01:20:00+00'),
            (501, 'new', 2, TIMESTAMPTZ '2024-03-01 02:00:00+00')""")
    out = ingest(strata_bin, root)

    def second_batch_ids(table):
        rows = query(strata_bin, root, f"""SELECT list(id ORDER BY id) AS ids FROM shop.{table}
            GROUP BY _strata_batch_id ORDER BY min(_strata_loaded_at)""")
        return rows[1]["ids"] if len(rows) > 1 else []

    # With a primary key, rows the window re-reads unchanged are skipped: exactly the two rows.
    assert second_batch_ids("with_key") == [500, 501], out
    # Without one, the whole window is re-read: the documented overlap (rows above 01:10).
    assert "shop.window: 32 rows (incremental, updated_at > '2024-03-01 01:10:00+00'" in out, out
    assert second_batch_ids("window") == list(range(71, 101)) + [500, 501]
    # Without a lookback the late row is missed: that is what the window is for.
    assert second_batch_ids("plain") == [501]
    # A numeric cursor with a numeric window: ids above 100 - 10, of which only 500 and 501 are new.
    assert second_batch_ids("by_id") == [500, 501], out


def test_stopped_server_is_a_clear_error_and_commits_nothing(postgres_server, strata_bin,  # noqa: F811
                                                             tmp_path):
    db = "outage"
    root = orders_project(postgres_server, tmp_path / "p", db, """
orders: {table: public.orders, cursor: updated_at}
""")
    ingest(strata_bin, root)
    with postgres_server.connect(db) as conn:
        conn.execute("""INSERT INTO orders SELECT i, 'new', i, TIMESTAMPTZ '2024-03-05 00:00:00+00'
                        + i * INTERVAL '1 second' FROM generate_series(101, 120) AS i""")
    tables_before = run(strata_bin, root, "table", "list").stdout
    postgres_server.stop()
    try:
        started = time.monotonic()
        proc = run(strata_bin, root, "ingest")
        seconds = time.monotonic() - started
        assert proc.returncode == 1, proc
        assert f"127.0.0.1:{postgres_server.port}" in proc.stderr, proc.stderr
        assert "table public.orders" in proc.stderr and "shop.orders" in proc.stderr
        assert "3 attempts; nothing was committed" in proc.stderr, proc.stderr
        assert postgres_server.password not in proc.stderr + proc.stdout
        assert seconds >= 1.4, "the attempts are spaced by a backoff"
        assert run(strata_bin, root, "table", "list").stdout == tables_before
    finally:
        postgres_server.start()
    out = ingest(strata_bin, root)
    assert "shop.orders: 20 rows (incremental, updated_at > '2024-03-01 01:40:00+00'" in out, out
    counts = query(strata_bin, root, "SELECT count(*) AS n, count(DISTINCT id) AS ids FROM shop.orders")
    assert counts == [{"n": 120, "ids": 120}]


def test_bad_table_or_column_is_a_clear_error(postgres_server, strata_bin, tmp_path):  # noqa: F811
    db = "mistakes"
    root = orders_project(postgres_server, tmp_path / "p", db, """
missing: public.no_such_table
typo: {table: public.orders, cursor: updatd_at}
""")
    proc = run(strata_bin, root, "ingest", "shop.missing")
    assert proc.returncode == 1
    assert "no_such_table" in proc.stderr and "does not exist" in proc.stderr, proc.stderr
    assert "attempts" not in proc.stderr, "a missing table is not retried"
    proc = run(strata_bin, root, "ingest", "shop.typo")
    assert proc.returncode == 1
    assert "cursor column 'updatd_at' is not a column of table public.orders" in proc.stderr
    assert "did you mean 'updated_at'" in proc.stderr, proc.stderr
    assert "strata.yml:13:" in proc.stderr and "shop.typo" in proc.stderr, proc.stderr


def test_killed_loads_rerun_to_exactly_the_source(postgres_server, strata_bin, tmp_path):  # noqa: F811
    db = postgres_server.create_database("kills")
    with postgres_server.connect(db) as conn:
        conn.execute("""CREATE TABLE public.events (id bigint PRIMARY KEY, payload text,
                            updated_at timestamptz NOT NULL);
            INSERT INTO events SELECT i, repeat('x', 40) || i,
                TIMESTAMPTZ '2024-01-01 00:00:00+00' + i * INTERVAL '1 second'
            FROM generate_series(1, 200000) AS i;""")
    root = make_project(tmp_path / "p", postgres_server, db, """
events: {table: public.events, cursor: updated_at}
""")
    rng = random.Random(7)
    for round_ in range(4):
        if round_:
            with postgres_server.connect(db) as conn:
                conn.execute(f"""INSERT INTO events SELECT i, 'more', TIMESTAMPTZ
                    '2024-06-01 00:00:00+00' + i * INTERVAL '1 second'
                    FROM generate_series({200000 + round_ * 1000}, {200000 + round_ * 1000 + 999})
                    AS i""")
        proc = subprocess.Popen([strata_bin, "--project", str(root), "ingest"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.05, 0.8))
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
    ingest(strata_bin, root)
    expected = postgres_server.rows(db, "SELECT count(*) AS n, sum(id) AS s FROM events")[0]
    counts = query(strata_bin, root,
                   "SELECT count(*) AS n, count(DISTINCT id) AS ids, sum(id) AS s FROM shop.events")
    assert counts == [{"n": expected["n"], "ids": expected["n"], "s": expected["s"]}]


def test_dropped_connection_mid_load_is_retried(postgres_server, strata_bin, tmp_path):  # noqa: F811
    db = postgres_server.create_database("dropped")
    with postgres_server.connect(db) as conn:
        conn.execute("""CREATE TABLE public.events (id bigint PRIMARY KEY, payload text);
            INSERT INTO events SELECT i, repeat('y', 100) FROM generate_series(1, 1000000) AS i;""")
    root = make_project(tmp_path / "p", postgres_server, db, "events: public.events")
    proc = subprocess.Popen([strata_bin, "--project", str(root), "ingest"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    terminated = 0
    with postgres_server.connect(db) as conn:
        deadline = time.monotonic() + 30
        while not terminated and proc.poll() is None and time.monotonic() < deadline:
            terminated = conn.execute("""SELECT count(pg_terminate_backend(pid)) FROM
                pg_stat_activity WHERE application_name = 'strata' AND query LIKE 'COPY%'
                """).fetchone()[0]
            time.sleep(0.02)
    out, err = proc.communicate(timeout=300)
    assert terminated, "the load ended before its connection could be dropped"
    assert proc.returncode == 0, err
    assert "PostgreSQL connection failed; retrying" in err, err
    assert "shop.events: 1,000,000 rows (full snapshot)" in out and "2 attempts" in out, out
    assert query(strata_bin, root, "SELECT count(*) AS n, count(DISTINCT id) AS ids FROM "
                 "shop.events") == [{"n": 1000000, "ids": 1000000}]
