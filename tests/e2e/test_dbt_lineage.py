"""Column-level lineage: tests/e2e/projects/dbt_lineage (CTEs, `*` with EXCLUDE/REPLACE, a join
with USING, an ephemeral model, a subquery in FROM, CASE, a window function, a scalar subquery,
aggregates, an alias used by a later item, a UNION, a table function) is built, then `docs
generate` writes target/lineage.json, and `strata lineage` shows a model's columns and traces one
column down to the seeds."""

import json
import shutil
from pathlib import Path

PROJECT = Path(__file__).resolve().parent / "projects" / "dbt_lineage"


def sources(column):
    return sorted(f"{s['relation']}.{s['column']}" for s in column["sources"])


def test_column_lineage(tmp_path, strata):
    directory = tmp_path / "p"
    shutil.copytree(PROJECT, directory)
    strata("--project", directory, "build")
    strata("--project", directory, "docs", "generate")
    lineage = json.loads((directory / "target" / "lineage.json").read_text())
    assert lineage["metadata"]["project_name"] == "lineage"
    nodes = lineage["nodes"]
    assert "model.lineage.payments_by_order" not in nodes  # ephemeral: inlined where it is read

    def check(model, column, kind, expected, unresolved=False):
        entry = nodes[f"model.lineage.{model}"]["columns"][column]
        assert (entry["kind"], sources(entry), entry["unresolved"]) == \
            (kind, sorted(expected), unresolved), (model, column, entry)
        return entry

    entry = check("stg_orders", "order_id", "direct", ["main.orders.id"])
    assert entry["sources"][0]["unique_id"] == "seed.lineage.orders"
    check("stg_customers", "country", "direct", ["main.customers.country"])

    facts = nodes["model.lineage.order_facts"]["columns"]
    assert [name for name, _ in sorted(facts.items(), key=lambda item: item[1]["index"])] == [
        "order_id", "customer_id", "full_name", "nation", "amount", "paid", "done_amount",
        "running_amount", "max_amount", "order_count"]
    entry = check("order_facts", "order_id", "direct", ["main.stg_orders.order_id"])
    assert entry["sources"][0]["unique_id"] == "model.lineage.stg_orders"
    check("order_facts", "customer_id", "direct", ["main.stg_orders.customer_id"])
    check("order_facts", "full_name", "transformation",
          ["main.stg_customers.first_name", "main.stg_customers.last_name"])
    check("order_facts", "nation", "direct", ["main.stg_customers.country"])
    check("order_facts", "amount", "direct", ["main.stg_orders.amount"])
    check("order_facts", "paid", "transformation", ["main.payments.amount_cents"])
    check("order_facts", "done_amount", "transformation",
          ["main.stg_orders.amount", "main.stg_orders.status"])
    check("order_facts", "running_amount", "transformation",
          ["main.stg_orders.amount", "main.stg_orders.customer_id", "main.stg_orders.order_id"])
    check("order_facts", "max_amount", "transformation", ["main.stg_orders.amount"])
    check("order_facts", "order_count", "transformation", [])  # count(*) reads no column

    check("everyone", "id", "direct",
          ["main.stg_customers.customer_id", "main.stg_orders.order_id"])
    check("everyone", "label", "direct", ["main.stg_customers.first_name", "main.stg_orders.status"])

    check("customer_totals", "customer_id", "direct", ["main.stg_orders.customer_id"])
    check("customer_totals", "total", "transformation", ["main.stg_orders.amount"])
    check("customer_totals", "average", "transformation", ["main.stg_orders.amount"])

    assert set(nodes["model.lineage.orders_copy"]["columns"]) == {"order_id", "customer_id",
                                                                  "amount"}
    check("orders_copy", "order_id", "direct", ["main.stg_orders.order_id"])
    check("orders_copy", "amount", "transformation", ["main.stg_orders.amount"])

    check("numbers", "n", "transformation", [], unresolved=True)
    check("numbers", "doubled", "transformation", [], unresolved=True)

    out = strata("--project", directory, "lineage", "order_facts")
    assert "paid  (transformation)  <- main.payments.amount_cents" in out, out
    trace = strata("--project", directory, "lineage", "order_facts.full_name")
    assert "main.order_facts.full_name  (transformation)" in trace
    assert "  <- main.stg_customers.first_name  [model stg_customers]" in trace, trace
    assert "    <- main.customers.first_name  [seed customers]" in trace, trace
