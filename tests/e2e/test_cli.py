"""The strata command line as a user meets it: help, exit codes, clear errors that name the place,
and earlier results left intact when something fails."""
import json
import os
import pathlib
import subprocess

import pytest

STRATA = os.environ.get("STRATA_BIN", "build/release/strata")


def run_strata(*args, cwd=None, env=None, check=None):
    full_env = dict(os.environ)
    full_env.pop("STRATA_LOG_FORMAT", None)
    if env:
        full_env.update(env)
    proc = subprocess.run([STRATA, *args], cwd=cwd, env=full_env, capture_output=True, text=True,
                          timeout=300)
    if check is not None:
        assert proc.returncode == check, f"exit {proc.returncode}\nstdout:{proc.stdout}\nstderr:{proc.stderr}"
    return proc


@pytest.fixture
def project(tmp_path):
    root = tmp_path / "shop"
    run_strata("init", str(root), check=0)
    return root


def test_help_on_every_command():
    for command in ([], ["init"], ["example", "streaming"], ["ingest"], ["run"], ["query"],
                    ["table", "list"], ["runs"], ["version"]):
        proc = run_strata(*command, "--help", check=0)
        assert "Usage" in proc.stdout or "usage" in proc.stdout.lower()


def test_unknown_command_and_option_are_usage_errors():
    proc = run_strata("frobnicate")
    assert proc.returncode == 2
    assert "frobnicate" in proc.stderr
    proc = run_strata("query", "--no-such-option", "SELECT 1")
    assert proc.returncode == 2


def test_version_checks_the_engine():
    proc = run_strata("version", check=0)
    assert "DuckDB v" + pathlib.Path(os.environ.get("STRATA_SOURCE_DIR", ".")).joinpath(
        "DUCKDB_VERSION").read_text().strip() in proc.stdout


def test_missing_duckdb_library_is_a_clear_error(tmp_path):
    proc = run_strata("version", env={"STRATA_DUCKDB_LIBRARY": str(tmp_path / "nope.so")})
    assert proc.returncode == 5
    assert "DuckDB library not found" in proc.stderr and "nope.so" in proc.stderr


def test_a_library_that_is_not_duckdb_is_refused(tmp_path):
    libs = [p for p in ("/usr/lib/x86_64-linux-gnu/libsqlite3.so.0",) if os.path.exists(p)]
    if not libs:
        pytest.skip("no stand-in shared library")
    proc = run_strata("version", env={"STRATA_DUCKDB_LIBRARY": libs[0]})
    assert proc.returncode == 5
    assert "is not DuckDB" in proc.stderr


def test_missing_project_is_a_config_error(tmp_path):
    proc = run_strata("ingest", "--project", str(tmp_path))
    assert proc.returncode == 3
    assert "no strata.yml" in proc.stderr


def test_invalid_config_names_file_line_and_column(project):
    (project / "strata.yml").write_text("name: shop\nsources:\n  shop:\n    tables:\n"
                                        "      customers:\n        paht: data/*.csv\n")
    proc = run_strata("ingest", "--project", str(project))
    assert proc.returncode == 3
    assert f"{project / 'strata.yml'}:6:9" in proc.stderr
    assert "did you mean 'path'" in proc.stderr


def test_init_project_runs_as_it_is(project):
    run_strata("ingest", "--project", str(project), check=0)
    run = run_strata("run", "--project", str(project), check=0)
    assert "2 ok, 0 failed" in run.stdout
    proc = run_strata("query", "--project", str(project), "-f", "json",
                  "SELECT * FROM marts.customers_by_country", check=0)
    rows = json.loads(proc.stdout)
    assert {r["country"]: r["customers"] for r in rows} == {"GB": 2, "US": 2, "NL": 1}
    csv_out = run_strata("query", "--project", str(project), "-f", "csv",
                     "SELECT name FROM staging.stg_customers ORDER BY id", check=0).stdout
    assert csv_out.splitlines() == ["name", "Ada Lovelace", "Grace Hopper", "Alan Turing",
                                    "Edsger Dijkstra", "Barbara Liskov"]
    table = run_strata("query", "--project", str(project), "SELECT 1 AS one", check=0).stdout
    assert "one" in table and "(1 row)" in table
    runs = run_strata("runs", "--project", str(project), check=0).stdout
    assert "ingest" in runs and "stg_customers" in runs


def test_second_ingest_loads_nothing_new(project):
    run_strata("ingest", "--project", str(project), check=0)
    again = run_strata("ingest", "--project", str(project), check=0)
    assert "no new files (1 already loaded)" in again.stdout
    count = run_strata("query", "--project", str(project), "-f", "csv",
                   "SELECT count(*) AS n FROM shop.customers", check=0).stdout
    assert count.splitlines()[1] == "5"


def test_failed_model_leaves_previous_results_and_skips_downstream(project):
    run_strata("ingest", "--project", str(project), check=0)
    run_strata("run", "--project", str(project), check=0)
    model = project / "models" / "staging" / "stg_customers.sql"
    model.write_text("{{ config(materialized='table') }}\nselect id,\n  no_such_column\n"
                     "from {{ source('shop', 'customers') }}\n")
    proc = run_strata("run", "--project", str(project))
    assert proc.returncode == 1
    out = proc.stdout + proc.stderr
    assert "stg_customers.sql" in out and "no_such_column" in out
    assert "SKIPPED" in out
    # The mart built before is still there and readable.
    rows = json.loads(run_strata("query", "--project", str(project), "-f", "json",
                             "SELECT sum(customers) AS n FROM marts.customers_by_country",
                             check=0).stdout)
    assert rows == [{"n": 5}]


def test_unparseable_data_file_fails_clearly_and_keeps_earlier_loads(project):
    run_strata("ingest", "--project", str(project), check=0)
    (project / "strata.yml").write_text((project / "strata.yml").read_text().replace(
        "models:", "  feed:\n    kind: files\n    tables:\n      items: {path: data/items.json}\n\nmodels:"))
    (project / "data" / "items.json").write_text('[{"a": 1}, {"a": ')
    proc = run_strata("ingest", "--project", str(project))
    assert proc.returncode == 1
    assert "items.json" in proc.stderr
    count = run_strata("query", "--project", str(project), "-f", "csv",
                   "SELECT count(*) AS n FROM shop.customers", check=0).stdout
    assert count.splitlines()[1] == "5"


def test_sql_error_in_query_is_an_input_error(project):
    proc = run_strata("query", "--project", str(project), "SELECT * FROM nowhere")
    assert proc.returncode == 4
    assert "nowhere" in proc.stderr


def test_json_logs_are_json_lines(project):
    proc = run_strata("--log-format", "json", "query", "--project", str(project), "SELECT * FROM nowhere")
    assert proc.returncode == 4
    lines = [json.loads(line) for line in proc.stderr.splitlines() if line.strip()]
    assert lines and lines[-1]["level"] == "error" and "nowhere" in lines[-1]["msg"]
