"""Built-in packages: a project whose packages.yml names dbt_utils, dbt_expectations and a local
package builds without downloading anything; the local package's macros are a namespace; the
dbt_expectations tests pass and fail as the package documents, each with its number of failing
rows; packages strata cannot provide are errors naming packages.yml:line and the package."""

import json
import shutil
import subprocess
from collections import Counter
from pathlib import Path

PROJECT = Path(__file__).resolve().parent / "projects" / "dbt_expectations"
E = "dbt_expectations."

# (test, column, status, failing rows), computed by hand from seeds/orders.csv.
EXPECTED = Counter([
    (E + "expect_table_row_count_to_be_between", None, "pass", 0),
    (E + "expect_table_row_count_to_equal_other_table", None, "pass", 0),
    (E + "expect_compound_columns_to_be_unique", None, "pass", 0),
    (E + "expect_table_row_count_to_equal", None, "warn", 1),  # 6 rows, not 5
    (E + "expect_column_to_exist", "order_id", "pass", 0),
    (E + "expect_column_values_to_not_be_null", "order_id", "pass", 0),
    (E + "expect_column_values_to_be_unique", "order_id", "warn", 1),  # order 5 twice
    (E + "expect_column_values_to_be_of_type", "order_id", "pass", 0),
    (E + "expect_column_values_to_be_between", "amount", "warn", 1),  # -5.00
    (E + "expect_column_values_to_be_between", "amount", "pass", 0),  # row_condition
    (E + "expect_column_mean_to_be_between", "amount", "pass", 0),  # 32.625
    (E + "expect_column_sum_to_be_between", "amount", "warn", 1),  # 195.75 > 100
    (E + "expect_column_values_to_be_in_set", "status", "pass", 0),
    (E + "expect_column_distinct_count_to_equal", "status", "pass", 0),
    (E + "expect_column_values_to_match_regex", "email", "warn", 1),  # bob@example; NULL skipped
    (E + "expect_column_values_to_not_be_null", "email", "warn", 1),
    (E + "expect_row_values_to_have_recent_data", "ordered_at", "warn", 1),  # 2026-11-05
    (E + "expect_column_to_exist", "missing_column", "warn", 1),
    ("unique", "customer_id", "pass", 0),
    ("dbt_utils.at_least_one", "customer_id", "pass", 0),
])


def test_builtin_and_local_packages(tmp_path, strata, strata_bin):
    root = tmp_path / "checks"
    shutil.copytree(PROJECT, root)
    result = subprocess.run([strata_bin, "--project", str(root), "build"], capture_output=True,
                            text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr

    rows = json.loads(strata("--project", root, "query", "-f", "json",
                             "SELECT order_id, amount_cents FROM main.orders_clean ORDER BY ALL"))
    assert [r["amount_cents"] for r in rows] == [1250, 725, 10000, -500, 4000, 4100]

    manifest = json.loads((root / "target" / "manifest.json").read_text())
    results = json.loads((root / "target" / "run_results.json").read_text())["results"]
    actual = Counter()
    for entry in results:
        node = manifest["nodes"][entry["unique_id"]]
        if node["resource_type"] != "test":
            continue
        actual[(node["test_metadata"]["name"], node["column_name"], entry["status"],
                entry["failures"])] += 1
    assert actual == EXPECTED


def test_expectation_failing_with_error_severity_fails_the_build(tmp_path, strata_bin):
    root = tmp_path / "checks"
    shutil.copytree(PROJECT, root)
    props = root / "models" / "_checks.yml"
    props.write_text(props.read_text().replace(
        "          - dbt_expectations.expect_column_values_to_be_in_set:\n"
        "              value_set: [placed, shipped, returned]",
        "          - dbt_expectations.expect_column_values_to_be_in_set:\n"
        "              value_set: [placed, shipped]"))
    result = subprocess.run([strata_bin, "--project", str(root), "build"], capture_output=True,
                            text=True, timeout=600)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "FAIL" in result.stdout and "expect_column_values_to_be_in_set" in result.stdout
    results = json.loads((root / "target" / "run_results.json").read_text())["results"]
    failed = [r for r in results if r["status"] == "fail"]
    assert len(failed) == 1 and failed[0]["failures"] == 1  # the returned order


def test_packages_strata_cannot_install_are_named(tmp_path, strata_bin):
    root = tmp_path / "checks"
    shutil.copytree(PROJECT, root)
    packages = root / "packages.yml"
    for entry, named in [
            ("  - git: \"https://github.com/example/private_macros.git\"\n    revision: v1\n",
             "https://github.com/example/private_macros.git"),
            ("  - package: fivetran/stripe\n    version: 0.10.0\n", "fivetran/stripe")]:
        packages.write_text((PROJECT / "packages.yml").read_text() + entry)
        result = subprocess.run([strata_bin, "--project", str(root), "parse"],
                                capture_output=True, text=True, timeout=600)
        assert result.returncode == 3, result.stdout + result.stderr
        assert "packages.yml:7:" in result.stderr and named in result.stderr, result.stderr
        assert "built in" in result.stderr

    packages.write_text("packages:\n  - local: nowhere\n")
    result = subprocess.run([strata_bin, "--project", str(root), "parse"], capture_output=True,
                            text=True, timeout=600)
    assert result.returncode == 3 and "packages.yml:2" in result.stderr, result.stderr
    assert "nowhere" in result.stderr
