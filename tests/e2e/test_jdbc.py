"""The PostgreSQL JDBC driver against `strata serve`: tests/e2e/jdbc/JdbcClient.java, compiled here
with javac against the driver that `scripts/setup.sh --test` fetches, does what DBeaver and other
JDBC tools do (metadata, statements, prepared statements named and unnamed, values of many types
in text and binary, errors, cursor fetches), on a trusted server and with SCRAM users, and checks
that a limited role sees only its tables."""
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from catalog_project import USERS, add_users, make_project, serve

HERE = Path(__file__).resolve().parent
DRIVER_DIR = HERE.parents[1] / ".deps" / "jdbc"


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    drivers = sorted(DRIVER_DIR.glob("postgresql-*.jar"))
    if not drivers or not shutil.which("javac"):
        pytest.skip("the JDBC driver or javac is missing (run scripts/setup.sh --test)")
    out = tmp_path_factory.mktemp("jdbc-classes")
    subprocess.run(["javac", "-cp", str(drivers[-1]), "-d", str(out),
                    str(HERE / "jdbc" / "JdbcClient.java")], check=True, timeout=300)
    classpath = f"{out}:{drivers[-1]}"

    def run(port, user, password, mode):
        result = subprocess.run(
            ["java", "-cp", classpath, "JdbcClient", f"jdbc:postgresql://127.0.0.1:{port}/shop",
             user, password, mode], capture_output=True, text=True, timeout=300)
        passed = re.findall(r"^PASS (\S+)$", result.stdout, re.M)
        failed = re.findall(r"^FAIL .*$", result.stdout, re.M)
        seen = re.findall(r"^SEEN (.*)$", result.stdout, re.M)
        return result, passed, failed, seen

    return run


@pytest.fixture(scope="module")
def project(strata_bin, tmp_path_factory):
    return make_project(strata_bin, tmp_path_factory.mktemp("jdbc") / "shop")


FULL_CHECKS = {
    "product", "catalogs", "schemas", "tables", "table_types", "columns", "column_precision",
    "view_columns", "primary_keys", "imported_keys", "index_info", "type_info", "procedures",
    "error_recovers_session", "cursor_fetch", "named_statements_used",
    *(f"{tag}_{check}" for tag in ("unnamed", "named", "binary")
      for check in ("statement", "parameters", "parameters_in_where", "typed_table_values",
                    "value_reads")),
}


def assert_all_passed(result, passed, failed, expected):
    assert not failed, result.stdout[-6000:] + result.stderr[-2000:]
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert expected <= set(passed), expected - set(passed)


def test_jdbc_tool_session_on_a_trusted_server(client, strata_bin, project, tmp_path):
    with serve(strata_bin, project, tmp_path / "serve.log") as server:
        result, passed, failed, seen = client(server["pg"], "tester", "", "full")
        assert_all_passed(result, passed, failed, FULL_CHECKS)
        # Every lake table and view, and nothing of strata's own helper schema.
        assert {"shop.customers TABLE", "shop.typed TABLE", "marts.customers_by_country TABLE",
                "staging.stg_customers VIEW"} <= set(seen)
        assert not [t for t in seen if t.startswith("pg_strata.")]


def test_jdbc_with_scram_users_and_a_limited_role(client, strata_bin, project, tmp_path):
    add_users(strata_bin, project)
    with serve(strata_bin, project, tmp_path / "serve.log") as server:
        role, password = USERS["olga"]
        result, passed, failed, _ = client(server["pg"], "olga", password, "full")
        assert_all_passed(result, passed, failed, FULL_CHECKS | {"wrong_password_refused"})
        role, password = USERS["kim"]
        result, passed, failed, seen = client(server["pg"], "kim", password, "role")
        assert_all_passed(result, passed, failed,
                          {"role_connect", "role_tables", "role_columns_of_hidden_table",
                           "role_reads_allowed_table", "role_refused_other_table"})
        # analyst reads only the schema shop: the other lake tables are not listed.
        assert sorted(seen) == ["shop.customers TABLE", "shop.typed TABLE"]
