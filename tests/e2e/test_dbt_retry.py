"""`strata retry`, as `dbt retry`: after a build in which a model failed (and what is downstream
of it was skipped), the model is fixed and `retry` runs exactly the nodes that did not succeed,
with the same command and options; then there is nothing left to retry. A microbatch model
with a failed batch is retried by building that batch alone."""

import json
import shutil
import subprocess

from test_dbt_batches import PROJECT as BATCHES_PROJECT
from test_dbt_oracle import PROJECT as SHOP_PROJECT


def results(directory):
    data = json.loads((directory / "target" / "run_results.json").read_text())
    return data, {r["unique_id"]: r for r in data["results"]}


def run(strata_bin, directory, *args):
    return subprocess.run([strata_bin, "--project", str(directory), *args], capture_output=True,
                          text=True, timeout=600)


def test_retry_runs_the_failed_and_skipped_nodes(tmp_path, strata_bin):
    directory = tmp_path / "shop"
    shutil.copytree(SHOP_PROJECT, directory)
    model = directory / "models" / "staging" / "stg_payments.sql"
    good = model.read_text()
    model.write_text(good.replace("order_id,", "no_such_column,", 1))
    failed = run(strata_bin, directory, "build", "--vars", "{load: 1}")
    assert failed.returncode == 1, failed.stdout + failed.stderr
    data, first = results(directory)
    assert data["args"]["which"] == "build" and data["args"]["vars"] == "{load: 1}"
    assert first["model.shop.stg_payments"]["status"] == "error"
    assert first["model.shop.fct_orders"]["status"] == "skipped"
    not_ok = {uid for uid, r in first.items() if r["status"] not in ("success", "pass")}
    ok = {uid for uid, r in first.items() if r["status"] in ("success", "pass")}

    model.write_text(good)
    retried = run(strata_bin, directory, "retry")
    assert retried.returncode == 0, retried.stdout + retried.stderr
    data, second = results(directory)
    assert set(second) == not_ok, sorted(set(second) ^ not_ok)
    assert not set(second) & ok
    assert all(r["status"] in ("success", "pass") for r in second.values()), second
    assert data["args"]["which"] == "build" and data["args"]["vars"] == "{load: 1}"

    again = run(strata_bin, directory, "retry")
    assert again.returncode == 0 and "Nothing to retry" in again.stdout, again.stdout


def test_retry_builds_only_the_failed_batch(tmp_path, strata, strata_bin):
    directory = tmp_path / "batches"
    shutil.copytree(BATCHES_PROJECT, directory)
    model = directory / "models" / "events_monthly.sql"
    good = model.read_text()
    model.write_text(good.replace(
        "amount * 2 as doubled",
        "cast(case when month(event_at) = 10 then 'x' else '2' end as integer) * amount "
        "as doubled"))
    failed = run(strata_bin, directory, "build", "--vars", "{load: 1}",
                 "--event-time-end", "2026-12-01")
    assert failed.returncode == 1, failed.stdout + failed.stderr
    _, first = results(directory)
    monthly = first["model.batches.events_monthly"]
    assert monthly["status"] == "partial success"
    assert len(monthly["batch_results"]["successful"]) == 2
    assert [w[0][:10] for w in monthly["batch_results"]["failed"]] == ["2026-10-01"]
    before = strata("--project", directory, "table", "snapshots", "main.events_monthly")

    model.write_text(good)
    retried = run(strata_bin, directory, "retry")
    assert retried.returncode == 0, retried.stdout + retried.stderr
    _, second = results(directory)
    monthly = second["model.batches.events_monthly"]
    assert monthly["status"] == "success"
    assert [w[0][:10] for w in monthly["batch_results"]["successful"]] == ["2026-10-01"]
    rows = json.loads(strata("--project", directory, "query", "-f", "json",
                             "SELECT month(event_at) AS m, count(*) AS n FROM main.events_monthly "
                             "GROUP BY ALL ORDER BY ALL"))
    assert [row["m"] for row in rows] == [9, 10, 11], rows
    after = strata("--project", directory, "table", "snapshots", "main.events_monthly")
    assert len(after.splitlines()) == len(before.splitlines()) + 1, (before, after)
