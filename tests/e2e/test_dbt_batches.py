"""Differential test of the incremental strategies dbt-duckdb lacks: insert_overwrite (on a
column and on a hidden day() partition) and microbatch (monthly batches from `begin`, lookback,
--event-time-start/--event-time-end). strata builds tests/e2e/projects/dbt_batches as it is;
the oracle, dbt-core with dbt-duckdb, builds a copy where insert_overwrite is written as the
delete+insert on the partition value it means, and microbatch runs dbt-core's own batching
(windows, lookback, filtered refs) with a per-batch write of delete-the-window + insert. Over
two loads (corrections, a deleted event, late events) and a re-run of an old window, every
relation's rows must be equal. Then strata alone: the day() partitioning is the table's Iceberg
partition spec, each batch is its own snapshot, and a failing batch leaves the others committed
and says how to build it again."""

import json
import shutil
import subprocess

from test_dbt_oracle import PROJECT as SHOP_PROJECT  # noqa: F401  (same helpers, same oracle)
from test_dbt_oracle import dbt_relations, run_dbt, strata_relations

PROJECT = SHOP_PROJECT.parent / "dbt_batches"
SCHEMAS_DB = "batches.duckdb"

OVERWRITE_AS_DELETE_INSERT = {
    "sales_by_day.sql": ("partition_by='sale_date'", "unique_key='sale_date'"),
    "events_by_day.sql": (
        "partition_by={'field': 'event_at', 'data_type': 'timestamp', 'granularity': 'day'}",
        "unique_key='cast(event_at as date)'"),
}

# The oracle's write of one batch: replace the batch's window of the target.
ORACLE_MICROBATCH = """
{% macro duckdb__get_incremental_microbatch_sql(arg_dict) %}
{%- set columns = get_quoted_csv(arg_dict["dest_columns"] | map(attribute="name")) -%}
{%- set column = model.config.event_time -%}
delete from {{ arg_dict["target_relation"] }}
where {{ column }} >= cast('{{ model.batch.event_time_start }}' as timestamp)
  and {{ column }} < cast('{{ model.batch.event_time_end }}' as timestamp);
insert into {{ arg_dict["target_relation"] }} ({{ columns }})
select {{ columns }} from {{ arg_dict["temp_relation"] }}
{% endmacro %}
"""


def oracle_project(directory):
    shutil.copytree(PROJECT, directory)
    for name, (ours, theirs) in OVERWRITE_AS_DELETE_INSERT.items():
        model = directory / "models" / name
        text = model.read_text()
        assert ours in text and "'insert_overwrite'" in text
        model.write_text(text.replace(ours, theirs).replace("'insert_overwrite'",
                                                             "'delete+insert'"))
    (directory / "macros").mkdir()
    (directory / "macros" / "oracle_microbatch.sql").write_text(ORACLE_MICROBATCH)
    with (directory / "dbt_project.yml").open("a") as project:
        project.write("flags:\n  require_batched_execution_for_custom_microbatch_strategy: true\n")


def compare(strata, strata_dir, dbt_dir):
    expected = dbt_relations(dbt_dir / SCHEMAS_DB)
    assert {"main.events_monthly", "main.sales_by_day", "main.events_by_day"} <= set(expected)
    actual = strata_relations(strata, strata_dir, expected.keys())
    for relation in expected:
        assert actual[relation][0] == expected[relation][0], f"columns of {relation}"
        assert actual[relation][1] == expected[relation][1], f"rows of {relation}"
    return actual


def both(strata_bin, strata_dir, dbt_dir, *args):
    oracle = run_dbt(dbt_dir, *args)
    assert oracle.returncode == 0, oracle.stdout[-4000:]
    ours = subprocess.run([strata_bin, "--project", str(strata_dir), *args], capture_output=True,
                          text=True, timeout=600)
    assert ours.returncode == 0, ours.stdout + ours.stderr
    return ours.stdout


def test_insert_overwrite_and_microbatch_match_dbt(tmp_path, strata, strata_bin):
    dbt_dir, strata_dir = tmp_path / "dbt", tmp_path / "strata"
    oracle_project(dbt_dir)
    shutil.copytree(PROJECT, strata_dir)

    both(strata_bin, strata_dir, dbt_dir, "build", "--vars", "{load: 1}")
    first = compare(strata, strata_dir, dbt_dir)
    assert len(first["main.events_monthly"][1]) == 10
    both(strata_bin, strata_dir, dbt_dir, "build", "--vars", "{load: 2}")
    second = compare(strata, strata_dir, dbt_dir)
    # The deleted event's day was overwritten, so it is gone; September, outside the lookback
    # and the overwritten days, still has the first load's amount of event 1.
    assert not any(row[0] == 6 for row in second["main.events_by_day"][1])
    assert any(row[0] == 1 and row[3] == 10.0 for row in second["main.events_monthly"][1])
    out = both(strata_bin, strata_dir, dbt_dir, "run", "-s", "events_monthly", "--vars",
               "{load: 2}", "--event-time-start", "2026-09-01", "--event-time-end", "2026-10-01")
    assert "events_monthly" in out
    third = compare(strata, strata_dir, dbt_dir)
    assert any(row[0] == 1 and row[3] == 11.0 for row in third["main.events_monthly"][1])

    def partition_line(table):
        show = strata("--project", strata_dir, "table", "show", table)
        return next(line for line in show.splitlines() if line.startswith("partition"))

    assert "day(2) as event_at_day" in partition_line("main.events_by_day")  # 2: event_at
    assert "as sale_date" in partition_line("main.sales_by_day")


def test_each_batch_commits_and_a_failed_batch_is_reported(tmp_path, strata, strata_bin):
    root = tmp_path / "p"
    shutil.copytree(PROJECT, root)
    model = root / "models" / "events_monthly.sql"
    # October's batch fails (a cast of a text that is no number), the others do not.
    model.write_text(model.read_text().replace(
        "amount * 2 as doubled",
        "cast(case when month(event_at) = 10 then 'x' else '2' end as integer) * amount "
        "as doubled"))
    run = subprocess.run([strata_bin, "--project", str(root), "build", "--vars", "{load: 1}",
                          "--event-time-end", "2026-12-01"],
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 1, run.stdout + run.stderr
    assert "1 of 3 batches failed" in run.stdout, run.stdout
    assert "batch [2026-10-01 00:00:00, 2026-11-01 00:00:00)" in run.stdout
    assert "--event-time-start '2026-10-01 00:00:00' --event-time-end '2026-11-01 00:00:00'" \
        in run.stdout
    rows = json.loads(strata("--project", root, "query", "-f", "json",
                             "SELECT month(event_at) AS m, count(*) AS n FROM main.events_monthly "
                             "GROUP BY ALL ORDER BY ALL"))
    assert rows == [{"m": 9, "n": 3}, {"m": 11, "n": 3}]
    snapshots = strata("--project", root, "table", "snapshots", "main.events_monthly")
    assert len([line for line in snapshots.splitlines() if "append" in line
                or "overwrite" in line]) == 2, snapshots
