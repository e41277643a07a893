"""Differential test against the oracle: the same dbt project (seeds, staging views, ephemeral
intermediates, marts tables, incremental models in three strategies and a schema change, a
timestamp snapshot, hooks, macros with dispatch, generic, custom generic and singular tests, one
of which fails on the second load) is built by dbt-core with dbt-duckdb and by strata, over two
loads; every relation's columns and rows, and every node's status, must be equal."""

import datetime
import decimal
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parent / "projects" / "dbt_shop"
SCHEMAS = ("main", "main_staging", "main_raw", "snapshots")


def run_dbt(directory, *args):
    command = [sys.executable, "-m", "dbt.cli.main", *args, "--profiles-dir", str(directory),
               "--project-dir", str(directory)]
    result = subprocess.run(command, cwd=directory, capture_output=True, text=True, timeout=600)
    return result


def normalize(value):
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, (int, float, decimal.Decimal)):
        return round(float(value), 6)
    if isinstance(value, datetime.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def dbt_relations(database):
    import duckdb
    with duckdb.connect(str(database), read_only=True) as connection:
        names = connection.execute(
            "SELECT table_schema, table_name FROM information_schema.tables "
            f"WHERE table_schema IN {SCHEMAS} ORDER BY ALL").fetchall()
        out = {}
        for schema, name in names:
            cursor = connection.execute(f'SELECT * FROM "{schema}"."{name}"')
            columns = [d[0] for d in cursor.description]
            rows = sorted((tuple(normalize(v) for v in row) for row in cursor.fetchall()), key=repr)
            out[f"{schema}.{name}"] = (columns, rows)
        return out


def strata_relations(strata, directory, names):
    out = {}
    for relation in names:
        schema, name = relation.split(".")
        text = strata("--project", directory, "query", "-f", "json",
                      f'SELECT * FROM "{schema}"."{name}"')
        records = json.loads(text)
        columns = json.loads(strata("--project", directory, "query", "-f", "json",
                                    f"SELECT column_name FROM (DESCRIBE \"{schema}\".\"{name}\")"))
        columns = [c["column_name"] for c in columns]
        rows = sorted((tuple(normalize(r[c]) for c in columns) for r in records), key=repr)
        out[relation] = (columns, rows)
    return out


def statuses(run_results):
    data = json.loads(Path(run_results).read_text())
    out = {}
    for result in data["results"]:
        kind, _, name = result["unique_id"].split(".")[:3]
        out[f"{kind}.{name}"] = result["status"]
    return out


def strata_build(strata_bin, directory, load):
    return subprocess.run([strata_bin, "--project", str(directory), "build", "--vars",
                           f"{{load: {load}}}"], capture_output=True, text=True, timeout=600)


def test_dbt_project_builds_the_same_rows_as_dbt(tmp_path, strata, strata_bin):
    try:
        import dbt.version  # noqa: F401  (installed by scripts/setup.sh --test)
    except ImportError:
        pytest.fail("dbt-core is not installed: run scripts/setup.sh --test")
    dbt_dir, strata_dir = tmp_path / "dbt", tmp_path / "strata"
    shutil.copytree(PROJECT, dbt_dir)
    shutil.copytree(PROJECT, strata_dir)
    assert not (strata_dir / "strata.yml").exists()  # a plain dbt project directory

    for load in (1, 2):
        oracle = run_dbt(dbt_dir, "build", "--vars", f"{{load: {load}}}")
        ours = strata_build(strata_bin, strata_dir, load)
        expected_exit = 0 if load == 1 else 1  # the second load fails one test
        assert oracle.returncode == expected_exit, oracle.stdout[-3000:]
        assert ours.returncode == expected_exit, ours.stdout + ours.stderr

        expected = dbt_relations(dbt_dir / "shop.duckdb")
        assert "main.order_status" in expected and "snapshots.customers_snapshot" in expected
        actual = strata_relations(strata, strata_dir, expected.keys())
        for relation in expected:
            assert actual[relation][0] == expected[relation][0], f"columns of {relation}"
            assert actual[relation][1] == expected[relation][1], f"rows of {relation}"

        expected_status = statuses(dbt_dir / "target" / "run_results.json")
        actual_status = statuses(strata_dir / "target" / "run_results.json")
        assert actual_status == expected_status

    # The failing test of the second load skipped the view downstream of the tested model.
    assert expected_status["model.fct_orders_report"] == "skipped"
    assert expected_status["test.accepted_values_fct_orders_status__placed__shipped__completed"] \
        == "fail"
    manifest = json.loads((strata_dir / "target" / "manifest.json").read_text())
    assert manifest["metadata"]["dbt_schema_version"].endswith("manifest/v12.json")
    assert "model.shop.fct_orders" in manifest["parent_map"]["model.shop.fct_orders_report"]
