"""End to end: `strata query` skips data files by partition values and column statistics.

    STRATA_BIN=build/release/strata python3 -m pytest tests/e2e/test_lake_pruning.py

One table gets files under several partition specs (unpartitioned, day(ts) + identity(region),
bucket(8, id), truncate(3, note)), a renamed column and a widened one. Every query runs twice:
with pruning (the default) and with --no-pruning; the rows must be identical, while the debug log
reports files skipped for the selective ones. The predicates cover =, <, <=, >, >=, IN, BETWEEN,
IS [NOT] NULL, literals of other types (dates against timestamps, integers against decimals),
joins and subqueries, and shapes that must not prune (OR, outer joins, samples).
"""

import json
import subprocess

import pytest


def rows_sql(start, stop):
    # 4 days x 3 regions; amount and id grow, so later appends have higher bounds; every 7th note
    # is NULL.
    return (f"SELECT i::BIGINT AS id, TIMESTAMPTZ '2024-03-01 00:00:00+00' + (i % 4) * INTERVAL 1 DAY "
            f"+ (i % 7) * INTERVAL 1 HOUR AS ts, 'r' || (i % 3) AS region, "
            f"CAST(i * 10 AS DECIMAL(10, 2)) AS amount, i::INTEGER AS qty, "
            f"CASE WHEN i % 7 = 0 THEN NULL ELSE 'note-' || (i % 50) END AS note "
            f"FROM range({start}, {stop}) t(i)")


@pytest.fixture(scope="module")
def project(tmp_path_factory, strata):
    p = tmp_path_factory.mktemp("pruning") / "p"
    strata("init", p)
    strata("-p", p, "table", "append", "silver.events", "--from", rows_sql(0, 40))
    strata("-p", p, "table", "partition", "silver.events", "--by", "day(ts), region")
    strata("-p", p, "table", "append", "silver.events", "--from", rows_sql(40, 120))
    strata("-p", p, "table", "partition", "silver.events", "--by", "bucket(8, id)")
    strata("-p", p, "table", "append", "silver.events", "--from", rows_sql(120, 200))
    strata("-p", p, "table", "alter", "silver.events", "--rename-column", "amount=total")
    strata("-p", p, "table", "alter", "silver.events", "--widen", "qty=long")
    strata("-p", p, "table", "partition", "silver.events", "--by", "truncate(3, note)")
    strata("-p", p, "table", "append", "silver.events", "--from",
           rows_sql(200, 260).replace("AS amount", "AS total"))
    strata("-p", p, "table", "append", "silver.events", "--from",
           rows_sql(260, 300).replace("AS amount", "AS total"))
    return p


def run_query(strata_bin, project, sql, *extra):
    command = [strata_bin, "-p", str(project), "--log-level", "debug", "--log-format", "json",
               "query", "-f", "json", "--max-rows", "100000", *extra, sql]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    skipped = 0
    read = 0
    for line in result.stderr.splitlines():
        try:
            event = json.loads(line)
        except ValueError:
            continue
        if event.get("msg") == "file pruning":
            skipped += event["skipped_by_partition"] + event["skipped_by_statistics"]
            read += event["read"]
    rows = sorted(json.dumps(r, sort_keys=True) for r in json.loads(result.stdout or "[]"))
    return rows, skipped, read


SELECTIVE = [
    "ts >= '2024-03-03'",
    "ts >= TIMESTAMPTZ '2024-03-02 00:00:00+00' AND ts < '2024-03-03'",
    "ts = '2024-03-02 05:00:00+00'",
    "ts BETWEEN DATE '2024-03-01' AND DATE '2024-03-02'",
    "region = 'r1' AND ts < '2024-03-02'",
    "region IN ('r0', 'r2') AND id >= 100",
    "id = 150",
    "id IN (5, 150, 299)",
    "id > 250",
    "id <= 39",
    "250 < id",
    "total >= 2500",
    "total < 400.00",
    "total = 1500",
    "qty BETWEEN 10 AND 20",
    "note IS NULL AND id >= 200",
    "note = 'note-7'",
    "note >= 'note-4' AND id > 200",
]

NOT_PRUNED_OR_EQUAL = [
    "true",
    "id = 1 OR id = 250",
    "id > 2.5",
    "id + 0 = 150",
    "note IS NOT NULL",
    "region <> 'r1'",
    "CAST(ts AS DATE) = DATE '2024-03-02'",
    "note LIKE 'note-1%'",
    "total > 2899.5",
]


@pytest.mark.parametrize("where", SELECTIVE)
def test_selective_queries_skip_files_and_return_the_same_rows(strata_bin, project, where):
    sql = f"SELECT * FROM silver.events WHERE {where}"
    pruned, skipped, read = run_query(strata_bin, project, sql)
    full, full_skipped, _ = run_query(strata_bin, project, sql, "--no-pruning")
    assert pruned == full
    assert full_skipped == 0
    assert skipped > 0, f"no file skipped for {where}"


@pytest.mark.parametrize("where", NOT_PRUNED_OR_EQUAL)
def test_other_queries_return_the_same_rows(strata_bin, project, where):
    sql = f"SELECT * FROM silver.events WHERE {where}"
    pruned, _, _ = run_query(strata_bin, project, sql)
    full, _, _ = run_query(strata_bin, project, sql, "--no-pruning")
    assert pruned == full
    assert len(full) > 0


SHAPES = [
    # A self join: each side keeps the files its own predicates allow.
    "SELECT a.id, b.id AS other FROM silver.events a JOIN silver.events b ON a.id + 1 = b.id "
    "WHERE a.id = 150 AND b.region = 'r1'",
    # The nullable side of an outer join is read whole.
    "SELECT a.id, b.note FROM silver.events a LEFT JOIN silver.events b ON a.id = b.id + 1 "
    "AND b.id > 280 WHERE a.id >= 290 AND b.note IS NULL",
    "SELECT count(*) AS n FROM silver.events WHERE id IN (SELECT id FROM silver.events WHERE "
    "ts >= '2024-03-04')",
    "WITH recent AS (SELECT * FROM silver.events WHERE id >= 280) SELECT region, count(*) AS n "
    "FROM recent GROUP BY region",
    "SELECT region, sum(total) AS s FROM silver.events WHERE ts < '2024-03-02' GROUP BY ALL",
    "SELECT * FROM silver.events WHERE id = 5 UNION ALL SELECT * FROM silver.events WHERE id = 295",
]


@pytest.mark.parametrize("sql", SHAPES)
def test_query_shapes_return_the_same_rows(strata_bin, project, sql):
    pruned, _, _ = run_query(strata_bin, project, sql)
    full, _, _ = run_query(strata_bin, project, sql, "--no-pruning")
    assert pruned == full
    assert len(full) > 0
