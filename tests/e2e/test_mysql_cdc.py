"""MySQL/MariaDB CDC (mode: cdc) from the row-based binary log of a real MariaDB 10.11 server
(mariadb_server.py, log_bin with binlog_format=ROW): the first load reads the binlog position and
loads the table; later loads, speaking the replication protocol, append every insert, update
(a key change included), delete and truncate to bronze exactly once with its op, binlog file and
position, GTID and order, and keep the current-state table equal to the source row for row (hard
or soft deletes); every column type decodes to the value the full load reads; loads killed at
random moments and run again apply every change exactly once."""

import time

import pytest

from pyiceberg.table import StaticTable

from lake_catalog import metadata_location
from mariadb_server import CDC_USER, mariadb_server  # noqa: F401  (the fixture)
from random_kill import RandomKills
from source_checks import assert_same_rows, ingest, query, run, write_database_project

PASSWORD_VARIABLE = "STRATA_TEST_MARIADB_PASSWORD"


@pytest.fixture(autouse=True)
def password_in_environment(mariadb_server, monkeypatch):  # noqa: F811
    monkeypatch.setenv(PASSWORD_VARIABLE, mariadb_server.password)
    monkeypatch.delenv("STRATA_LOG_FORMAT", raising=False)


def make_project(root, server, database, tables, user=CDC_USER):
    return write_database_project(root, "mariadb", server.port, database, user,
                                  PASSWORD_VARIABLE, tables)


def test_cdc_applies_inserts_updates_and_deletes_exactly_once(mariadb_server, strata_bin,  # noqa: F811
                                                              tmp_path):
    db = mariadb_server.create_database("cdc_basic")
    mariadb_server.execute(db, """CREATE TABLE items (id INT PRIMARY KEY, note VARCHAR(100),
                                    amount DECIMAL(12,2), flag TINYINT(1))""",
                           "INSERT INTO items SELECT seq, CONCAT('note ', seq), seq * 1.25, seq % 2 "
                           "FROM seq_1_to_100")
    root = make_project(tmp_path / "p", mariadb_server, db, """
items: {table: items, mode: cdc, primary_key: [id], current_state: true}
""")
    out = ingest(strata_bin, root)
    assert "shop.items: 100 rows (cdc, initial snapshot; changes from binlog mariadb-bin." in out, \
        out
    mariadb_server.execute(db,
                           "INSERT INTO items VALUES (101, 'new ''quoted'' ✓', 9.99, 1)",
                           "INSERT INTO items (id) VALUES (102)",
                           "UPDATE items SET note = 'changed', amount = amount + 1 WHERE id <= 5",
                           "DELETE FROM items WHERE id BETWEEN 90 AND 94",
                           "UPDATE items SET id = 1000 WHERE id = 10",
                           "BEGIN",
                           "INSERT INTO items (id, note) VALUES (200, 'short-lived')",
                           "UPDATE items SET note = 'still short' WHERE id = 200",
                           "DELETE FROM items WHERE id = 200",
                           "COMMIT",
                           "UPDATE items SET note = NULL, flag = NULL WHERE id = 6")
    out = ingest(strata_bin, root)
    assert "shop.items: 18 rows (cdc changes, binlog mariadb-bin." in out, out

    source = mariadb_server.rows(db, "SELECT * FROM items")
    assert_same_rows(source, query(strata_bin, root, "SELECT * FROM shop_current.items"))
    changes = query(strata_bin, root, """SELECT id, _strata_op AS op, _strata_seq AS seq,
        _strata_binlog_file AS file, _strata_binlog_pos AS pos, _strata_gtid AS gtid
        FROM shop.items WHERE _strata_op IS NOT NULL
        ORDER BY _strata_binlog_file, _strata_binlog_pos, _strata_seq""")
    ops = [(c["id"], c["op"]) for c in changes]
    assert ops[:2] == [(101, "insert"), (102, "insert")], ops
    # The key change: a delete of the old key, then the row with the new one.
    assert ops.index((10, "delete")) + 1 == ops.index((1000, "update")), ops
    assert ops[-4:] == [(200, "insert"), (200, "update"), (200, "delete"), (6, "update")], ops
    assert all(c["file"].startswith("mariadb-bin.") and c["pos"] > 0 for c in changes)
    assert all(c["gtid"].startswith("0-1-") for c in changes), changes
    # One transaction: one position, the changes numbered in order.
    short = [c for c in changes if c["id"] == 200]
    assert len({c["pos"] for c in short}) == 1 and [c["seq"] for c in short] == [0, 1, 2]

    # Nothing new: nothing appended, the position stays valid.
    out = ingest(strata_bin, root)
    assert "shop.items: 0 rows (cdc changes" in out, out
    assert query(strata_bin, root, "SELECT count(*) AS n FROM shop.items "
                                   "WHERE _strata_op IS NOT NULL") == [{"n": 18}]

    # Bronze is partitioned by load date: pyiceberg sees the spec and the change files' values.
    table = StaticTable.from_metadata(metadata_location(root, "shop.items"))
    fields = [(f.name, str(f.transform)) for f in table.spec().fields]
    assert fields == [("_strata_loaded_at_day", "day")], fields
    assert len(table.scan().to_arrow()) == 118
    days = {task.file.partition[0] for task in table.scan().plan_files()
            if task.file.partition and len(task.file.partition)}
    assert len(days) == 1 and next(iter(days)) > 19000, days  # days since 1970: the load's


KINDS = """CREATE TABLE kinds (
  id INT PRIMARY KEY, tiny TINYINT, utiny TINYINT UNSIGNED, small SMALLINT,
  usmall SMALLINT UNSIGNED, medium MEDIUMINT, umedium MEDIUMINT UNSIGNED, plain INT,
  uplain INT UNSIGNED, big BIGINT, ubig BIGINT UNSIGNED, amount DECIMAL(12,2),
  precise DECIMAL(30,10), tiny_dec DECIMAL(4,1), ratio DOUBLE, single FLOAT, flag TINYINT(1),
  day DATE, at DATETIME(6), at0 DATETIME, at3 DATETIME(3), stamp TIMESTAMP(3) NULL,
  stamp0 TIMESTAMP NULL, clock TIME, clock3 TIME(3), yr YEAR, note VARCHAR(200),
  body TEXT, doc JSON, raw BLOB, vb VARBINARY(20), code CHAR(3), color ENUM('red','gré''en','blue'),
  tags SET('a','b','c'), bits BIT(10))"""

KIND_VALUES = """SELECT seq, CAST(seq AS SIGNED) % 100 - 50, 200 + seq % 50, -seq * 7, 65000 + seq,
    -8000000 + seq, 16000000 + seq, -2000000000 + seq, 4000000000 + seq,
    -9000000000000000000 + seq, 18446744073709551615 - seq * 1000, seq * 12.34 - 500,
    -seq / 7, -seq / 10, seq / 3.0, seq / 8.0, seq % 2, DATE '2024-01-01' + INTERVAL seq DAY,
    TIMESTAMP '2024-01-01 10:00:00.123456' + INTERVAL (seq * 3601) SECOND,
    TIMESTAMP '1999-12-31 23:59:59' + INTERVAL seq MINUTE,
    TIMESTAMP '2024-03-01 00:00:00.5' + INTERVAL seq SECOND,
    TIMESTAMP '2024-02-01 00:00:00.250' + INTERVAL seq HOUR,
    TIMESTAMP '2030-06-01 12:00:00' + INTERVAL seq DAY,
    SEC_TO_TIME(seq * 997), SEC_TO_TIME(seq * 61.125), 1990 + seq,
    CASE WHEN seq % 7 = 0 THEN CONCAT('quote '' and "double" \\\\ ', seq)
         ELSE CONCAT('héllo ✓ ', seq) END,
    REPEAT('long text ', seq), JSON_OBJECT('i', seq, 'nested', JSON_ARRAY(seq, 'x')),
    UNHEX(LPAD(HEX(seq * 1000003), 8, '0')), UNHEX(CONCAT('00FF', LPAD(HEX(seq), 2, '0'))),
    LPAD(seq, 3, '0'), ELT(1 + seq % 3, 'red', 'gré''en', 'blue'),
    ELT(1 + seq % 4, '', 'a', 'b,c', 'a,b,c'), seq * 3 % 1024"""


def test_cdc_types_round_trip(mariadb_server, strata_bin, tmp_path):  # noqa: F811
    db = mariadb_server.create_database("cdc_types")
    mariadb_server.execute(db, KINDS, f"INSERT INTO kinds {KIND_VALUES} FROM (SELECT CAST(seq AS SIGNED) AS seq "
                               "FROM seq_1_to_40) AS t",
                           "INSERT INTO kinds (id) VALUES (100)")
    root = make_project(tmp_path / "p", mariadb_server, db, """
kinds: {table: kinds, mode: cdc, primary_key: [id], current_state: true}
""")
    ingest(strata_bin, root)
    # The same values again, through the binary log this time.
    mariadb_server.execute(db, "INSERT INTO kinds SELECT id + 1000, tiny, utiny, small, usmall, "
                               "medium, umedium, plain, uplain, big, ubig, amount, precise, "
                               "tiny_dec, ratio, single, flag, day, at, at0, at3, stamp, stamp0, "
                               "clock, clock3, yr, note, body, doc, raw, vb, code, color, tags, "
                               "bits FROM kinds")
    out = ingest(strata_bin, root)
    assert "shop.kinds: 41 rows (cdc changes" in out, out
    lineage = ("_strata_loaded_at, _strata_batch_id, _strata_source, _strata_op, "
               "_strata_binlog_file, _strata_binlog_pos, _strata_gtid, _strata_seq")
    snapshot = query(strata_bin, root, f"SELECT * EXCLUDE ({lineage}) FROM shop.kinds "
                                       "WHERE id < 1000 ORDER BY id")
    changes = query(strata_bin, root, f"SELECT * EXCLUDE ({lineage}) FROM shop.kinds "
                                      "WHERE id > 1000 ORDER BY id")
    assert len(snapshot) == len(changes) == 41
    for before, after in zip(snapshot, changes):
        after["id"] -= 1000
        assert after == before
    # And both equal the source (what the driver reads).
    source = mariadb_server.rows(db, "SELECT id, ubig, amount, precise, at, stamp, note, raw, "
                                     "code FROM kinds")
    assert_same_rows(source, query(strata_bin, root, 'SELECT id, ubig, amount, precise, "at", '
                                                     "stamp, note, raw, code FROM "
                                                     "shop_current.kinds"))


def test_cdc_soft_deletes_truncate_and_new_column(mariadb_server, strata_bin, tmp_path):  # noqa: F811
    db = mariadb_server.create_database("cdc_soft")
    mariadb_server.execute(db, "CREATE TABLE items (id INT PRIMARY KEY, note VARCHAR(20))",
                           "INSERT INTO items VALUES (1, 'a'), (2, 'b'), (3, 'c')")
    root = make_project(tmp_path / "p", mariadb_server, db, """
items: {table: items, mode: cdc, primary_key: [id], current_state: true, deletes: soft}
""")
    ingest(strata_bin, root)
    current = "SELECT id, note, _strata_deleted AS d, _strata_deleted_at IS NOT NULL AS d_at " \
              "FROM shop_current.items ORDER BY id"
    assert query(strata_bin, root, current) == [
        {"id": 1, "note": "a", "d": False, "d_at": False},
        {"id": 2, "note": "b", "d": False, "d_at": False},
        {"id": 3, "note": "c", "d": False, "d_at": False}]
    mariadb_server.execute(db, "DELETE FROM items WHERE id = 2", "INSERT INTO items VALUES (4, 'd')",
                           "UPDATE items SET note = 'c2' WHERE id = 3")
    ingest(strata_bin, root)
    assert query(strata_bin, root, current) == [
        {"id": 1, "note": "a", "d": False, "d_at": False},
        {"id": 2, "note": "b", "d": True, "d_at": True},  # the last values, flagged
        {"id": 3, "note": "c2", "d": False, "d_at": False},
        {"id": 4, "note": "d", "d": False, "d_at": False}]

    # A new column, then more changes, in the same load: the batch ends before the DDL and the
    # rows after it are decoded with the new definition.
    mariadb_server.execute(db, "INSERT INTO items VALUES (5, 'e')",
                           "ALTER TABLE items ADD COLUMN extra INT",
                           "INSERT INTO items VALUES (6, 'f', 60)",
                           "UPDATE items SET extra = 10, note = NULL WHERE id = 1")
    ingest(strata_bin, root)
    rows = query(strata_bin, root, "SELECT id, note, extra FROM shop_current.items "
                                   "WHERE NOT _strata_deleted ORDER BY id")
    assert rows == [{"id": 1, "note": None, "extra": "10"}, {"id": 3, "note": "c2", "extra": None},
                    {"id": 4, "note": "d", "extra": None}, {"id": 5, "note": "e", "extra": None},
                    {"id": 6, "note": "f", "extra": "60"}], rows

    # TRUNCATE: every row before it is deleted (flagged); what follows it stays.
    mariadb_server.execute(db, "UPDATE items SET note = 'x' WHERE id = 4", "TRUNCATE TABLE items",
                           "INSERT INTO items VALUES (7, 'g', 70)")
    ingest(strata_bin, root)
    assert query(strata_bin, root, "SELECT id FROM shop_current.items WHERE NOT _strata_deleted"
                 ) == [{"id": 7}]
    assert query(strata_bin, root, "SELECT count(*) AS n FROM shop_current.items "
                                   "WHERE _strata_deleted AND _strata_deleted_at IS NOT NULL"
                 ) == [{"n": 6}]
    ops = query(strata_bin, root, "SELECT _strata_op AS op, count(*) AS n FROM shop.items "
                                  "GROUP BY ALL ORDER BY op NULLS FIRST")
    assert ops == [{"op": None, "n": 3}, {"op": "delete", "n": 1}, {"op": "insert", "n": 4},
                   {"op": "truncate", "n": 1}, {"op": "update", "n": 3}], ops

    # Hard deletes (the default): the key leaves the current state.
    root = make_project(tmp_path / "h", mariadb_server, db, """
items: {table: items, mode: cdc, primary_key: [id], current_state: true}
""")
    ingest(strata_bin, root)
    mariadb_server.execute(db, "INSERT INTO items VALUES (8, 'h', 80)",
                           "DELETE FROM items WHERE id = 7")
    ingest(strata_bin, root)
    assert query(strata_bin, root, "SELECT id FROM shop_current.items") == [{"id": 8}]
    mariadb_server.execute(db, "TRUNCATE items")
    ingest(strata_bin, root)
    assert query(strata_bin, root, "SELECT count(*) AS n FROM shop_current.items") == [{"n": 0}]


def test_killed_cdc_loads_apply_every_change_exactly_once(mariadb_server, strata_bin,  # noqa: F811
                                                          tmp_path):
    db = mariadb_server.create_database("cdc_kills")
    mariadb_server.execute(db, "CREATE TABLE events (id BIGINT PRIMARY KEY, payload VARCHAR(20), "
                               "n INT)",
                           "INSERT INTO events SELECT seq, CONCAT('p', seq), 0 FROM seq_1_to_20000")
    root = make_project(tmp_path / "p", mariadb_server, db, """
events: {table: events, mode: cdc, primary_key: [id], current_state: true, batch_changes: 2000}
""")
    kills = RandomKills(seed=12)
    for round_ in range(24):
        if round_ >= 8 and kills.killed >= 4:
            break
        if round_ == 1:
            # The snapshot load may have been killed; it completes before changes are made, so
            # that the later killed loads read the binary log.
            ingest(strata_bin, root)
        base = 100000 + round_ * 10000
        if round_:
            mariadb_server.execute(
                db, f"INSERT INTO events SELECT seq, 'new', 0 FROM seq_{base}_to_{base + 9999}",
                f"UPDATE events SET n = n + 1, payload = 'u{round_}' WHERE id % 7 = {round_ % 7}",
                f"DELETE FROM events WHERE id % 97 = {round_}")
        kills.ingest(strata_bin, root)
    print(f"{kills.killed} of {round_ + 1} loads were killed while running")
    assert kills.killed >= 3, f"only {kills.killed} loads were still running when killed"
    ingest(strata_bin, root)
    ingest(strata_bin, root)  # nothing left: applies nothing twice

    source = mariadb_server.rows(db, "SELECT id, payload, n FROM events")
    assert_same_rows(source, query(strata_bin, root,
                                   "SELECT id, payload, n FROM shop_current.events"))
    # Every change exactly once: no two bronze rows share a transaction position and order.
    dup = query(strata_bin, root, """SELECT count(*) AS n, count(DISTINCT (_strata_binlog_file,
        _strata_binlog_pos, _strata_seq)) AS distinct_changes FROM shop.events
        WHERE _strata_op IS NOT NULL""")[0]
    assert dup["n"] == dup["distinct_changes"] and dup["n"] > 0, dup
    replayed = query(strata_bin, root, """SELECT id, payload, n FROM shop.events
        QUALIFY row_number() OVER (PARTITION BY id ORDER BY _strata_binlog_file DESC NULLS LAST,
            _strata_binlog_pos DESC NULLS LAST, _strata_seq DESC) = 1
        AND _strata_op IS DISTINCT FROM 'delete'""")
    assert_same_rows(source, replayed)
    snapshot = query(strata_bin, root, """SELECT count(*) AS n, count(DISTINCT id) AS ids,
        count(DISTINCT _strata_batch_id) AS batches FROM shop.events WHERE _strata_op IS NULL""")[0]
    assert snapshot == {"n": 20000, "ids": 20000, "batches": 1}, snapshot


def test_cdc_change_rate_and_errors(mariadb_server, strata_bin, tmp_path):  # noqa: F811
    db = mariadb_server.create_database("cdc_rate")
    mariadb_server.execute(db, "CREATE TABLE accounts (id BIGINT PRIMARY KEY, "
                               "balance DECIMAL(14,2), owner VARCHAR(40), updated_at DATETIME(6))",
                           "INSERT INTO accounts SELECT seq, 0, CONCAT('owner ', seq), NOW(6) "
                           "FROM seq_1_to_50000")
    root = make_project(tmp_path / "p", mariadb_server, db, """
accounts: {table: accounts, mode: cdc, primary_key: [id], current_state: true}
""")
    ingest(strata_bin, root)
    mariadb_server.execute(db, "UPDATE accounts SET balance = balance + 10, updated_at = NOW(6)",
                           "INSERT INTO accounts SELECT seq, 1, 'late', NOW(6) "
                           "FROM seq_50001_to_80000",
                           "DELETE FROM accounts WHERE id > 60000")
    started = time.monotonic()
    out = ingest(strata_bin, root)
    seconds = time.monotonic() - started
    assert "shop.accounts: 100,000 rows (cdc changes" in out, out
    print(f"MySQL CDC: 100,000 changes (50,000 updates, 30,000 inserts, 20,000 deletes) applied "
          f"to bronze and the current state in {seconds:.2f} s ({100000 / seconds:,.0f} "
          f"changes/s)")
    source = mariadb_server.rows(db, "SELECT id, balance, owner FROM accounts")
    assert_same_rows(source, query(strata_bin, root,
                                   "SELECT id, balance, owner FROM shop_current.accounts"))

    # The loader may read the tables but not the binary log: a clear error naming what to grant.
    other = make_project(tmp_path / "q", mariadb_server, db, """
accounts: {table: accounts, mode: cdc, primary_key: [id]}
""", user="loader")
    proc = run(strata_bin, other, "ingest")
    assert proc.returncode == 1, proc.stderr  # the table failed
    assert "BINLOG MONITOR" in proc.stderr and mariadb_server.password not in proc.stderr, \
        proc.stderr
