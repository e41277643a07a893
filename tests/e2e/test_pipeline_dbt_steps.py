"""Pipeline steps of kind seed, build, test and snapshot on a dbt project (tests/e2e/projects/
dbt_shop): the pipeline's tables equal what `strata build` makes of the same project, a failing
data test fails its step and skips the steps after it, and the data interval reaches the models as
dbt vars."""
import csv
import io
import shutil
import subprocess
from pathlib import Path

SHOP = Path(__file__).parent / "projects" / "dbt_shop"

PIPELINES = """name: shop
pipelines:
  nightly:
    steps:
      - {name: seeds, kind: seed}
      - {name: models, kind: build, select: ["+fct_orders", "+dim_customers"], after: [seeds]}
      - {name: checks, kind: test, select: ["fct_orders"], after: [models]}
      - {name: history, kind: snapshot, after: [models]}
  strict:
    steps:
      - {name: seeds, kind: seed}
      - {name: failing, kind: test, select: ["assert_always_fails"], after: [seeds]}
      - {name: after, kind: sql, sql: "SELECT 1", after: [failing]}
"""


def strata(strata_bin, project, *args, check=True):
    result = subprocess.run([strata_bin, "--project", str(project), *map(str, args)],
                            capture_output=True, text=True, timeout=300)
    if check:
        assert result.returncode == 0, f"{args}: {result.stdout}\n{result.stderr}"
    return result


def rows(strata_bin, project, sql):
    out = strata(strata_bin, project, "query", "-f", "csv", sql).stdout
    return sorted(tuple(r) for r in csv.reader(io.StringIO(out)))


def make_project(tmp_path, name, failing_test=False):
    project = tmp_path / name
    shutil.copytree(SHOP, project)
    (project / "strata.yml").write_text(PIPELINES)
    if failing_test:
        (project / "tests" / "assert_always_fails.sql").write_text(
            "SELECT 1 AS failure FROM {{ ref('raw_orders') }}\n")
    return project


def test_pipeline_steps_build_what_strata_build_builds(strata_bin, tmp_path):
    piped = make_project(tmp_path, "piped")
    built = make_project(tmp_path, "built")
    result = strata(strata_bin, piped, "pipeline", "run", "nightly")
    assert "succeeded" in result.stdout, result.stdout
    strata(strata_bin, built, "build")
    for table in ["main.fct_orders", "main.dim_customers", "snapshots.customers_snapshot"]:
        columns = "* EXCLUDE (dbt_scd_id, dbt_updated_at, dbt_valid_from, dbt_valid_to)" \
            if table.startswith("snapshots.") else "*"
        expected = rows(strata_bin, built, f"SELECT {columns} FROM {table}")
        assert len(expected) > 1, table
        assert rows(strata_bin, piped, f"SELECT {columns} FROM {table}") == expected, table


def test_a_failing_test_step_fails_the_run_and_skips_what_follows(strata_bin, tmp_path):
    project = make_project(tmp_path, "strict", failing_test=True)
    result = strata(strata_bin, project, "pipeline", "run", "strict", check=False)
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "FAILED  failing" in output and "assert_always_fails" in output, output
    assert "SKIPPED after" in output, output
    logs = strata(strata_bin, project, "pipeline", "runs", "strict").stdout
    assert "failed" in logs, logs
