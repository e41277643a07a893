"""The `export` and `sensor` step kinds end to end: a query exported to Parquet, CSV and JSON
files (read back with DuckDB's Python client as an independent reader) under a path with the
interval's date; a sensor waiting for another pipeline's run of the same interval (times out when
there is none, goes on as soon as it succeeds) and for a table to be loaded past the interval's end;
and clear configuration errors at file:line:col.

    STRATA_BIN=build/release/strata python3 -m pytest tests/e2e/test_orchestrate_steps.py
"""
import re
import subprocess

import duckdb
import pytest

from orchestrate_server import cli

PIPELINES = """
pipelines:
  exports:
    schedule: "@daily"
    steps:
      - {name: load, kind: ingest}
      - name: parquet
        kind: export
        sql: SELECT id, name, country FROM shop.customers ORDER BY id
        path: exports/{ds}/customers.parquet
      - name: csv
        kind: export
        after: [load]
        sql: SELECT country, count(*) AS n FROM shop.customers GROUP BY country ORDER BY country
        path: exports/{ds}/by_country.csv
      - name: json
        kind: export
        after: [load]
        sql: SELECT getvariable('data_interval_end') AS interval_end, count(*) AS n FROM shop.customers
        path: exports/{ds}/count.ndjson
  upstream:
    schedule: "@daily"
    steps:
      - {name: work, kind: command, command: "sleep 1; echo upstream done"}
  downstream:
    schedule: "@daily"
    steps:
      - name: wait
        kind: sensor
        wait_for: {pipeline: upstream}
        poke: 200ms
        timeout: 20s
      - {name: after, kind: command, command: [/bin/echo, after]}
  impatient:
    schedule: "@daily"
    steps:
      - {name: wait, kind: sensor, wait_for: {pipeline: upstream}, poke: 100ms, timeout: 1s}
  params:
    steps:
      - {name: echo, kind: command, command: 'echo "country=$STRATA_PARAM_COUNTRY"'}
      - {name: query, kind: sql, sql: "SELECT getvariable('country') || '/' || getvariable('n') AS p"}
  fresh:
    schedule: "@daily"
    steps:
      - name: loaded
        kind: sensor
        wait_for: {table: shop.customers}
        poke: 100ms
        timeout: 1s
"""

AT = "2021-12-05T12:00"


@pytest.fixture
def project(tmp_path, strata_bin):
    root = tmp_path / "proj"
    subprocess.run([strata_bin, "init", str(root)], check=True, capture_output=True, timeout=120)
    with open(root / "strata.yml", "a", encoding="utf-8") as config:
        config.write(PIPELINES)
    return root


def test_exports_write_files_other_readers_read(project, strata_bin):
    out = cli(strata_bin, project, "pipeline", "run", "exports", "--at", AT).stdout
    assert re.search(r"Run \d+ succeeded", out), out
    folder = project / "exports" / "2021-12-04"
    expected = duckdb.sql(
        f"SELECT id, name, country FROM read_csv('{project}/data/customers/*.csv') ORDER BY id"
    ).fetchall()
    assert len(expected) > 0
    assert duckdb.sql(f"SELECT * FROM '{folder}/customers.parquet'").fetchall() == expected
    by_country = duckdb.sql(f"SELECT * FROM read_csv('{folder}/by_country.csv', header=true)")
    assert sum(n for _, n in by_country.fetchall()) == len(expected)
    count = duckdb.sql(f"SELECT * FROM read_json('{folder}/count.ndjson')").fetchall()
    assert count[0][1] == len(expected), count
    assert str(count[0][0]).startswith("2021-12-05 00:00:00"), count
    assert not list(folder.glob("*.partial-*"))
    run_id = re.search(r"Run (\d+)", out).group(1)
    logs = cli(strata_bin, project, "pipeline", "logs", run_id, "--step", "parquet").stdout
    assert f"exported {len(expected)} rows to {folder}/customers.parquet (parquet)" in logs, logs


def test_sensor_waits_for_another_pipelines_run(project, strata_bin):
    proc = cli(strata_bin, project, "pipeline", "run", "impatient", "--at", AT, check=False)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert re.search(r"FAILED\s+wait\s+after 1 attempt: timed out after 1s", proc.stdout), proc.stdout

    waiting = subprocess.Popen(
        [strata_bin, "--project", str(project), "pipeline", "run", "downstream", "--at", AT],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        cli(strata_bin, project, "pipeline", "run", "upstream", "--at", AT)
        out, err = waiting.communicate(timeout=60)
    finally:
        if waiting.poll() is None:
            waiting.kill()
    assert waiting.returncode == 0, out + err
    run_id = re.search(r"Run (\d+) succeeded", out).group(1)
    logs = cli(strata_bin, project, "pipeline", "logs", run_id, "--step", "wait").stdout
    assert ("waiting for a successful run of pipeline 'upstream' covering "
            "2021-12-04T00:00:00Z .. 2021-12-05T00:00:00Z, poking every 200ms") in logs, logs
    pokes = int(re.search(r"ready after (\d+) poke\(s\)", logs).group(1))
    assert pokes > 1, logs  # it had to wait for upstream's run


def test_sensor_waits_for_a_table_to_be_loaded(project, strata_bin):
    proc = cli(strata_bin, project, "pipeline", "run", "fresh", "--at", AT, check=False)
    assert proc.returncode == 1 and "timed out after 1s" in proc.stdout, proc.stdout
    cli(strata_bin, project, "ingest")
    out = cli(strata_bin, project, "pipeline", "run", "fresh", "--at", AT).stdout
    assert re.search(r"Run \d+ succeeded", out), out


def test_manual_runs_take_parameters(project, strata_bin):
    out = cli(strata_bin, project, "pipeline", "run", "params", "--param", "country=NL",
              "-p", "n=3").stdout
    run_id = re.search(r"Run (\d+) succeeded", out).group(1)
    logs = cli(strata_bin, project, "pipeline", "logs", run_id).stdout
    assert "stdout country=NL" in logs and re.search(r"info\s+NL/3", logs), logs
    bad = cli(strata_bin, project, "pipeline", "run", "params", "-p", "run_id=1", check=False)
    assert bad.returncode == 2 and "parameter 'run_id' is set by strata itself" in bad.stderr
    bad = cli(strata_bin, project, "pipeline", "run", "params", "-p", "oops", check=False)
    assert bad.returncode == 2 and "must be NAME=VALUE" in bad.stderr, bad.stderr


@pytest.mark.parametrize("step, message", [
    ("{name: e, kind: export, sql: 'SELECT 1', path: out/x.txt}",
     r"cannot tell the format from 'out/x.txt'"),
    ("{name: e, kind: export, sql: 'SELECT 1', path: 'out/{day}.csv'}",
     r"unknown placeholder \{day\}"),
    ("{name: s, kind: sensor, wait_for: {pipeline: nope}}",
     r"sensor 's' of pipeline 'p' waits for pipeline 'nope', which is not declared"),
    ("{name: s, kind: sensor, wait_for: {table: customers}}", r"must be NAMESPACE\.TABLE"),
    ("{name: s, kind: sensor, poke: 1s}", r"needs 'wait_for'"),
])
def test_bad_steps_are_errors_at_their_place(project, strata_bin, step, message):
    config = project / "strata.yml"
    text = config.read_text().split("\npipelines:")[0]
    config.write_text(text + f"\npipelines:\n  p:\n    steps:\n      - {step}\n")
    proc = cli(strata_bin, project, "pipeline", "list", check=False)
    assert proc.returncode == 3, proc.stderr
    assert re.search(r"strata\.yml:\d+:\d+: .*" + message, proc.stderr), proc.stderr
