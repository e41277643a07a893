"""Data intervals as the bounds of incremental PostgreSQL loads (`interval_bounded: true`), against a
real PostgreSQL server (pg_server.py): a backfill over several daily intervals (in parallel) loads
each row of each interval exactly once, with TIMESTAMPTZ cursors compared with the interval's
instants and TIMESTAMP cursors with its wall-clock times in the pipeline's time zone; running an
interval again replaces its rows (nothing lost, nothing duplicated), picking up rows committed late
into it; a reload of an older interval never brings back an older version of a key in the current
state; plain `strata ingest` still loads from the high-water mark; and the option is refused where
it cannot apply."""

import datetime
import re
from zoneinfo import ZoneInfo

import pytest

from orchestrate_server import cli
from pg_server import postgres_server  # noqa: F401  (the fixture)
from source_checks import query, write_database_project

PASSWORD_VARIABLE = "STRATA_TEST_PG_PASSWORD"
PARIS = ZoneInfo("Europe/Paris")
DB = "interval_loads"

SOURCE_DDL = """
CREATE TABLE public.events (id integer PRIMARY KEY, note text, updated_at timestamptz NOT NULL);
INSERT INTO public.events
SELECT i, 'v1', TIMESTAMPTZ '2025-12-30 00:00:00+00' + i * INTERVAL '1 hour'
FROM generate_series(0, 24 * 8 - 1) AS i;
CREATE TABLE public.visits (id integer PRIMARY KEY, page text, at timestamp NOT NULL);
INSERT INTO public.visits
SELECT i, 'p' || i, TIMESTAMP '2025-12-30 00:30:00' + i * INTERVAL '1 hour'
FROM generate_series(0, 24 * 8 - 1) AS i;
CREATE TABLE public.versions (version_id integer PRIMARY KEY, id integer, note text,
                              changed_at timestamptz NOT NULL);
INSERT INTO public.versions VALUES
  (1, 7, 'first',  '2026-01-01 10:00:00+01'),
  (2, 7, 'second', '2026-01-03 10:00:00+01'),
  (3, 8, 'only',   '2026-01-01 11:00:00+01');
CREATE TABLE public.numbered (id integer PRIMARY KEY, seq bigint NOT NULL);
INSERT INTO public.numbered VALUES (1, 1);
"""

TABLES = """
events: {table: public.events, cursor: updated_at, primary_key: [id], current_state: true,
         interval_bounded: true}
visits: {table: public.visits, cursor: at, interval_bounded: true}
versions: {table: public.versions, cursor: changed_at, primary_key: [id], current_state: true,
           interval_bounded: true}
numbered: {table: public.numbered, cursor: seq, interval_bounded: true}
"""

PIPELINES = """
pipelines:
  daily:
    schedule: "@daily"
    timezone: Europe/Paris
    start_date: "2025-12-01"
    steps:
      - {name: load, kind: ingest, select: [shop.events, shop.visits, shop.versions]}
  numbers:
    schedule: "@daily"
    steps:
      - {name: load, kind: ingest, select: [shop.numbered]}
"""


@pytest.fixture
def project(postgres_server, tmp_path, monkeypatch):  # noqa: F811
    monkeypatch.setenv(PASSWORD_VARIABLE, postgres_server.password)
    db = postgres_server.create_database(DB)
    with postgres_server.connect(db) as conn:
        conn.execute(SOURCE_DDL)
    root = write_database_project(tmp_path / "p", "postgres", postgres_server.port, db, "postgres",
                                  PASSWORD_VARIABLE, TABLES)
    with open(root / "strata.yml", "a", encoding="utf-8") as config:
        config.write(PIPELINES)
    return root


def paris_day(day):
    """The instants [start, end) of a day in Paris, as aware datetimes."""
    start = datetime.datetime.combine(day, datetime.time(), PARIS)
    return start, start + datetime.timedelta(days=1)


def expected_events(server, db, days):
    """{id: note} of the source's events whose cursor falls in the Paris days."""
    rows = {}
    for day in days:
        start, end = paris_day(day)
        for row in server.rows(db, f"SELECT id, note FROM public.events WHERE updated_at >= "
                                   f"'{start.isoformat()}' AND updated_at < '{end.isoformat()}'"):
            rows[row["id"]] = row["note"]
    return rows


def bronze_events(strata_bin, root):
    rows = query(strata_bin, root, "SELECT id, note FROM shop.events ORDER BY id")
    ids = [row["id"] for row in rows]
    assert len(ids) == len(set(ids)), "a row of bronze was loaded twice"
    return {row["id"]: row["note"] for row in rows}


def days(first, count):
    return [first + datetime.timedelta(days=i) for i in range(count)]


JAN_1 = datetime.date(2026, 1, 1)


def test_backfill_reruns_and_late_rows(postgres_server, strata_bin, project):  # noqa: F811
    out = cli(strata_bin, project, "pipeline", "backfill", "daily", "--start", "2026-01-01",
              "--end", "2026-01-04", "--parallel", "3").stdout
    assert "3 run(s), 3 ok, 0 failed" in out, out

    # Each event of the three Paris days once, and nothing outside them.
    assert bronze_events(strata_bin, project) == expected_events(
        postgres_server, DB, days(JAN_1, 3))
    # TIMESTAMP cursors: the days' wall-clock times (as UTC instants they would start at 23:30
    # the day before).
    visits = query(strata_bin, project,
                   'SELECT min("at")::VARCHAR AS lo, max("at")::VARCHAR AS hi, count(*) AS n, '
                   "count(DISTINCT id) AS ids FROM shop.visits")
    assert visits == [{"lo": "2026-01-01 00:30:00", "hi": "2026-01-03 23:30:00", "n": 72,
                       "ids": 72}], visits
    current = query(strata_bin, project, "SELECT count(*) AS n FROM shop_current.events")
    assert current == [{"n": 72}], current

    # Running the 2nd again replaces its rows: same rows, none twice.
    out = cli(strata_bin, project, "pipeline", "backfill", "daily", "--start", "2026-01-02",
              "--end", "2026-01-03", "--force").stdout
    assert "1 run(s), 1 ok" in out, out
    run_id = re.search(r"run (\d+)\s", out).group(1)
    logs = cli(strata_bin, project, "pipeline", "logs", run_id).stdout
    assert "shop.events: 24 rows of the data interval (24 rows loaded for it before replaced)" \
        in logs, logs
    assert bronze_events(strata_bin, project) == expected_events(
        postgres_server, DB, days(JAN_1, 3))

    # Rows committed late into the 2nd, and an update there that keeps its cursor: a rerun of
    # that interval's run (every step) picks both up, without touching the other days.
    with postgres_server.connect(DB) as conn:
        conn.execute("INSERT INTO public.events VALUES (5000, 'late', '2026-01-02 12:34:00+01'), "
                     "(5001, 'late', '2026-01-02 23:59:59+01')")
        conn.execute("UPDATE public.events SET note = 'fixed' "
                     "WHERE updated_at = '2026-01-02 08:00:00+01'")
    out = cli(strata_bin, project, "pipeline", "rerun", run_id).stdout
    assert re.search(r"Run \d+ succeeded", out), out
    loaded = bronze_events(strata_bin, project)
    assert loaded == expected_events(postgres_server, DB, days(JAN_1, 3))
    assert loaded[5000] == "late" and loaded[5001] == "late"
    assert list(loaded.values()).count("fixed") == 1
    late = query(strata_bin, project,
                 "SELECT id, note FROM shop_current.events WHERE id >= 5000 OR note = 'fixed' "
                 "ORDER BY id")
    assert [row["note"] for row in late] == ["fixed", "late", "late"], late

    # A reload of an older interval keeps the later version of a key in the current state
    # (intervals loaded out of order, as a parallel backfill may).
    state = query(strata_bin, project, "SELECT id, note FROM shop_current.versions ORDER BY id")
    assert state == [{"id": 7, "note": "second"}, {"id": 8, "note": "only"}], state
    cli(strata_bin, project, "pipeline", "backfill", "daily", "--start", "2026-01-01",
        "--end", "2026-01-02", "--force")
    state = query(strata_bin, project, "SELECT id, note FROM shop_current.versions ORDER BY id")
    assert state == [{"id": 7, "note": "second"}, {"id": 8, "note": "only"}], state
    assert query(strata_bin, project, "SELECT count(*) AS n FROM shop.versions") == [{"n": 3}]

    # Outside a pipeline run the table loads as before: what is above the high-water mark (the
    # largest cursor loaded, the end of the 3rd), never the days before the backfill.
    out = cli(strata_bin, project, "ingest", "shop.events").stdout
    source_after = postgres_server.rows(
        DB, "SELECT count(*) AS n FROM public.events WHERE updated_at >= "
                    "'2026-01-04 00:00:00+01'")[0]["n"]
    assert f"shop.events: {source_after} rows" in out, out
    assert bronze_events(strata_bin, project) == {
        **expected_events(postgres_server, DB, days(JAN_1, 3)),
        **expected_events(postgres_server, DB, days(JAN_1 + datetime.timedelta(3), 5))}


def test_a_numeric_cursor_cannot_be_bounded(strata_bin, project):
    proc = cli(strata_bin, project, "pipeline", "run", "numbers", "--at", "2026-01-02",
               check=False)
    assert proc.returncode == 1, proc.stdout
    assert "interval_bounded needs a date or timestamp cursor; cursor 'seq'" in proc.stdout, \
        proc.stdout


def test_interval_bounded_needs_an_incremental_table(strata_bin, tmp_path):
    root = write_database_project(tmp_path / "bad", "postgres", 5432, "db", "u", PASSWORD_VARIABLE,
                                  "t: {table: public.t, interval_bounded: true}")
    proc = cli(strata_bin, root, "pipeline", "list", check=False)
    assert proc.returncode == 3, proc.stderr
    assert "strata.yml:" in proc.stderr and \
        "interval_bounded applies only to mode: incremental" in proc.stderr, proc.stderr
