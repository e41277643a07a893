"""Kill test: ingestion killed with SIGKILL at 50 random moments (reading, writing files,
committing), each time run again; at the end the bronze row multiset equals the source's exactly:
files (CSV and NDJSON with bad lines, so the quarantine is checked too) and PostgreSQL (an
incremental table, a full table and a current-state table, with inserts and updates between
loads)."""

import json
import random
import signal
import subprocess
import time

from pg_server import postgres_server  # noqa: F401  (the fixture)
from source_checks import assert_same_rows, ingest, query, write_database_project

KILLS_PER_PART = 25


def kill_during_ingest(strata_bin, root, rng, longest):
    """Starts `strata ingest` and kills it after a random delay; whether it was still running."""
    proc = subprocess.Popen([strata_bin, "--project", str(root), "ingest"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(rng.uniform(0, longest))
    proc.send_signal(signal.SIGKILL)
    return proc.wait(timeout=60) == -signal.SIGKILL


def timed_ingest(strata_bin, root):
    started = time.monotonic()
    ingest(strata_bin, root)
    return time.monotonic() - started


def test_files_killed_at_random_moments_load_exactly_once(strata_bin, tmp_path):
    root = tmp_path / "p"
    (root / "data").mkdir(parents=True)
    (root / "strata.yml").write_text("""name: kills
sources:
  feed:
    tables:
      rows: {path: data/*.csv, columns: {id: BIGINT, label: VARCHAR}}
      events: {path: data/*.ndjson}
""")
    rng = random.Random(2024)
    next_id, bad_lines = 0, 0

    def add_files(round_):
        nonlocal next_id, bad_lines
        ids = range(next_id, next_id + 20000)
        next_id += 20000
        csv = "id,label\n" + "".join(f"{i},row {i}\n" for i in ids)
        ndjson = "".join(json.dumps({"id": i, "tags": [i % 3]}) + "\n" if i % 997 else "{broken\n"
                         for i in ids)
        bad_lines += sum(1 for i in ids if i % 997 == 0)
        (root / "data" / f"part-{round_:03}.csv").write_text(csv)
        (root / "data" / f"part-{round_:03}.ndjson").write_text(ndjson)

    add_files(0)
    longest = timed_ingest(strata_bin, root) * 1.3
    killed = 0
    for round_ in range(1, KILLS_PER_PART + 1):
        add_files(round_)
        killed += kill_during_ingest(strata_bin, root, rng, longest)
    assert killed >= KILLS_PER_PART // 2, f"only {killed} loads were still running when killed"
    ingest(strata_bin, root)

    expected = {"n": next_id, "ids": next_id, "s": next_id * (next_id - 1) // 2}
    assert query(strata_bin, root, "SELECT count(*) AS n, count(DISTINCT id) AS ids, "
                 "sum(id) AS s FROM feed.rows") == [expected]
    good = next_id - bad_lines
    assert query(strata_bin, root, "SELECT count(*) AS n, count(DISTINCT id) AS ids "
                 "FROM feed.events") == [{"n": good, "ids": good}]
    assert query(strata_bin, root, """SELECT count(*) AS n,
        count(DISTINCT (source_file, line)) AS places FROM feed._quarantine""") == [
        {"n": bad_lines, "places": bad_lines}]


def test_postgres_killed_at_random_moments_loads_exactly_once(postgres_server, strata_bin,  # noqa: F811
                                                              tmp_path, monkeypatch):
    monkeypatch.setenv("STRATA_TEST_PG_PASSWORD", postgres_server.password)
    db = postgres_server.create_database("kill_rounds")
    with postgres_server.connect(db) as conn:
        conn.execute("""
            CREATE TABLE events (id bigint PRIMARY KEY, payload text, at timestamptz NOT NULL);
            INSERT INTO events SELECT i, repeat('p', 30) || i,
                TIMESTAMPTZ '2024-01-01 00:00:00+00' + i * INTERVAL '1 second'
            FROM generate_series(1, 100000) AS i;
            CREATE TABLE accounts (id int PRIMARY KEY, balance bigint, updated_at timestamptz);
            INSERT INTO accounts SELECT i, 0, TIMESTAMPTZ '2024-01-01 00:00:00+00'
            FROM generate_series(1, 2000) AS i;""")
    root = write_database_project(tmp_path / "p", "postgres", postgres_server.port, db,
                                  "postgres", "STRATA_TEST_PG_PASSWORD", """
events: {table: public.events, cursor: at}
snapshot: {table: public.accounts, primary_key: [id], current_state: true}
accounts: {table: public.accounts, cursor: updated_at, primary_key: [id], current_state: true}
""")
    longest = timed_ingest(strata_bin, root) * 1.3
    rng = random.Random(99)
    sizes = {2000}
    killed = 0
    for round_ in range(1, KILLS_PER_PART + 1):
        first = 100000 + round_ * 1000
        with postgres_server.connect(db) as conn:
            conn.execute(f"""
                INSERT INTO events SELECT i, 'more', TIMESTAMPTZ '2024-06-01 00:00:00+00'
                    + i * INTERVAL '1 second' FROM generate_series({first}, {first + 999}) AS i;
                UPDATE accounts SET balance = balance + {round_},
                    updated_at = TIMESTAMPTZ '2024-06-01 00:00:00+00' + {round_} * INTERVAL '1 hour'
                WHERE id % {round_ + 1} = 0;
                INSERT INTO accounts VALUES ({5000 + round_}, {round_},
                    TIMESTAMPTZ '2024-06-01 00:00:00+00' + {round_} * INTERVAL '1 hour');""")
        sizes.add(2000 + round_)
        killed += kill_during_ingest(strata_bin, root, rng, longest)
    assert killed >= KILLS_PER_PART // 2, f"only {killed} loads were still running when killed"
    ingest(strata_bin, root)

    expected = postgres_server.rows(db, "SELECT count(*) AS n, sum(id) AS s FROM events")[0]
    assert query(strata_bin, root, """SELECT count(*) AS n, count(DISTINCT id) AS ids,
        sum(id) AS s FROM shop.events""") == [
        {"n": expected["n"], "ids": expected["n"], "s": expected["s"]}]
    # Every committed full load is a whole copy of the table as it was at some round.
    batches = query(strata_bin, root, """SELECT count(*) AS n, count(DISTINCT id) AS ids
        FROM shop.snapshot GROUP BY _strata_batch_id""")
    assert batches and all(b["n"] == b["ids"] and b["n"] in sizes for b in batches), batches
    source = postgres_server.rows(db, "SELECT id, balance, updated_at FROM accounts")
    assert_same_rows(source, query(strata_bin, root, "SELECT * FROM shop_current.accounts"))
    assert_same_rows(source, query(strata_bin, root, "SELECT * FROM shop_current.snapshot"))
