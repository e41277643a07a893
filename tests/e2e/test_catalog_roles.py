"""A role limited to some lake tables sees only those in the catalog, through every interface a
tool lists tables with: psql's \\dt and \\d, pg_catalog (pg_class, pg_tables, pg_attribute),
information_schema (tables, columns), and the HTTP API's table listing. An admin user sees all."""
import base64
import json
import os
import subprocess
import urllib.request

import pytest
from catalog_project import USERS, add_users, make_project, serve

psycopg = pytest.importorskip("psycopg")

EVERY_TABLE = {"shop.customers", "shop.typed", "marts.customers_by_country",
               "staging.stg_customers"}
ANALYST_TABLES = {"shop.customers", "shop.typed"}  # role analyst reads schema shop only


@pytest.fixture(scope="module")
def server(strata_bin, tmp_path_factory):
    root = make_project(strata_bin, tmp_path_factory.mktemp("roles") / "shop")
    add_users(strata_bin, root)
    with serve(strata_bin, root, tmp_path_factory.mktemp("roles-log") / "serve.log",
               http=True) as s:
        yield s


def connect(server, user):
    return psycopg.connect(host="127.0.0.1", port=server["pg"], user=user,
                           password=USERS[user][1], dbname="shop", connect_timeout=10,
                           autocommit=True)


def catalog_listings(conn):
    def names(sql):
        return {f"{schema}.{name}" for schema, name in conn.execute(sql).fetchall()
                if schema in ("shop", "marts", "staging")}
    return {
        "pg_class": names("SELECT n.nspname, c.relname FROM pg_catalog.pg_class c JOIN "
                          "pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
                          "WHERE c.relkind IN ('r', 'v')"),
        "pg_tables+views": names("SELECT schemaname, tablename FROM pg_catalog.pg_tables UNION "
                                 "SELECT schemaname, viewname FROM pg_catalog.pg_views"),
        "information_schema.tables": names("SELECT table_schema, table_name "
                                           "FROM information_schema.tables"),
        "information_schema.columns": names("SELECT DISTINCT table_schema, table_name "
                                            "FROM information_schema.columns"),
        "pg_attribute": names("SELECT DISTINCT n.nspname, c.relname FROM pg_catalog.pg_attribute a "
                              "JOIN pg_catalog.pg_class c ON c.oid = a.attrelid "
                              "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"),
    }


def test_limited_role_sees_only_its_tables_in_the_catalog(server):
    with connect(server, "kim") as conn:
        for catalog, names in catalog_listings(conn).items():
            assert names == ANALYST_TABLES, catalog
        # The pg_class row of a hidden table is gone even when asked for by name.
        assert conn.execute("SELECT count(*) FROM pg_catalog.pg_class "
                            "WHERE relname = 'customers_by_country'").fetchone() == (0,)
        # strata's own catalog helpers do not give the hidden tables away either.
        assert {f"{s}.{t}" for s, t in conn.execute(
            "SELECT schema_name, table_name FROM pg_strata.lake_tables").fetchall()} == {
            "shop.customers", "shop.typed"}
    with connect(server, "olga") as conn:
        for catalog, names in catalog_listings(conn).items():
            assert names == EVERY_TABLE, catalog


def psql(server, user, command):
    env = dict(os.environ, PGPASSWORD=USERS[user][1], PGCONNECT_TIMEOUT="10")
    result = subprocess.run(["psql", "-X", "-A", "-t", "-h", "127.0.0.1", "-p", str(server["pg"]),
                             "-U", user, "-d", "shop", "-c", command],
                            capture_output=True, text=True, timeout=60, env=env)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_psql_meta_commands_per_role(server):
    listed = {"|".join(line.split("|")[:2]) for line in psql(server, "kim", r"\dt *.*").splitlines()}
    assert {"shop|customers", "shop|typed"} <= listed
    assert "marts|customers_by_country" not in listed
    assert "staging|stg_customers" not in psql(server, "kim", r"\dv *.*")
    assert "Did not find any relation" in subprocess.run(
        ["psql", "-X", "-h", "127.0.0.1", "-p", str(server["pg"]), "-U", "kim", "-d", "shop",
         "-c", r"\d marts.customers_by_country"], capture_output=True, text=True, timeout=60,
        env=dict(os.environ, PGPASSWORD=USERS["kim"][1])).stderr
    assert "marts|customers_by_country" in psql(server, "olga", r"\dt *.*")


def http_tables(server, user):
    request = urllib.request.Request(f"http://127.0.0.1:{server['http']}/api/v1/tables")
    token = base64.b64encode(f"{user}:{USERS[user][1]}".encode()).decode()
    request.add_header("Authorization", f"Basic {token}")
    with urllib.request.urlopen(request, timeout=30) as response:
        return {t["name"] for t in json.loads(response.read())["tables"]}


def test_http_table_listing_per_role(server):
    assert http_tables(server, "kim") == ANALYST_TABLES
    assert http_tables(server, "olga") == EVERY_TABLE
