"""The `dbt_build` benchmark: `strata build` vs `dbt build` (dbt-core + dbt-duckdb) of a generated
200-model project on small data, both from scratch, and strata's overhead per node over DuckDB
running the same compiled SQL directly in one session."""
import csv
import json
import shutil
import subprocess
import sys
import time

import duckdb

SEEDS = {"customers": 2_000, "orders": 20_000, "payments": 20_000, "products": 200}
INTERMEDIATE, MARTS, INCREMENTAL, REPORTS = 60, 100, 30, 6
THREADS = 2


def timed(fn):
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def write_seeds(root):
    seeds = root / "seeds"
    seeds.mkdir(parents=True, exist_ok=True)
    rows = {
        "customers": (["customer_id", "name", "country"],
                      lambda i: [i, f"customer {i}", ["de", "fr", "nl", "es"][i % 4]]),
        "orders": (["order_id", "customer_id", "product_id", "status", "ordered_at"],
                   lambda i: [i, i % SEEDS["customers"], i % SEEDS["products"],
                              ["placed", "shipped", "returned"][i % 3],
                              f"2026-{1 + i % 12:02d}-{1 + i % 28:02d} 10:00:00"]),
        "payments": (["payment_id", "order_id", "amount_cents"],
                     lambda i: [i, i, 100 + (i * 37) % 10_000]),
        "products": (["product_id", "title", "price_cents"],
                     lambda i: [i, f"product {i}", 500 + i * 3]),
    }
    for name, count in SEEDS.items():
        header, row = rows[name]
        with open(seeds / f"{name}.csv", "w", newline="", encoding="utf-8") as out:
            writer = csv.writer(out)
            writer.writerow(header)
            for i in range(count):
                writer.writerow(row(i))


def generate_build_project(root):
    """Staging views over four seeds, intermediate views (filters and aggregates), marts tables
    joining them, incremental models (delete+insert on a key), reports over marts; a macro; tests
    on the staging keys and on every fifth mart: 200 models, 4 seeds, 36 tests."""
    for folder in ("staging", "intermediate", "marts", "incremental", "reports"):
        (root / "models" / folder).mkdir(parents=True, exist_ok=True)
    (root / "macros").mkdir(exist_ok=True)
    write_seeds(root)
    (root / "dbt_project.yml").write_text(
        "name: shop200\nprofile: shop200\nconfig-version: 2\nmodels:\n  shop200:\n"
        "    staging: {+materialized: view}\n    intermediate: {+materialized: view}\n"
        "    marts: {+materialized: table}\n    reports: {+materialized: table}\n")
    (root / "profiles.yml").write_text(
        "shop200:\n  target: dev\n  outputs:\n"
        f"    dev: {{type: duckdb, path: shop200.duckdb, threads: {THREADS}}}\n")
    (root / "macros" / "money.sql").write_text(
        "{% macro euros(column) %}round({{ column }} / 100.0, 2){% endmacro %}\n")
    models = {}
    models["staging/stg_customers"] = "select customer_id, name, country from {{ ref('customers') }}"
    models["staging/stg_orders"] = (
        "select order_id, customer_id, product_id, status, cast(ordered_at as timestamp) as "
        "ordered_at from {{ ref('orders') }}")
    models["staging/stg_payments"] = (
        "select payment_id, order_id, {{ euros('amount_cents') }} as amount "
        "from {{ ref('payments') }}")
    models["staging/stg_products"] = (
        "select product_id, title, {{ euros('price_cents') }} as price from {{ ref('products') }}")
    for i in range(INTERMEDIATE):
        models[f"intermediate/int_{i}"] = (
            "select o.customer_id, count(*) as orders, sum(p.amount) as revenue\n"
            "from {{ ref('stg_orders') }} as o join {{ ref('stg_payments') }} as p using (order_id)\n"
            f"where o.order_id % {INTERMEDIATE} = {i}\ngroup by o.customer_id")
    for i in range(MARTS):
        models[f"marts/fct_{i}"] = (
            "select c.customer_id, c.name, c.country, i.orders, i.revenue\n"
            "{% for s in ['placed', 'shipped'] %}, '{{ s }}' as status_{{ s }}{% endfor %}\n"
            "from {{ ref('stg_customers') }} as c\n"
            f"join {{{{ ref('int_{i % INTERMEDIATE}') }}}} as i using (customer_id)")
    for i in range(INCREMENTAL):
        models[f"incremental/inc_{i}"] = (
            "{{ config(materialized='incremental', unique_key='order_id') }}\n"
            "select order_id, customer_id, status, ordered_at from {{ ref('stg_orders') }}\n"
            f"where order_id % {INCREMENTAL} = {i}\n"
            "{% if is_incremental() %}and ordered_at > (select max(ordered_at) from {{ this }})"
            "{% endif %}")
    for i in range(REPORTS):
        parts = [f"select country, sum(revenue) as revenue from {{{{ ref('fct_{j}') }}}} "
                 "group by country" for j in range(i, MARTS, 17)]
        models[f"reports/rpt_{i}"] = "\nunion all\n".join(parts)
    assert len(models) == 200
    for path, sql in models.items():
        (root / "models" / f"{path}.sql").write_text(sql + "\n")
    tests = ["  - name: stg_customers\n    columns:\n      - name: customer_id\n"
             "        tests: [unique, not_null]",
             "  - name: stg_orders\n    columns:\n      - name: order_id\n"
             "        tests: [unique, not_null]\n      - name: customer_id\n"
             "        tests:\n          - relationships: {to: ref('stg_customers'), "
             "field: customer_id}",
             "  - name: stg_payments\n    columns:\n      - name: payment_id\n"
             "        tests: [unique, not_null]"]
    for i in range(0, MARTS, 5):
        tests.append(f"  - name: fct_{i}\n    columns:\n      - name: customer_id\n"
                     "        tests: [unique, not_null]")
    (root / "models" / "_tests.yml").write_text("version: 2\nmodels:\n" + "\n".join(tests) + "\n")


def topological(parent_map, names):
    order, seen = [], set()

    def visit(node):
        if node in seen:
            return
        seen.add(node)
        for parent in parent_map.get(node, []):
            visit(parent)
        order.append(node)

    for name in sorted(names):
        visit(name)
    return order


class DbtBuildCase:
    """A 200-model project built from scratch: strata build vs dbt build (both with 2 threads),
    plus DuckDB running strata's compiled SQL for every node in one session (seeds loaded with
    read_csv, tables written to a database file), which gives strata's overhead per node."""

    baseline = "dbt"

    def __init__(self):
        self.label = "200 models, 4 seeds, 36 tests"
        self.notes = {
            "strata": f"strata build --threads {THREADS} (seeds, models, tests; Iceberg commits)",
            "dbt": f"dbt build with dbt-duckdb, threads {THREADS}, to a fresh database file",
            "duckdb": "one DuckDB session: read_csv seeds + strata's compiled SQL per node",
            "strata overhead per node": "(strata - duckdb) / nodes built, in seconds",
        }
        self.strata_times = []
        self.duckdb_times = []

    def prepare(self, strata, work):
        self.strata = strata
        self.dir = work / "dbt-build-200"
        if not (self.dir / "dbt_project.yml").exists():
            generate_build_project(self.dir)
        self._strata_once()  # for the compiled SQL and the manifest the DuckDB variant replays
        manifest = json.loads((self.dir / "target" / "manifest.json").read_text())
        self.nodes = manifest["nodes"]
        self.order = [n for n in topological(manifest["parent_map"], self.nodes)
                      if n in self.nodes]

    def variants(self):
        return [("strata", self._timed_strata), ("duckdb", self._timed_duckdb),
                ("dbt", lambda: timed(self._dbt_once)),
                ("strata overhead per node", self._overhead)]

    def _timed_strata(self):
        seconds = timed(self._strata_once)
        self.strata_times.append(seconds)
        return seconds

    def _timed_duckdb(self):
        seconds = timed(self._duckdb_once)
        self.duckdb_times.append(seconds)
        return seconds

    def _overhead(self):
        index = min(len(self.strata_times), len(self.duckdb_times)) - 1
        built = sum(1 for n in self.order if self.nodes[n]["config"].get("materialized")
                    != "ephemeral")
        return (self.strata_times[index] - self.duckdb_times[index]) / built

    def _strata_once(self):
        shutil.rmtree(self.dir / ".strata", ignore_errors=True)
        shutil.rmtree(self.dir / "target", ignore_errors=True)
        subprocess.run([self.strata, "--quiet", "--project", str(self.dir), "build",
                        "--threads", str(THREADS)], check=True, stdout=subprocess.DEVNULL)

    def _dbt_once(self):
        (self.dir / "shop200.duckdb").unlink(missing_ok=True)
        subprocess.run([sys.executable, "-m", "dbt.cli.main", "build", "--profiles-dir",
                        str(self.dir), "--project-dir", str(self.dir)], cwd=self.dir,
                       check=True, stdout=subprocess.DEVNULL)

    def _duckdb_once(self):
        database = self.dir / "baseline.duckdb"
        database.unlink(missing_ok=True)
        con = duckdb.connect(str(database))
        for unique_id in self.order:
            node = self.nodes[unique_id]
            schema, name = node["schema"], node["alias"] if node.get("alias") else node["name"]
            con.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
            kind = node["resource_type"]
            if kind == "seed":
                seed = self.dir / node["original_file_path"]
                con.execute(f'CREATE TABLE "{schema}"."{name}" AS SELECT * FROM '
                            f"read_csv('{seed}', header = true, auto_detect = true)")
                continue
            sql = node["compiled_code"]
            if kind == "test":
                con.execute(f"SELECT count(*) FROM ({sql})").fetchall()
            elif node["config"].get("materialized") == "view":
                con.execute(f'CREATE VIEW "{schema}"."{name}" AS {sql}')
            else:
                con.execute(f'CREATE TABLE "{schema}"."{name}" AS {sql}')
        con.close()
