"""The dbt commands on a small project: parse, compile, ls with selectors, seed/run/test,
--full-refresh of an incremental model, --fail-fast and --exclude."""

import json
import subprocess


def make_project(root):
    (root / "models" / "staging").mkdir(parents=True)
    (root / "models" / "marts").mkdir(parents=True)
    (root / "seeds").mkdir()
    (root / "dbt_project.yml").write_text(
        "name: mini\nprofile: mini\nmodels:\n  mini:\n    marts:\n      +materialized: table\n"
        "      +tags: [daily]\n")
    (root / "seeds" / "people.csv").write_text("id,name\n1,ann\n2,bob\n")
    (root / "models" / "staging" / "stg_people.sql").write_text(
        "select id, upper(name) as name from {{ ref('people') }}\n")
    (root / "models" / "marts" / "people_count.sql").write_text(
        "select count(*) as n from {{ ref('stg_people') }}\n")
    (root / "models" / "marts" / "growing.sql").write_text(
        "{{ config(materialized='incremental') }}\n"
        "select {{ var('n', 1) }} as n, id from {{ ref('stg_people') }}\n"
        "{% if is_incremental() %}where false{% endif %}\n")
    (root / "models" / "marts" / "_props.yml").write_text(
        "version: 2\nmodels:\n  - name: people_count\n    columns:\n      - name: n\n"
        "        tests:\n          - accepted_values:\n              values: [3]\n"
        "              quote: false\n              config: {store_failures: true}\n")


def test_parse_compile_ls(tmp_path, strata):
    root = tmp_path / "p"
    make_project(root)
    assert "Parsed 5 nodes" in strata("--project", root, "parse")
    manifest = json.loads((root / "target" / "manifest.json").read_text())
    assert set(manifest["nodes"]) == {
        "seed.mini.people", "model.mini.stg_people", "model.mini.people_count",
        "model.mini.growing", "test.mini.accepted_values_people_count_n__False__3"}
    assert manifest["child_map"]["seed.mini.people"] == ["model.mini.stg_people"]
    out = strata("--project", root, "compile", "-s", "people_count")
    assert 'select count(*) as n from "main"."stg_people"' in out
    assert (root / "target" / "compiled" / "models" / "marts" / "people_count.sql").exists()
    ls = lambda *args: strata("--project", root, "ls", *args).split()  # noqa: E731
    assert ls("-s", "tag:daily", "--resource-type", "model") == [
        "model.mini.growing", "model.mini.people_count"]
    assert ls("-s", "+people_count", "--exclude", "resource_type:test") == [
        "seed.mini.people", "model.mini.stg_people", "model.mini.people_count"]
    assert ls("-s", "stg_people+1", "--resource-type", "model") == [
        "model.mini.stg_people", "model.mini.growing", "model.mini.people_count"]


def test_run_test_full_refresh_and_fail_fast(tmp_path, strata, strata_bin):
    root = tmp_path / "p"
    make_project(root)
    assert "OK      main.people  seed  2 rows" in strata("--project", root, "seed")
    strata("--project", root, "run")
    strata("--project", root, "run", "--vars", "{n: 2}")  # incremental: adds nothing
    count = lambda: json.loads(strata(  # noqa: E731
        "--project", root, "query", "-f", "json", "SELECT n, count(*) AS c FROM main.growing "
        "GROUP BY n"))
    assert count() == [{"n": 1, "c": 2}]
    assert "catalog.json" in strata("--project", root, "docs", "generate")
    catalog = json.loads((root / "target" / "catalog.json").read_text())
    assert catalog["metadata"]["dbt_schema_version"].endswith("catalog/v1.json")
    people = catalog["nodes"]["model.mini.stg_people"]
    assert people["metadata"]["type"] == "VIEW"
    assert [(c["name"], c["type"], c["index"]) for c in people["columns"].values()] == [
        ("id", "BIGINT", 1), ("name", "VARCHAR", 2)]
    strata("--project", root, "run", "-s", "growing", "--full-refresh", "--vars", "{n: 2}")
    assert count() == [{"n": 2, "c": 2}]

    result = subprocess.run([strata_bin, "--project", str(root), "test"], capture_output=True,
                            text=True)
    assert result.returncode == 1
    assert "FAIL    accepted_values_people_count_n__False__3" in result.stdout
    results = json.loads((root / "target" / "run_results.json").read_text())
    assert results["metadata"]["dbt_schema_version"].endswith("run-results/v6.json")
    assert [(r["status"], r["failures"]) for r in results["results"]] == [("fail", 1)]
    stored = json.loads(strata("--project", root, "query", "-f", "json", "SELECT value_field, "
                               "n_records FROM main_dbt_test__audit.accepted_values_people_count_n__False__3"))
    assert stored == [{"value_field": 2, "n_records": 1}]

    (root / "models" / "staging" / "stg_people.sql").write_text("select nope\n")
    result = subprocess.run([strata_bin, "--project", str(root), "build", "--fail-fast",
                             "--threads", "1"], capture_output=True, text=True)
    assert result.returncode == 1
    assert "ERROR   main.stg_people" in result.stdout
    assert "skipped: --fail-fast after a failure" in result.stdout


def test_failing_unit_test_skips_its_model(tmp_path, strata_bin):
    root = tmp_path / "p"
    make_project(root)
    (root / "models" / "staging" / "_unit.yml").write_text(
        "version: 2\nunit_tests:\n  - name: upper_names\n    model: stg_people\n    given:\n"
        "      - input: ref('people')\n        rows: [{id: 1, name: ann}]\n"
        "    expect:\n      rows: [{id: 1, name: Ann}]\n")
    result = subprocess.run([strata_bin, "--project", str(root), "build"], capture_output=True,
                            text=True)
    assert result.returncode == 1
    assert "FAIL    upper_names\n        2 failing row(s)" in result.stdout
    assert "SKIPPED main.stg_people" in result.stdout
    manifest = json.loads((root / "target" / "manifest.json").read_text())
    assert "unit_test.mini.stg_people.upper_names" in manifest["unit_tests"]


def test_yaml_selectors(tmp_path, strata, strata_bin):
    root = tmp_path / "p"
    make_project(root)
    (root / "selectors.yml").write_text(
        "selectors:\n"
        "  - name: daily_models\n"
        "    definition:\n"
        "      union:\n"
        "        - method: tag\n          value: daily\n          parents: true\n"
        "        - exclude:\n            - method: fqn\n              value: growing\n"
        "  - name: marts_only\n"
        "    definition:\n"
        "      intersection:\n"
        "        - 'path:models/marts'\n"
        "        - method: resource_type\n          value: model\n"
        "  - name: nothing\n"
        "    definition: {method: tag, value: daily, exclude: ['tag:daily']}\n")
    ls = lambda *args: strata("--project", root, "ls", *args).split()  # noqa: E731
    # Tests on selected nodes come along, as with --select (dbt's eager indirect selection).
    assert ls("--selector", "daily_models") == [
        "seed.mini.people", "model.mini.stg_people", "model.mini.people_count",
        "test.mini.accepted_values_people_count_n__False__3"]
    assert ls("--selector", "marts_only", "--resource-type", "model") == [
        "model.mini.growing", "model.mini.people_count"]
    strata("--project", root, "seed")
    out = strata("--project", root, "run", "--selector", "daily_models")
    assert "OK      main.people_count" in out and "growing" not in out
    for name, message in [("dialy_models", "did you mean 'daily_models'"),
                          ("nothing", "selects no nodes")]:
        result = subprocess.run([strata_bin, "--project", str(root), "ls", "--selector", name],
                                capture_output=True, text=True)
        assert result.returncode == 2 and message in result.stderr, result.stderr
