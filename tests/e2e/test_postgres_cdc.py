"""PostgreSQL CDC (mode: cdc) against a real PostgreSQL 15 server with wal_level=logical
(pg_server.py): the first load creates the publication and slot and loads the table; later loads
append every insert, update (a key change included) and delete to bronze with its op and commit
LSN, and keep the current-state table equal to the source row for row; loads killed at random
moments and run again apply every change exactly once; the slot advances after each load."""

import subprocess
import time

from pg_server import postgres_server  # noqa: F401  (the fixture)
from random_kill import RandomKills
from source_checks import assert_same_rows, ingest, query, run
from test_postgres_source import make_project, password_in_environment  # noqa: F401  (fixture)


def change(server, database, sql):
    """Runs `sql` with synchronous commit, so its WAL is flushed (what CDC reads up to)."""
    with server.connect(database) as conn:
        conn.execute("SET synchronous_commit = on")
        conn.execute(sql)


COLUMNS = "id, note, amount, flag, day, \"at\", doc, raw, ratio"


def test_cdc_applies_inserts_updates_and_deletes(postgres_server, strata_bin, tmp_path):  # noqa: F811
    db = postgres_server.create_database("cdc_basic")
    change(postgres_server, db, """CREATE TABLE public.items (
          id integer PRIMARY KEY, note text, amount numeric(12,2), flag boolean, day date,
          at timestamptz, doc jsonb, raw bytea, ratio double precision);
        INSERT INTO items SELECT i, 'note ' || i, i * 1.25, i % 2 = 0, DATE '2024-01-01' + i,
            TIMESTAMPTZ '2024-01-01 10:00:00.5+02' + i * INTERVAL '1 minute',
            jsonb_build_object('i', i), decode(lpad(to_hex(i), 4, '0'), 'hex'), i / 3.0
        FROM generate_series(1, 100) AS i;""")
    root = make_project(tmp_path / "p", postgres_server, db, """
items: {table: public.items, mode: cdc, primary_key: [id], current_state: true}
""")
    out = ingest(strata_bin, root)
    assert "shop.items: 100 rows (cdc, initial snapshot; changes from LSN " in out, out
    slots = postgres_server.rows(db, "SELECT slot_name, plugin FROM pg_replication_slots")
    assert slots == [{"slot_name": "strata_shop_items", "plugin": "pgoutput"}]

    change(postgres_server, db, """
        INSERT INTO items VALUES (101, 'new ''quoted'' ✓', 9.99, true, '2025-02-03',
            '2025-02-03 04:05:06.789+00', '{"a": [1, 2]}', '\\x00ff10', 0.5);
        INSERT INTO items (id) VALUES (102);
        UPDATE items SET note = 'changed', amount = amount + 1 WHERE id <= 5;
        DELETE FROM items WHERE id BETWEEN 90 AND 94;
        UPDATE items SET id = 1000 WHERE id = 10;
        BEGIN; INSERT INTO items (id, note) VALUES (200, 'short-lived');
               UPDATE items SET note = 'still short' WHERE id = 200;
               DELETE FROM items WHERE id = 200; COMMIT;
        UPDATE items SET note = NULL, flag = NULL WHERE id = 6;""")
    out = ingest(strata_bin, root)
    assert "shop.items: 18 rows (cdc changes, LSN " in out, out

    source = postgres_server.rows(db, f"SELECT {COLUMNS} FROM items")
    current = query(strata_bin, root, f"SELECT {COLUMNS} FROM shop_current.items")
    assert_same_rows(source, current)
    ops = query(strata_bin, root, """SELECT _strata_op AS op, count(*) AS n FROM shop.items
        GROUP BY ALL ORDER BY op NULLS FIRST""")
    # 100 snapshot rows; 3 inserts; 5 + 1 + 1 updates (key change: a delete of the old key and an
    # update to the new one) + 1 in the short-lived transaction; 5 + 1 + 1 deletes.
    assert ops == [{"op": None, "n": 100}, {"op": "delete", "n": 7}, {"op": "insert", "n": 3},
                   {"op": "update", "n": 8}], ops
    new_row = query(strata_bin, root, f"""SELECT {COLUMNS} FROM shop.items WHERE id = 101""")
    assert_same_rows(postgres_server.rows(db, f"SELECT {COLUMNS} FROM items WHERE id = 101"),
                     new_row)
    history = query(strata_bin, root, """SELECT _strata_op AS op, note FROM shop.items
        WHERE id = 200 ORDER BY _strata_lsn, _strata_seq""")
    assert history == [{"op": "insert", "note": "short-lived"},
                       {"op": "update", "note": "still short"}, {"op": "delete", "note": None}]
    moved = query(strata_bin, root, """SELECT id, _strata_op AS op, _strata_seq AS seq,
        _strata_lsn AS lsn FROM shop.items WHERE id IN (10, 1000) AND _strata_op IS NOT NULL
        ORDER BY _strata_seq""")
    assert [(m["id"], m["op"]) for m in moved] == [(10, "delete"), (1000, "update")], moved
    assert moved[1]["seq"] == moved[0]["seq"] + 1 and moved[1]["lsn"] == moved[0]["lsn"], moved

    # Nothing changed: no rows, and the slot still moves on (WAL is not held back).
    before = postgres_server.rows(db, "SELECT confirmed_flush_lsn::text AS l FROM "
                                      "pg_replication_slots")[0]["l"]
    change(postgres_server, db, "CREATE TABLE other (x int); INSERT INTO other VALUES (1)")
    out = ingest(strata_bin, root)
    assert "shop.items: 0 rows (cdc changes" in out, out
    after = postgres_server.rows(db, "SELECT confirmed_flush_lsn > '" + before +
                                     "'::pg_lsn AS moved FROM pg_replication_slots")[0]
    assert after["moved"] is True
    assert query(strata_bin, root, "SELECT count(*) AS n FROM shop.items") == [{"n": 118}]


def test_cdc_config_errors_are_clear(postgres_server, strata_bin, tmp_path):  # noqa: F811
    db = postgres_server.create_database("cdc_config")
    root = make_project(tmp_path / "p", postgres_server, db, """
items: {table: public.items, mode: cdc}
""")
    proc = run(strata_bin, root, "ingest")
    assert proc.returncode == 3, proc.stderr
    assert "is mode: cdc and needs 'primary_key: [column, ...]'" in proc.stderr, proc.stderr
    root = make_project(tmp_path / "q", postgres_server, db, """
items: {query: "SELECT 1 AS id", mode: cdc, primary_key: [id]}
""")
    proc = run(strata_bin, root, "ingest")
    assert proc.returncode == 3 and "needs 'table: schema.name' (not a query)" in \
        proc.stderr, proc.stderr


def test_killed_cdc_loads_apply_every_change_exactly_once(postgres_server, strata_bin,  # noqa: F811
                                                          tmp_path):
    db = postgres_server.create_database("cdc_kills")
    change(postgres_server, db, """CREATE TABLE public.events (id bigint PRIMARY KEY,
            payload text, n integer);
        INSERT INTO events SELECT i, 'p' || i, 0 FROM generate_series(1, 20000) AS i;""")
    root = make_project(tmp_path / "p", postgres_server, db, """
events: {table: public.events, mode: cdc, primary_key: [id], current_state: true,
         batch_changes: 2000}
""")
    kills = RandomKills(seed=11)
    for round_ in range(24):
        if round_ >= 8 and kills.killed >= 4:
            break
        if round_:
            base = 100000 + round_ * 10000
            change(postgres_server, db, f"""
                INSERT INTO events SELECT i, 'new', 0 FROM generate_series({base}, {base + 9999})
                    AS i;
                UPDATE events SET n = n + 1, payload = 'u{round_}' WHERE id % 7 = {round_};
                DELETE FROM events WHERE id % 97 = {round_};""")
        kills.ingest(strata_bin, root)
        if round_ == 0:
            # The snapshot load may have been killed; it completes before changes are made, so
            # that the later killed loads read the change log.
            ingest(strata_bin, root)
    print(f"{kills.killed} of {round_ + 1} loads were killed while running")
    assert kills.killed >= 3, f"only {kills.killed} loads were still running when killed"
    ingest(strata_bin, root)
    ingest(strata_bin, root)  # nothing left: applies nothing twice

    source = postgres_server.rows(db, "SELECT id, payload, n FROM events")
    current = query(strata_bin, root, "SELECT id, payload, n FROM shop_current.events")
    assert_same_rows(source, current)
    # Every change of the WAL exactly once: no two bronze rows share a commit LSN and position in
    # their transaction, and replaying the bronze log over the snapshot gives the source.
    dup = query(strata_bin, root, """SELECT count(*) AS n, count(DISTINCT (_strata_lsn,
        _strata_seq)) AS distinct_changes FROM shop.events WHERE _strata_op IS NOT NULL""")[0]
    assert dup["n"] == dup["distinct_changes"] and dup["n"] > 0, dup
    replayed = query(strata_bin, root, """SELECT id, payload, n FROM shop.events
        QUALIFY row_number() OVER (PARTITION BY id ORDER BY _strata_lsn DESC NULLS LAST,
                                   _strata_seq DESC) = 1 AND _strata_op IS DISTINCT FROM 'delete'""")
    assert_same_rows(source, replayed)
    # The initial snapshot was committed once, however often its load was killed (it may hold
    # rows of the first round of changes, when its first complete run came after them).
    snapshot = query(strata_bin, root, """SELECT count(*) AS n, count(DISTINCT id) AS ids,
        count(DISTINCT _strata_batch_id) AS batches FROM shop.events WHERE _strata_op IS NULL""")[0]
    assert snapshot["n"] == snapshot["ids"] >= 20000 and snapshot["batches"] == 1, snapshot


def test_cdc_change_rate(postgres_server, strata_bin, tmp_path):  # noqa: F811
    db = postgres_server.create_database("cdc_rate")
    change(postgres_server, db, """CREATE TABLE public.accounts (id bigint PRIMARY KEY,
            balance numeric(14,2), owner text, updated_at timestamptz);
        INSERT INTO accounts SELECT i, 0, 'owner ' || i, now() FROM generate_series(1, 50000) i;""")
    root = make_project(tmp_path / "p", postgres_server, db, """
accounts: {table: public.accounts, mode: cdc, primary_key: [id], current_state: true}
""")
    ingest(strata_bin, root)
    change(postgres_server, db, """
        UPDATE accounts SET balance = balance + 10, updated_at = now();
        INSERT INTO accounts SELECT i, 1, 'late', now() FROM generate_series(50001, 80000) i;
        DELETE FROM accounts WHERE id > 60000;""")
    started = time.monotonic()
    out = ingest(strata_bin, root)
    seconds = time.monotonic() - started
    assert "shop.accounts: 100,000 rows (cdc changes" in out, out
    print(f"CDC: 100,000 changes (50,000 updates, 30,000 inserts, 20,000 deletes) applied to "
          f"bronze and the current state in {seconds:.2f} s ({100000 / seconds:,.0f} changes/s)")
    source = postgres_server.rows(db, "SELECT id, balance, owner FROM accounts")
    assert_same_rows(source, query(strata_bin, root,
                                   "SELECT id, balance, owner FROM shop_current.accounts"))


def test_cdc_new_column_and_truncate(postgres_server, strata_bin, tmp_path):  # noqa: F811
    db = postgres_server.create_database("cdc_schema")
    change(postgres_server, db, """CREATE TABLE public.items (id integer PRIMARY KEY, note text);
        INSERT INTO items VALUES (1, 'a'), (2, 'b');""")
    root = make_project(tmp_path / "p", postgres_server, db, """
items: {table: public.items, mode: cdc, primary_key: [id], current_state: true}
""")
    if postgres_server.rows(db, "SELECT count(*) AS n FROM pg_replication_slots WHERE "
                                "slot_name = 'strata_shop_items'")[0]["n"]:
        # Slots belong to the whole server: one of another database is refused by name.
        proc = run(strata_bin, root, "ingest")
        assert proc.returncode != 0, proc.stderr
        assert "replication slot 'strata_shop_items' belongs to database 'cdc_basic'" in \
            proc.stderr, proc.stderr
    root = make_project(tmp_path / "p", postgres_server, db, """
items: {table: public.items, mode: cdc, primary_key: [id], current_state: true,
        slot: strata_schema_items, publication: strata_schema_items}
""")
    ingest(strata_bin, root)
    change(postgres_server, db, """INSERT INTO items VALUES (3, 'c');
        ALTER TABLE items ADD COLUMN extra text;
        INSERT INTO items VALUES (4, 'd', 'x');
        UPDATE items SET extra = 'y' WHERE id = 1;""")
    out = ingest(strata_bin, root)
    # One transaction: the changes before the new column have it NULL.
    assert "shop.items: 3 rows (cdc changes" in out, out
    source = postgres_server.rows(db, "SELECT id, note, extra FROM items")
    assert_same_rows(source, query(strata_bin, root,
                                   "SELECT id, note, extra FROM shop_current.items"))

    # TRUNCATE empties the current state; the changes after it in the same load stay.
    change(postgres_server, db, "UPDATE items SET note = 'z' WHERE id = 2; TRUNCATE items; "
                                "INSERT INTO items VALUES (9, 'after', NULL)")
    ingest(strata_bin, root)
    assert query(strata_bin, root, "SELECT id, note FROM shop_current.items") == [
        {"id": 9, "note": "after"}]
    assert query(strata_bin, root, "SELECT count(*) AS n FROM shop.items "
                                   "WHERE _strata_op = 'truncate'") == [{"n": 1}]


def test_cdc_soft_deletes(postgres_server, strata_bin, tmp_path):  # noqa: F811
    db = postgres_server.create_database("cdc_soft")
    change(postgres_server, db, """CREATE TABLE public.items (id integer PRIMARY KEY, note text);
        INSERT INTO items VALUES (1, 'a'), (2, 'b');""")
    root = make_project(tmp_path / "p", postgres_server, db, """
items: {table: public.items, mode: cdc, primary_key: [id], current_state: true, deletes: soft,
        slot: strata_soft_items, publication: strata_soft_items}
""")
    ingest(strata_bin, root)
    # A delete carries only the key (REPLICA IDENTITY DEFAULT): the row keeps its last values.
    change(postgres_server, db, "DELETE FROM items WHERE id = 2; INSERT INTO items VALUES (3, 'c')")
    ingest(strata_bin, root)
    rows = query(strata_bin, root, """SELECT id, note, _strata_deleted AS d,
        _strata_deleted_at IS NOT NULL AS d_at FROM shop_current.items ORDER BY id""")
    assert rows == [{"id": 1, "note": "a", "d": False, "d_at": False},
                    {"id": 2, "note": "b", "d": True, "d_at": True},
                    {"id": 3, "note": "c", "d": False, "d_at": False}], rows
    change(postgres_server, db, "TRUNCATE items")
    ingest(strata_bin, root)
    assert query(strata_bin, root, "SELECT count(*) AS n FROM shop_current.items "
                                   "WHERE _strata_deleted") == [{"n": 3}]


def test_dropped_connection_during_cdc_load_is_retried(postgres_server, strata_bin,  # noqa: F811
                                                       tmp_path):
    db = postgres_server.create_database("cdc_dropped")
    change(postgres_server, db, """CREATE TABLE public.events (id bigint PRIMARY KEY, note text);
        INSERT INTO events VALUES (0, 'first');""")
    root = make_project(tmp_path / "p", postgres_server, db, """
events: {table: public.events, mode: cdc, primary_key: [id], current_state: true,
         batch_changes: 5000, slot: strata_dropped_events, publication: strata_dropped_events}
""")
    ingest(strata_bin, root)
    for t in range(20):  # 20 transactions of 5,000 inserts: a batch each
        change(postgres_server, db, f"""INSERT INTO events SELECT i, 'n' || i
            FROM generate_series({t * 5000 + 1}, {(t + 1) * 5000}) AS i""")
    proc = subprocess.Popen([strata_bin, "--project", str(root), "ingest"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    peeks, terminated = set(), 0
    with postgres_server.connect(db) as conn:
        deadline = time.monotonic() + 60
        while not terminated and proc.poll() is None and time.monotonic() < deadline:
            for pid, started in conn.execute("""SELECT pid, query_start FROM pg_stat_activity
                    WHERE query LIKE '%pg_logical_slot_peek_binary_changes%'
                      AND pid <> pg_backend_pid()""").fetchall():
                peeks.add((pid, started))
                if len(peeks) >= 3:  # after some batches were committed
                    terminated += conn.execute("SELECT pg_terminate_backend(%s)",
                                               (pid,)).fetchone()[0]
            time.sleep(0.01)
    out, err = proc.communicate(timeout=300)
    assert terminated, "the load ended before its connection could be dropped"
    assert proc.returncode == 0, err
    assert "PostgreSQL connection failed; retrying" in err, err
    ingest(strata_bin, root)  # nothing left
    source = postgres_server.rows(db, "SELECT id, note FROM events")
    assert_same_rows(source, query(strata_bin, root, "SELECT id, note FROM shop_current.events"))
    changes = query(strata_bin, root, """SELECT count(*) AS n, count(DISTINCT (_strata_lsn,
        _strata_seq)) AS distinct_changes FROM shop.events WHERE _strata_op IS NOT NULL""")[0]
    assert changes == {"n": 100000, "distinct_changes": 100000}, changes
