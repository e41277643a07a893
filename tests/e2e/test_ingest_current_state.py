"""Current-state tables (`current_state: true` with a `primary_key`), against a real PostgreSQL
server (pg_server.py): `<source>_current.<table>` holds exactly the latest row of every key after
full and incremental loads with inserts and updates between them, duplicates of a key within one
batch are reduced to the latest by the cursor, a full load drops keys gone from the source, and the
table is committed with the bronze rows (same load, same batch id)."""

from pg_server import postgres_server  # noqa: F401  (the fixture)
from source_checks import assert_same_rows, ingest, query, run, write_database_project

PASSWORD_VARIABLE = "STRATA_TEST_PG_PASSWORD"


def test_current_state_follows_the_source(postgres_server, strata_bin, tmp_path,  # noqa: F811
                                          monkeypatch):
    monkeypatch.setenv(PASSWORD_VARIABLE, postgres_server.password)
    db = postgres_server.create_database("current_state")
    with postgres_server.connect(db) as conn:
        conn.execute("""
            CREATE TABLE orders (id int PRIMARY KEY, status text, total numeric(10,2),
                                 updated_at timestamptz NOT NULL);
            INSERT INTO orders SELECT i, 'new', i * 2.5,
                TIMESTAMPTZ '2024-05-01 00:00:00+00' + i * INTERVAL '1 minute'
            FROM generate_series(1, 50) AS i;
            -- an append-only change log: several versions of a key in one batch
            CREATE TABLE order_log (id int, status text, changed_at timestamptz);
            INSERT INTO order_log VALUES (1, 'new', '2024-05-01 00:00+00'),
                (1, 'paid', '2024-05-01 01:00+00'), (2, 'new', '2024-05-01 00:30+00'),
                (1, 'shipped', '2024-05-01 02:00+00'), (2, 'cancelled', '2024-05-01 03:00+00');""")
    root = write_database_project(tmp_path / "p", "postgres", postgres_server.port, db, "postgres",
                                  PASSWORD_VARIABLE, """
orders: {table: public.orders, cursor: updated_at, primary_key: [id], current_state: true}
snapshot: {table: public.orders, primary_key: id, current_state: true}
log: {table: public.order_log, cursor: changed_at, primary_key: [id], current_state: true}
""")
    out = ingest(strata_bin, root)
    assert "shop_current.orders: 50 rows" in out and "shop_current.log: 2 rows" in out, out
    source = "SELECT id, status, total, updated_at FROM orders"
    assert_same_rows(postgres_server.rows(db, source),
                     query(strata_bin, root, "SELECT * FROM shop_current.orders"))
    log = query(strata_bin, root, "SELECT id, status FROM shop_current.log ORDER BY id")
    assert log == [{"id": 1, "status": "shipped"}, {"id": 2, "status": "cancelled"}]

    with postgres_server.connect(db) as conn:
        conn.execute("""
            UPDATE orders SET status = 'paid', total = total + 1,
                updated_at = TIMESTAMPTZ '2024-05-02 00:00:00+00' + id * INTERVAL '1 second'
            WHERE id % 10 = 0;
            INSERT INTO orders SELECT i, 'new', i, TIMESTAMPTZ '2024-05-03 00:00:00+00'
            FROM generate_series(51, 55) AS i;
            DELETE FROM orders WHERE id = 7;
            INSERT INTO order_log VALUES (3, 'new', '2024-05-02 00:00+00'),
                (1, 'returned', '2024-05-02 01:00+00');""")
    out = ingest(strata_bin, root)
    assert "shop.orders: 10 rows" in out and "shop_current.orders: 55 rows" in out, out
    # Incremental: inserts and updates are applied; the deleted key stays (deletes need CDC).
    current = query(strata_bin, root, "SELECT * FROM shop_current.orders")
    assert_same_rows(postgres_server.rows(db, source) + [
        r for r in query(strata_bin, root, "SELECT id, status, total, updated_at FROM "
                         "shop_current.orders WHERE id = 7")], current)
    # Full: the snapshot is the current state, so the deleted key is gone.
    assert_same_rows(postgres_server.rows(db, source),
                     query(strata_bin, root, "SELECT * FROM shop_current.snapshot"))
    log = query(strata_bin, root, "SELECT id, status FROM shop_current.log ORDER BY id")
    assert log == [{"id": 1, "status": "returned"}, {"id": 2, "status": "cancelled"},
                   {"id": 3, "status": "new"}]
    # The current row of a changed key came with the bronze rows of the same load.
    assert query(strata_bin, root, """SELECT count(*) AS n FROM shop_current.orders c
        JOIN shop.orders b USING (id, _strata_batch_id) WHERE c.id IN (10, 51)""") == [{"n": 2}]

    # The source emptied: a full load empties the current state, the bronze history stays.
    with postgres_server.connect(db) as conn:
        conn.execute("DELETE FROM orders")
    out = ingest(strata_bin, root, "shop.snapshot")
    assert query(strata_bin, root, "SELECT count(*) AS n FROM shop_current.snapshot") == [{"n": 0}]
    assert query(strata_bin, root, "SELECT count(*) AS n FROM shop.snapshot") == [{"n": 104}]
    assert "primary_key" in run(strata_bin, write_database_project(
        tmp_path / "bad", "postgres", postgres_server.port, db, "postgres", PASSWORD_VARIABLE,
        "t: {table: public.orders, current_state: true}"), "ingest").stderr


def test_current_state_of_a_files_table(strata_bin, tmp_path):
    root = tmp_path / "f"
    (root / "data").mkdir(parents=True)
    (root / "strata.yml").write_text("""name: files_current
sources:
  crm:
    tables:
      customers:
        path: data/*.csv
        primary_key: [id]
        current_state: true
        latest_by: version
""")
    (root / "data" / "2024-01-01.csv").write_text("id,name,version\n1,ann,1\n2,bob,1\n1,anna,2\n")
    out = ingest(strata_bin, root)
    assert "crm_current.customers: 2 rows" in out, out
    (root / "data" / "2024-01-02.csv").write_text("id,name,version\n2,bobby,2\n3,cy,1\n")
    ingest(strata_bin, root)
    assert query(strata_bin, root, "SELECT id, name FROM crm_current.customers ORDER BY id") == [
        {"id": 1, "name": "anna"}, {"id": 2, "name": "bobby"}, {"id": 3, "name": "cy"}]
    assert query(strata_bin, root, "SELECT count(*) AS n FROM crm.customers") == [{"n": 5}]
