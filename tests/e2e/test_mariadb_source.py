"""MySQL/MariaDB as a source (`kind: mariadb`, the same as `mysql`), against a real MariaDB server
(mariadb_server.py): full loads equal the source row for row across many types, incremental loads
take exactly the new and changed rows with the range computed by the server, the lookback window
with a primary key skips rows already loaded, a stopped server is a clear error that commits
nothing, and a load killed at any moment and run again neither loses nor duplicates a row."""

import json
import random
import signal
import subprocess
import time

import pytest

from mariadb_server import mariadb_server  # noqa: F401  (the fixture)
from source_checks import assert_same_rows, ingest, query, run, write_database_project

PASSWORD_VARIABLE = "STRATA_TEST_MARIADB_PASSWORD"


@pytest.fixture(autouse=True)
def password_in_environment(mariadb_server, monkeypatch):  # noqa: F811
    monkeypatch.setenv(PASSWORD_VARIABLE, mariadb_server.password)
    monkeypatch.delenv("STRATA_LOG_FORMAT", raising=False)


def make_project(root, server, database, tables):
    return write_database_project(root, "mariadb", server.port, database, server.user,
                                  PASSWORD_VARIABLE, tables)


KINDS_DDL = [
    """CREATE TABLE kinds (
      id INT PRIMARY KEY, tiny TINYINT, small SMALLINT, big BIGINT, ubig BIGINT UNSIGNED,
      amount DECIMAL(12,2), precise DECIMAL(30,10), ratio DOUBLE, flag TINYINT(1), day DATE,
      at DATETIME(6), stamp TIMESTAMP(3) NULL, note VARCHAR(200), body TEXT, doc JSON,
      raw BLOB, code CHAR(3))""",
    """INSERT INTO kinds
      SELECT seq, CAST(seq AS SIGNED) % 100 - 50, seq * 7, seq * 1000000007, 18446744073709551615 - seq * 1000,
             seq * 12.34 - 500, seq / 7, seq / 3.0, seq % 2,
             DATE '2024-01-01' + INTERVAL seq DAY,
             TIMESTAMP '2024-01-01 10:00:00.123456' + INTERVAL (seq * 3601) SECOND,
             TIMESTAMP '2024-02-01 00:00:00.250' + INTERVAL seq HOUR,
             CASE WHEN seq % 7 = 0 THEN CONCAT('quote '' and "double" \\\\ ', seq)
                  ELSE CONCAT('héllo ✓ ', seq) END,
             REPEAT('long text ', seq), JSON_OBJECT('i', seq, 'nested', JSON_ARRAY(seq, 'x')),
             UNHEX(LPAD(HEX(seq), 8, '0')), LPAD(seq, 3, '0')
      FROM seq_1_to_60""",
    "INSERT INTO kinds (id) VALUES (1000)",
]


def test_full_load_equals_the_source_row_for_row(mariadb_server, strata_bin, tmp_path):  # noqa: F811
    db = mariadb_server.create_database("full_load")
    mariadb_server.execute(db, *KINDS_DDL,
                           """CREATE TABLE big (id BIGINT PRIMARY KEY, label VARCHAR(40),
                                                amount DECIMAL(12,2), at DATETIME)""",
                           """INSERT INTO big SELECT seq, CONCAT('row ', seq), (seq % 10000) / 100,
                                TIMESTAMP '2020-01-01 00:00:00' + INTERVAL seq SECOND
                              FROM seq_1_to_200000""",
                           "CREATE TABLE empty (id INT, name TEXT)")
    root = make_project(tmp_path / "p", mariadb_server, db, """
kinds: kinds
big: {table: full_load.big}
empty: empty
evens: {query: "SELECT id, note FROM kinds WHERE flag;"}
""")
    started = time.monotonic()
    out = ingest(strata_bin, root)
    seconds = time.monotonic() - started
    assert "shop.kinds: 61 rows (full snapshot)" in out, out
    assert "shop.big: 200,000 rows (full snapshot)" in out, out
    assert "shop.evens: 30 rows" in out, out
    print(f"full load of 200,091 rows from MariaDB in {seconds:.2f} s")

    source = mariadb_server.rows(db, "SELECT * FROM kinds")
    loaded = query(strata_bin, root, "SELECT * FROM shop.kinds")
    assert_same_rows(source, loaded)
    types = {r["column_name"]: r["column_type"] for r in query(
        strata_bin, root, "SELECT column_name, column_type FROM (DESCRIBE shop.kinds)")}
    assert types["amount"] == "DECIMAL(12,2)" and types["ubig"] == "DECIMAL(20,0)", types
    assert types["at"] == "TIMESTAMP" and types["day"] == "DATE" and types["raw"] == "BLOB"
    assert json.loads(loaded[0]["doc"])["nested"][1] == "x"
    lineage = query(strata_bin, root, """SELECT DISTINCT _strata_source,
        _strata_loaded_at IS NOT NULL AS stamped FROM shop.kinds""")
    assert lineage == [{"_strata_source": f"mysql:{db}.kinds", "stamped": True}]

    source_big = mariadb_server.rows(db, "SELECT * FROM big")
    assert_same_rows(source_big, query(strata_bin, root, "SELECT id, label, amount, \"at\" FROM shop.big"))
    assert query(strata_bin, root, "SELECT count(*) AS n FROM shop.empty") == [{"n": 0}]
    assert_same_rows(mariadb_server.rows(db, "SELECT id, note FROM kinds WHERE flag"),
                     query(strata_bin, root, "SELECT id, note FROM shop.evens"))

    # Each full load appends a new snapshot of the table as a new batch.
    mariadb_server.execute(db, "UPDATE kinds SET note = 'changed' WHERE id = 1")
    assert "shop.kinds: 61 rows (full snapshot)" in ingest(strata_bin, root, "shop.kinds")
    batches = query(strata_bin, root, """SELECT count(*) AS n,
        count(*) FILTER (WHERE id = 1 AND note = 'changed') AS changed
        FROM shop.kinds GROUP BY _strata_batch_id ORDER BY min(_strata_loaded_at)""")
    assert [(b["n"], b["changed"]) for b in batches] == [(61, 0), (61, 1)]


ORDERS_DDL = [
    """CREATE TABLE orders (id INT PRIMARY KEY, customer VARCHAR(20), total DECIMAL(10,2),
                           doc JSON, updated_at DATETIME(3) NOT NULL, KEY (updated_at))""",
    """INSERT INTO orders SELECT seq, CONCAT('c', seq % 7), seq * 1.5, JSON_OBJECT('n', seq),
           TIMESTAMP '2024-03-01 00:00:00' + INTERVAL seq MINUTE FROM seq_1_to_100""",
]


def orders_project(server, root, database, tables):
    server.create_database(database)
    server.execute(database, *ORDERS_DDL)
    return make_project(root, server, database, tables)


def test_incremental_loads_exactly_the_new_and_changed_rows(mariadb_server, strata_bin,  # noqa: F811
                                                            tmp_path):
    db = "incremental"
    root = orders_project(mariadb_server, tmp_path / "p", db, """
orders: {table: orders, mode: incremental, cursor: updated_at}
""")
    out = ingest(strata_bin, root)
    assert "shop.orders: 100 rows (incremental, first load, up to updated_at = " \
           "'2024-03-01 01:40:00'" in out, out

    mariadb_server.execute(db, "SET GLOBAL log_output = 'TABLE'", "SET GLOBAL general_log = 1",
                           "TRUNCATE mysql.general_log")
    mariadb_server.execute(db, """INSERT INTO orders SELECT seq, 'new', seq, '{}',
                                    TIMESTAMP '2024-03-02 00:00:00' + INTERVAL seq SECOND
                                  FROM seq_101_to_105""",
                           """UPDATE orders SET total = total + 1000,
                                updated_at = '2024-03-02 12:00:00' WHERE id IN (3, 50, 99)""")
    try:
        out = ingest(strata_bin, root)
        statements = [r["argument"] for r in mariadb_server.rows(
            None, "SELECT CONVERT(argument USING utf8mb4) AS argument FROM mysql.general_log "
                  "WHERE command_type IN ('Query', 'Execute') AND argument LIKE '%orders%'")]
    finally:
        mariadb_server.execute(None, "SET GLOBAL general_log = 0")
    assert "shop.orders: 8 rows (incremental, updated_at > '2024-03-01 01:40:00'" in out, out
    # The range is computed by the server (where the index on the cursor serves it).
    assert any("WHERE `updated_at` > '2024-03-01 01:40:00'" in s for s in statements), statements

    batches = query(strata_bin, root, """SELECT _strata_batch_id AS b, list(id ORDER BY id) AS ids
        FROM shop.orders GROUP BY ALL ORDER BY min(_strata_loaded_at)""")
    assert [b["ids"] for b in batches][1] == [3, 50, 99, 101, 102, 103, 104, 105]
    latest = query(strata_bin, root, """SELECT * EXCLUDE (rn) FROM (SELECT *, row_number() OVER
        (PARTITION BY id ORDER BY _strata_loaded_at DESC) AS rn FROM shop.orders) WHERE rn = 1""")
    assert_same_rows(mariadb_server.rows(db, "SELECT * FROM orders"), latest)

    snapshots_before = run(strata_bin, root, "table", "list").stdout
    assert "shop.orders: 0 rows" in ingest(strata_bin, root)
    assert run(strata_bin, root, "table", "list").stdout == snapshots_before


def test_lookback_with_a_primary_key_skips_rows_already_loaded(mariadb_server, strata_bin,  # noqa: F811
                                                              tmp_path):
    db = "lookback"
    root = orders_project(mariadb_server, tmp_path / "p", db, """
with_key: {table: orders, cursor: updated_at, lookback: 1 hour, primary_key: [id]}
plain: {table: orders, cursor: updated_at}
by_query: {query: "SELECT id, customer FROM orders", cursor: id, lookback: 10, primary_key: id}
""")
    ingest(strata_bin, root)
    mariadb_server.execute(db, """INSERT INTO orders VALUES
        (500, 'late', 1, '{}', '2024-03-01 01:20:00'), (501, 'new', 2, '{}', '2024-03-01 02:00:00')""")
    out = ingest(strata_bin, root)

    def second_batch_ids(table):
        rows = query(strata_bin, root, f"""SELECT list(id ORDER BY id) AS ids FROM shop.{table}
            GROUP BY _strata_batch_id ORDER BY min(_strata_loaded_at)""")
        return rows[1]["ids"] if len(rows) > 1 else []

    assert second_batch_ids("with_key") == [500, 501], out
    assert second_batch_ids("plain") == [501], out  # the late row needs the window
    assert second_batch_ids("by_query") == [500, 501], out


def test_stopped_server_is_a_clear_error_and_commits_nothing(mariadb_server, strata_bin,  # noqa: F811
                                                             tmp_path):
    db = "outage"
    root = orders_project(mariadb_server, tmp_path / "p", db, """
orders: {table: orders, cursor: updated_at}
""")
    ingest(strata_bin, root)
    mariadb_server.execute(db, """INSERT INTO orders SELECT seq, 'new', seq, '{}',
        TIMESTAMP '2024-03-05 00:00:00' + INTERVAL seq SECOND FROM seq_101_to_120""")
    tables_before = run(strata_bin, root, "table", "list").stdout
    mariadb_server.stop()
    try:
        started = time.monotonic()
        proc = run(strata_bin, root, "ingest")
        seconds = time.monotonic() - started
        assert proc.returncode == 1, proc
        assert f"MySQL at 127.0.0.1:{mariadb_server.port}" in proc.stderr, proc.stderr
        assert "table orders" in proc.stderr and "shop.orders" in proc.stderr, proc.stderr
        assert "3 attempts; nothing was committed" in proc.stderr, proc.stderr
        assert mariadb_server.password not in proc.stderr + proc.stdout
        assert seconds >= 1.4, "the attempts are spaced by a backoff"
        assert run(strata_bin, root, "table", "list").stdout == tables_before
    finally:
        mariadb_server.start()
    out = ingest(strata_bin, root)
    assert "shop.orders: 20 rows (incremental, updated_at > '2024-03-01 01:40:00'" in out, out
    assert query(strata_bin, root, "SELECT count(*) AS n, count(DISTINCT id) AS ids "
                 "FROM shop.orders") == [{"n": 120, "ids": 120}]


def test_bad_table_or_column_is_a_clear_error(mariadb_server, strata_bin, tmp_path):  # noqa: F811
    root = orders_project(mariadb_server, tmp_path / "p", "mistakes", """
missing: no_such_table
typo: {table: orders, cursor: updatd_at}
""")
    proc = run(strata_bin, root, "ingest", "shop.missing")
    assert proc.returncode == 1
    assert "no_such_table" in proc.stderr and "attempts" not in proc.stderr, proc.stderr
    assert f"127.0.0.1:{mariadb_server.port}" in proc.stderr, proc.stderr
    proc = run(strata_bin, root, "ingest", "shop.typo")
    assert proc.returncode == 1
    assert "cursor column 'updatd_at' is not a column of table orders" in proc.stderr
    assert "did you mean 'updated_at'" in proc.stderr, proc.stderr


def test_killed_loads_rerun_to_exactly_the_source(mariadb_server, strata_bin, tmp_path):  # noqa: F811
    db = mariadb_server.create_database("kills")
    mariadb_server.execute(db, """CREATE TABLE events (id BIGINT PRIMARY KEY, payload VARCHAR(100),
                                    updated_at DATETIME NOT NULL, KEY (updated_at))""",
                           """INSERT INTO events SELECT seq, CONCAT(REPEAT('x', 40), seq),
                                TIMESTAMP '2024-01-01 00:00:00' + INTERVAL seq SECOND
                              FROM seq_1_to_200000""")
    root = make_project(tmp_path / "p", mariadb_server, db, """
events: {table: events, cursor: updated_at}
full: events
""")
    rng = random.Random(11)
    sizes = {200000}
    for round_ in range(6):
        if round_:
            first = 200000 + round_ * 1000
            mariadb_server.execute(db, f"""INSERT INTO events SELECT seq, 'more',
                TIMESTAMP '2024-06-01 00:00:00' + INTERVAL seq SECOND
                FROM seq_{first}_to_{first + 999}""")
            sizes.add(200000 + round_ * 1000)
        proc = subprocess.Popen([strata_bin, "--project", str(root), "ingest"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.05, 1.0))
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
    ingest(strata_bin, root)
    expected = mariadb_server.rows(db, "SELECT count(*) AS n, sum(id) AS s FROM events")[0]
    counts = query(strata_bin, root,
                   "SELECT count(*) AS n, count(DISTINCT id) AS ids, sum(id) AS s FROM shop.events")
    assert counts == [{"n": expected["n"], "ids": expected["n"], "s": expected["s"]}]
    # A full load is all or nothing: each committed batch is a whole copy of the table as it was.
    full = query(strata_bin, root, """SELECT count(*) AS n, count(DISTINCT id) AS ids
        FROM shop.full GROUP BY _strata_batch_id""")
    assert full and all(b["n"] == b["ids"] and b["n"] in sizes for b in full), (full, sizes)


def test_dropped_connection_mid_load_is_retried(mariadb_server, strata_bin, tmp_path):  # noqa: F811
    db = mariadb_server.create_database("dropped")
    mariadb_server.execute(db, "CREATE TABLE events (id BIGINT PRIMARY KEY, payload VARCHAR(120))",
                           """INSERT INTO events SELECT seq, REPEAT('y', 100)
                              FROM seq_1_to_1000000""")
    root = make_project(tmp_path / "p", mariadb_server, db, "events: events")
    proc = subprocess.Popen([strata_bin, "--project", str(root), "ingest"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    killed = 0
    with mariadb_server.connect() as conn, conn.cursor() as cur:
        deadline = time.monotonic() + 30
        while not killed and proc.poll() is None and time.monotonic() < deadline:
            cur.execute("""SELECT id FROM information_schema.processlist
                           WHERE user = 'loader' AND info LIKE 'SELECT%events%'""")
            for (thread,) in cur.fetchall():
                cur.execute(f"KILL CONNECTION {thread}")
                killed += 1
            time.sleep(0.01)
    out, err = proc.communicate(timeout=300)
    assert killed, "the load ended before its connection could be dropped"
    assert proc.returncode == 0, err
    assert "MySQL connection failed; retrying" in err, err
    assert "shop.events: 1,000,000 rows (full snapshot)" in out and "2 attempts" in out, out
    assert query(strata_bin, root, "SELECT count(*) AS n, count(DISTINCT id) AS ids FROM "
                 "shop.events") == [{"n": 1000000, "ids": 1000000}]
