"""`state:` selection against the oracle: tests/e2e/projects/dbt_shop is parsed (the baseline
manifest), then changed in every way dbt's state comparison distinguishes (a model's SQL, a
model's config() call, a folder config, an alias, a persisted description, a seed's rows, a new
model, a test's `where`, a macro reached through adapter.dispatch), and `ls --select state:...` (also with `+` and intersections)
must pick the same models, seeds and snapshots as dbt-core's own `dbt ls` against its own
baseline manifest."""

import json
import shutil
import subprocess

import pytest

from test_dbt_oracle import PROJECT, run_dbt

BUILT = ("model", "seed", "snapshot")
SELECTORS = [
    "state:modified",
    "state:new",
    "state:unmodified",
    "state:modified.body",
    "state:modified.configs",
    "state:modified.relation",
    "state:modified.persisted_descriptions",
    "state:modified.contract",
    "state:modified.macros",
    "state:modified+",
    "+state:modified.body",
    "state:modified,tag:marts",
]


def edit(path, old, new):
    text = path.read_text()
    assert old in text, (path, old)
    path.write_text(text.replace(old, new))


def baseline(directory):
    """The version both tools parse first: persist_docs on, so description changes count."""
    shutil.copytree(PROJECT, directory)
    edit(directory / "dbt_project.yml", "      +tags: [\"marts\"]\n",
         "      +tags: [\"marts\"]\n      +persist_docs: {relation: true, columns: true}\n")


def change(directory):
    models = directory / "models"
    edit(models / "staging" / "stg_payments.sql", "order_id,", "order_id,  -- the order paid")
    edit(models / "marts" / "fct_orders_report.sql", "materialized='view'",
         "materialized='table'")
    edit(models / "marts" / "load_info.sql", "materialized='table',",
         "materialized='table', alias='load_information',")
    edit(models / "marts" / "_marts.yml", "description: Orders with their payments.",
         "description: Every order with its payments.")
    edit(directory / "dbt_project.yml", "      +tags: [\"staging\"]\n",
         "      +tags: [\"staging\"]\n      +docs: {node_color: 'red'}\n")
    (models / "marts" / "big_orders.sql").write_text(
        "select * from {{ ref('fct_orders') }} where amount > 100\n")
    with (directory / "seeds" / "raw_customers.csv").open("a") as seed:
        seed.write("99,Grace,Hopper,US\n")
    edit(directory / "macros" / "money.sql", "coalesce({{ expression }}, 0)",
         "coalesce({{ expression }}, 0.0)")
    edit(models / "staging" / "_staging.yml", "          - not_null:\n              config:",
         "          - not_null:\n              config:\n                where: \"amount > 0\"")


def strata_ls(strata, directory, state, selector, resource_type=None):
    args = ["--resource-type", resource_type] if resource_type else []
    out = strata("--project", directory, "ls", "--state", state, "-s", selector, *args)
    names = (line for line in out.splitlines() if line.strip())
    if resource_type is None:  # what the oracle lists: models, seeds, snapshots
        names = (name for name in names if name.split(".")[0] in BUILT)
    return sorted(names)


def dbt_ls(directory, state, selector):
    """Models (not ephemeral ones, which are never built), seeds and snapshots dbt selects."""
    types = [arg for kind in BUILT for arg in ("--resource-type", kind)]
    result = run_dbt(directory, "ls", "--state", str(state), "--select", selector,
                     "--exclude", "config.materialized:ephemeral", *types, "--output", "json",
                     "--output-keys", "unique_id", "--quiet")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return sorted(json.loads(line)["unique_id"] for line in result.stdout.splitlines()
                  if line.startswith("{"))


def test_state_selection_matches_dbt(tmp_path, strata, strata_bin):
    try:
        import dbt.version  # noqa: F401  (installed by scripts/setup.sh --test)
    except ImportError:
        pytest.fail("dbt-core is not installed: run scripts/setup.sh --test")
    dbt_dir, strata_dir = tmp_path / "dbt", tmp_path / "strata"
    baseline(dbt_dir)
    baseline(strata_dir)
    assert run_dbt(dbt_dir, "parse").returncode == 0
    strata("--project", strata_dir, "parse")
    dbt_state, strata_state = tmp_path / "dbt_state", tmp_path / "strata_state"
    shutil.copytree(dbt_dir / "target", dbt_state)
    shutil.copytree(strata_dir / "target", strata_state)
    # Unchanged, nothing is modified.
    assert strata_ls(strata, strata_dir, strata_state, "state:modified", "model") == []

    change(dbt_dir)
    change(strata_dir)
    differences = {}
    for selector in SELECTORS:
        expected = dbt_ls(dbt_dir, dbt_state, selector)
        actual = strata_ls(strata, strata_dir, strata_state, selector)
        if actual != expected:
            differences[selector] = {"only strata": sorted(set(actual) - set(expected)),
                                     "only dbt": sorted(set(expected) - set(actual))}
    assert not differences, json.dumps(differences, indent=1)

    # The changed test config (`where`) is a modified test; tests of changed models come along.
    tests = strata_ls(strata, strata_dir, strata_state, "state:modified.configs", "test")
    assert any(name.startswith("test.shop.not_null_stg_payments_amount") for name in tests), tests
    assert "model.shop.big_orders" in strata_ls(strata, strata_dir, strata_state, "state:new",
                                                "model")

    # A missing state folder and an unsupported check are errors that say so.
    missing = subprocess.run([strata_bin, "--project", str(strata_dir), "ls", "--state",
                              str(tmp_path / "nowhere"), "-s", "state:modified"],
                             capture_output=True, text=True, timeout=120)
    assert missing.returncode != 0 and "manifest.json" in missing.stderr
    unknown = subprocess.run([strata_bin, "--project", str(strata_dir), "ls", "--state",
                              str(strata_state), "-s", "state:modifed"],
                             capture_output=True, text=True, timeout=120)
    assert unknown.returncode != 0 and "modified" in unknown.stderr
    no_state = subprocess.run([strata_bin, "--project", str(strata_dir), "ls", "-s",
                               "state:modified"], capture_output=True, text=True, timeout=120)
    assert no_state.returncode != 0 and "--state" in no_state.stderr


def test_run_builds_only_what_changed(tmp_path, strata):
    """`build -s state:modified+` builds the changed model and what is downstream of it."""
    directory = tmp_path / "p"
    shutil.copytree(PROJECT, directory)
    strata("--project", directory, "build")
    state = tmp_path / "state"
    shutil.copytree(directory / "target", state)
    edit(directory / "models" / "marts" / "fct_orders.sql", "o.status,", "upper(o.status) as status,")
    out = strata("--project", directory, "run", "--state", state, "-s", "state:modified+")
    built = sorted(line.split()[1] for line in out.splitlines() if line.startswith("OK"))
    assert built == ["main.fct_orders", "main.fct_orders_report"], out
