"""Bad input in dbt projects: each mistake is reported at its place, with the closest valid name
where there is one, and a failed model leaves nothing half-written."""

import subprocess
from pathlib import Path


def project(tmp_path, files):
    root = tmp_path / "p"
    (root / "models" / "staging").mkdir(parents=True)
    (root / "dbt_project.yml").write_text("name: bad\nprofile: bad\n")
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def build(strata_bin, root, *args):
    return subprocess.run([strata_bin, "--project", str(root), "build", *args],
                          capture_output=True, text=True, timeout=300)


def test_unknown_config_keys_warn_with_the_closest_key(tmp_path, strata_bin):
    root = project(tmp_path, {
        "dbt_project.yml": "name: bad\nprofile: bad\nmodels:\n  bad:\n    stagng:\n"
                           "      +materialized: table\n    +materialzed: table\n",
        "models/staging/a.sql": "{{ config(materialized='incremental', unique_ky='id') }}\n"
                                "select 1 as id\n"})
    result = build(strata_bin, root)
    assert result.returncode == 0, result.stderr
    assert "models/staging/a.sql:1:4: unknown config key 'unique_ky' (did you mean 'unique_key'?)" \
        in result.stderr
    assert "dbt_project.yml:5:5: models.bad.stagng is neither a config key nor a folder" \
        in result.stderr and "(did you mean 'staging'?)" in result.stderr
    assert "unknown config key 'materialzed' (did you mean 'materialized'?)" in result.stderr


def test_undefined_macro_and_macro_errors_name_the_place(tmp_path, strata_bin):
    root = project(tmp_path, {"models/staging/b.sql": "select 1\nwhere {{ no_such_macro('x') }}\n"})
    result = build(strata_bin, root)
    assert result.returncode == 4
    assert "models/staging/b.sql:2:10: unknown function 'no_such_macro'" in result.stderr

    (root / "models" / "staging" / "b.sql").write_text("select {{ helper() }}\n")
    (root / "macros").mkdir()
    (root / "macros" / "helper.sql").write_text(
        "{% macro helper() %}\n  {{ exceptions.raise_compiler_error('bad helper') }}\n"
        "{% endmacro %}\n")
    result = build(strata_bin, root)
    assert result.returncode == 4
    assert "macros/helper.sql:2:6: compilation error: bad helper" in result.stderr
    assert "in macro 'helper' (macros/helper.sql:1:1) called at models/staging/b.sql:1:11" \
        in result.stderr


def test_cycles_are_printed(tmp_path, strata_bin):
    root = project(tmp_path, {"models/staging/b.sql": "select * from {{ ref('c') }}\n",
                              "models/staging/c.sql": "select * from {{ ref('b') }}\n"})
    result = build(strata_bin, root)
    assert result.returncode == 4
    assert "cycle: b -> c -> b" in result.stderr


def test_invalid_yaml_names_file_and_line(tmp_path, strata_bin):
    root = project(tmp_path, {"models/staging/s.yml": "version: 2\nmodels:\n  - name: a\n"
                                                      "    columns: [\n"})
    result = build(strata_bin, root)
    assert result.returncode == 3
    assert "models/staging/s.yml:5:1: invalid YAML" in result.stderr


def test_sql_error_shows_the_compiled_line_and_keeps_the_old_table(tmp_path, strata, strata_bin):
    root = project(tmp_path, {
        "models/staging/a.sql": "{{ config(materialized='table') }}\nselect 1 as id\n"})
    strata("--project", root, "build")
    (root / "models" / "staging" / "a.sql").write_text(
        "{{ config(materialized='table') }}\n{%- set column = 'missing_column' %}\n"
        "select 1 as id\nwhere {{ column }} > 1\n")
    result = build(strata_bin, root)
    assert result.returncode == 1
    assert "models/staging/a.sql:4: Binder Error" in result.stdout
    assert "LINE 3: where missing_column > 1" in result.stdout
    assert "compiled SQL line 3 in target/compiled/models/staging/a.sql" in result.stdout
    assert strata("--project", root, "query", "-f", "csv", "SELECT id FROM main.a").split() \
        == ["id", "1"]


def test_enforced_contracts_check_columns_and_types(tmp_path, strata, strata_bin):
    root = project(tmp_path, {
        "models/staging/a.sql": "{{ config(materialized='table') }}\n"
                                "select 1 as id, 'x' as name, 2.5 as score\n",
        "models/staging/_a.yml": "version: 2\nmodels:\n  - name: a\n    config:\n"
                                 "      contract: {enforced: true}\n    columns:\n"
                                 "      - {name: id, data_type: int}\n"
                                 "      - {name: name, data_type: text}\n"
                                 "      - {name: score, data_type: 'numeric(2, 1)'}\n"})
    strata("--project", root, "build")
    (root / "models" / "staging" / "a.sql").write_text(
        "{{ config(materialized='table') }}\nselect 'one' as id, 'x' as name, 1 as extra\n")
    result = build(strata_bin, root)
    assert result.returncode == 1
    assert "the model's enforced contract failed: column 'id' is VARCHAR, the contract says int; " \
        "column 'extra' (INTEGER) is not in the contract; column 'score' of the contract is " \
        "missing" in result.stdout
    assert strata("--project", root, "query", "-f", "csv", "SELECT id FROM main.a").split() \
        == ["id", "1"]
