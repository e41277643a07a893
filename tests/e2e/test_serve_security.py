"""Security of `strata serve` with real clients: TLS on the PostgreSQL protocol (psql and psycopg
with sslmode=require, verify-ca and verify-full against the generated certificate and against a
CA made with the openssl command) and HTTPS (curl, urllib); SCRAM-SHA-256 users written by
`strata user add` (psql/libpq and psycopg, right and wrong passwords, unknown users); roles with
table read access and column masks, applied over both protocols, to named queries and per role in
the HTTP result cache; and the refusal of non-local listeners without authentication."""
import base64
import json
import os
import shutil
import ssl
import subprocess
import urllib.error
import urllib.request

import pytest
from serve_process import free_port, stop, wait_until_ready

psycopg = pytest.importorskip("psycopg")

PEOPLE = "id,email,country\n1,kim@example.com,NL\n2,lee.sun@shop.example.org,US\n3,,GB\n"
SERVE = """
queries:
  person:
    sql: "SELECT id, email FROM shop.people WHERE id = $id"
    params: {id: integer}
serve:
  tls: true
  roles:
    analyst:
      read: [shop]
      masks: {shop.people.email: email}
    ops: {admin: true}
"""


def add_user(strata_bin, root, name, role, password):
    result = subprocess.run([strata_bin, "user", "add", name, "--role", role], cwd=root,
                            input=password + "\n", capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr


@pytest.fixture(scope="module")
def project(strata_bin, tmp_path_factory):
    root = tmp_path_factory.mktemp("security") / "shop"
    subprocess.run([strata_bin, "init", str(root)], check=True, capture_output=True, timeout=60)
    (root / "data" / "people").mkdir()
    (root / "data" / "people" / "people.csv").write_text(PEOPLE)
    config = (root / "strata.yml").read_text().replace(
        "signed_up_at: TIMESTAMPTZ}\n",
        "signed_up_at: TIMESTAMPTZ}\n      people:\n        path: data/people/*.csv\n")
    (root / "strata.yml").write_text(config + SERVE)
    for args in (["ingest"], ["run"]):
        result = subprocess.run([strata_bin, *args], cwd=root, capture_output=True, text=True,
                                timeout=300)
        assert result.returncode == 0, result.stderr
    add_user(strata_bin, root, "kim", "analyst", "kim-secret")
    add_user(strata_bin, root, "olga", "ops", "olga-secret")
    add_user(strata_bin, root, "kim", "analyst", "kim-pass")  # a new password replaces the old
    return root


def start(strata_bin, root, log_path, *extra):
    pg_port, http_port = free_port(), free_port()
    with open(log_path, "w") as log:
        process = subprocess.Popen([strata_bin, "serve", "--no-scheduler", "--pg-port",
                                    str(pg_port), "--http-port", str(http_port), *extra],
                                   cwd=root, stdout=log, stderr=subprocess.STDOUT)
    wait_until_ready(lambda: "HTTP API listening" in log_path.read_text()
                     and "pgwire server listening" in log_path.read_text(),
                     process, log_path, "listen")
    return process, pg_port, http_port


@pytest.fixture(scope="module")
def server(strata_bin, project, tmp_path_factory):
    log_path = tmp_path_factory.mktemp("security-log") / "serve.log"
    process, pg_port, http_port = start(strata_bin, project, log_path)
    try:
        yield {"pg": pg_port, "http": http_port, "root": project, "log": log_path,
               "ca": str(project / ".strata" / "tls" / "server.crt")}
    finally:
        stop(process)


def psql(server, conninfo, sql, password):
    env = dict(os.environ, PGPASSWORD=password, PGCONNECT_TIMEOUT="10")
    return subprocess.run(["psql", "-X", "-A", "-t", f"host=127.0.0.1 port={server['pg']} "
                           f"dbname=shop {conninfo}", "-c", sql],
                          capture_output=True, text=True, timeout=60, env=env)


def connect(server, user, password, **kwargs):
    return psycopg.connect(host="127.0.0.1", port=server["pg"], user=user, password=password,
                           dbname="shop", connect_timeout=10, autocommit=True, **kwargs)


def https(server, path, user=None, password=None, body=None):
    context = ssl.create_default_context(cafile=server["ca"])
    request = urllib.request.Request(f"https://127.0.0.1:{server['http']}/api/v1{path}",
                                     data=None if body is None else json.dumps(body).encode())
    if user:
        token = base64.b64encode(f"{user}:{password}".encode()).decode()
        request.add_header("Authorization", f"Basic {token}")
    try:
        with urllib.request.urlopen(request, context=context, timeout=30) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode()


# ---- users and passwords ------------------------------------------------------------------------

def test_passwords_are_stored_only_as_scram_verifiers(project):
    text = (project / "strata.yml").read_text()
    assert "kim-pass" not in text and "kim-secret" not in text and "olga-secret" not in text
    assert text.count("kim: {role: analyst, password: \"SCRAM-SHA-256$4096:") == 1


def test_psql_authenticates_with_scram_over_tls(server):
    ok = psql(server, f"user=kim sslmode=verify-full sslrootcert={server['ca']}",
              "SELECT count(*) FROM shop.people", "kim-pass")
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.strip() == "3"
    old = psql(server, "user=kim sslmode=require", "SELECT 1", "kim-secret")
    assert old.returncode != 0
    assert 'password authentication failed for user "kim"' in old.stderr
    unknown = psql(server, "user=nobody sslmode=disable", "SELECT 1", "x")
    assert 'password authentication failed for user "nobody"' in unknown.stderr


def test_psycopg_uses_tls_and_scram_with_both_protocols(server):
    with connect(server, "olga", "olga-secret", sslmode="verify-ca",
                 sslrootcert=server["ca"]) as conn:
        assert conn.pgconn.ssl_in_use
        # Extended protocol with a bound parameter; admin roles see the real values.
        rows = conn.execute("SELECT email FROM shop.people WHERE id = %s", (1,)).fetchall()
        assert rows == [("kim@example.com",)]
    with connect(server, "kim", "kim-pass", sslmode="disable") as conn:
        assert not conn.pgconn.ssl_in_use
        assert conn.execute("SELECT 42").fetchone() == (42,)
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        connect(server, "kim", "wrong")


# ---- roles and masks over the PostgreSQL protocol -----------------------------------------------

def test_masks_apply_to_every_form_of_query(server):
    with connect(server, "kim", "kim-pass") as conn:
        rows = conn.execute("SELECT id, email FROM shop.people ORDER BY id").fetchall()
        assert rows == [(1, "k*****@example.com"), (2, "l*****@shop.example.org"), (3, None)]
        star = conn.execute("SELECT * FROM shop.people p WHERE p.id = %s", (2,)).fetchone()
        assert "l*****@shop.example.org" in star and "lee.sun@shop.example.org" not in star
        # Filters see masked values too, so the real value cannot be probed.
        probe = conn.execute("SELECT count(*) FROM shop.people "
                             "WHERE email = 'kim@example.com'").fetchone()
        assert probe == (0,)
        joined = conn.execute("SELECT a.email FROM shop.people a JOIN shop.people b USING (id) "
                              "WHERE a.id = 1").fetchone()
        assert joined == ("k*****@example.com",)
        copied = []
        with conn.cursor().copy("COPY (SELECT email FROM shop.people WHERE id = 1) TO STDOUT") as copy:
            for row in copy.rows():
                copied.append(row)
        assert copied == [("k*****@example.com",)]


def test_roles_read_only_their_tables(server):
    with connect(server, "kim", "kim-pass") as conn:
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="staging.stg_customers"):
            conn.execute("SELECT * FROM staging.stg_customers")
    with connect(server, "kim", "kim-pass") as conn:
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="read_csv"):
            conn.execute("SELECT * FROM read_csv('/etc/passwd')")
    with connect(server, "kim", "kim-pass") as conn:
        # search_path cannot reach the unmasked table under its bare name.
        conn.execute("SET search_path = shop")
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="with its schema"):
            conn.execute("SELECT email FROM people")
    with connect(server, "kim", "kim-pass") as conn:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("CREATE TABLE x AS SELECT 1")
    with connect(server, "olga", "olga-secret") as conn:
        assert conn.execute("SELECT count(*) FROM staging.stg_customers").fetchone()[0] > 0


def test_psql_catalog_commands_work_for_restricted_roles(server):
    out = psql(server, "user=kim", "\\dt shop.*", "kim-pass")
    assert out.returncode == 0, out.stderr
    assert "people" in out.stdout
    out = psql(server, "user=kim", "\\d shop.people", "kim-pass")
    assert out.returncode == 0, out.stderr
    assert "email" in out.stdout


# ---- HTTPS, Basic authentication, masks and the cache -------------------------------------------

def test_https_with_basic_auth_masks_and_caches_per_role(server):
    query = {"sql": "SELECT id, email FROM shop.people ORDER BY id", "format": "json"}
    status, headers, body = https(server, "/query", "kim", "kim-pass", query)
    assert status == 200, body
    assert json.loads(body)["rows"][0] == [1, "k*****@example.com"]
    status, headers, body = https(server, "/query", "olga", "olga-secret", query)
    assert status == 200 and json.loads(body)["rows"][0] == [1, "kim@example.com"]
    assert headers["X-Cache"] == "miss"  # the analyst's cached result is not the admin's
    status, headers, body = https(server, "/query", "kim", "kim-pass", query)
    assert headers["X-Cache"] == "hit" and "k*****@example.com" in body
    status, _, body = https(server, "/queries/person?id=1", "kim", "kim-pass")
    assert status == 200 and json.loads(body)["rows"] == [[1, "k*****@example.com"]]
    status, _, body = https(server, "/query", "kim", "kim-pass",
                            {"sql": "SELECT * FROM staging.stg_customers"})
    assert status == 403 and "permission denied" in body
    status, _, _ = https(server, "/tables", "kim", "wrong")
    assert status == 401
    status, _, _ = https(server, "/tables")
    assert status == 401


def test_curl_verifies_the_generated_certificate(server):
    url = f"https://127.0.0.1:{server['http']}/api/v1/health"
    ok = subprocess.run(["curl", "-sf", "--cacert", server["ca"], url], capture_output=True,
                        text=True, timeout=30)
    assert ok.returncode == 0 and json.loads(ok.stdout)
    untrusted = subprocess.run(["curl", "-sf", url], capture_output=True, timeout=30)
    assert untrusted.returncode == 60  # the certificate is not trusted without the CA
    plain = subprocess.run(["curl", "-sf", url.replace("https", "http")], capture_output=True,
                           timeout=30)
    assert plain.returncode != 0


# ---- a configured certificate, TLS required -----------------------------------------------------

def make_ca_and_certificate(directory):
    def openssl(*args):
        subprocess.run(["openssl", *args], cwd=directory, check=True, capture_output=True)
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", "ca.key", "-out", "ca.crt", "-days", "2", "-subj", "/CN=test CA")
    openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout",
            "server.key", "-out", "server.csr", "-subj", "/CN=localhost")
    (directory / "ext.cnf").write_text("subjectAltName=DNS:localhost,IP:127.0.0.1\n")
    openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
            "-CAcreateserial", "-out", "server.crt", "-days", "2", "-extfile", "ext.cnf")


def test_configured_certificate_and_required_tls(strata_bin, project, tmp_path):
    root = tmp_path / "copy"  # one server per project: the module's server keeps running
    shutil.copytree(project, root)
    certs = root / "certs"
    certs.mkdir()
    make_ca_and_certificate(certs)
    config = (root / "strata.yml").read_text()
    (root / "strata.yml").write_text(config.replace(
        "  tls: true\n", "  tls: {cert: certs/server.crt, key: certs/server.key, required: true}\n"))
    process, pg_port, http_port = start(strata_bin, root, tmp_path / "serve.log")
    try:
        server = {"pg": pg_port, "http": http_port, "ca": str(certs / "ca.crt")}
        ok = psql(server, f"user=kim sslmode=verify-full sslrootcert={certs / 'ca.crt'}",
                  "SELECT 1", "kim-pass")
        assert ok.returncode == 0, ok.stderr
        # The generated certificate is not the configured CA's.
        other = psql(server, f"user=kim sslmode=verify-ca sslrootcert={project}/.strata/tls/"
                     "server.crt", "SELECT 1", "kim-pass")
        assert other.returncode != 0 and "certificate verify failed" in other.stderr
        plain = psql(server, "user=kim sslmode=disable", "SELECT 1", "kim-pass")
        assert "requires TLS" in plain.stderr
        status, _, _ = https(server, "/tables", "kim", "kim-pass")
        assert status == 200
    finally:
        stop(process)


# ---- non-local listeners ------------------------------------------------------------------------

def test_non_local_listeners_need_authentication(strata_bin, tmp_path):
    root = tmp_path / "open"
    subprocess.run([strata_bin, "init", str(root)], check=True, capture_output=True, timeout=60)
    result = subprocess.run([strata_bin, "serve", "--no-scheduler", "--host", "0.0.0.0",
                             "--pg-port", str(free_port())], cwd=root, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 2
    assert "not a loopback address, without authentication" in result.stderr
    result = subprocess.run([strata_bin, "serve", "--no-scheduler", "--pg-port", "0",
                             "--http-port", str(free_port()), "--http-host", "0.0.0.0"],
                            cwd=root, capture_output=True, text=True, timeout=60,
                            env={k: v for k, v in os.environ.items() if k != "STRATA_HTTP_TOKEN"})
    assert result.returncode == 2
    assert "without authentication" in result.stderr


def test_plain_passwords_in_config_are_refused(strata_bin, tmp_path):
    root = tmp_path / "plain"
    subprocess.run([strata_bin, "init", str(root)], check=True, capture_output=True, timeout=60)
    with open(root / "strata.yml", "a") as config:
        config.write("serve:\n  users:\n    bob: {password: hunter2}\n")
    result = subprocess.run([strata_bin, "serve", "--no-scheduler", "--pg-port", "0"], cwd=root,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 3
    assert "strata.yml:" in result.stderr and "SCRAM-SHA-256 verifier" in result.stderr


def iceberg_rest(server, method, path, user, password, body=None):
    context = ssl.create_default_context(cafile=server["ca"])
    request = urllib.request.Request(f"https://127.0.0.1:{server['http']}/iceberg/v1{path}",
                                     method=method,
                                     data=None if body is None else json.dumps(body).encode())
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    request.add_header("Authorization", f"Basic {token}")
    try:
        with urllib.request.urlopen(request, context=context, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_iceberg_rest_catalog_refuses_roles_it_cannot_mask(server):
    # A catalog client reads data files directly, so a masked role must not get their locations.
    status, body = iceberg_rest(server, "GET", "/namespaces/shop/tables/people", "kim", "kim-pass")
    assert status == 403, body
    assert json.loads(body)["error"]["type"] == "ForbiddenException"
    assert "masks" in json.loads(body)["error"]["message"]
    status, body = iceberg_rest(server, "POST", "/namespaces", "kim", "kim-pass",
                                {"namespace": ["kims"], "properties": {}})
    assert status == 403, body
    status, body = iceberg_rest(server, "GET", "/namespaces/shop/tables/people", "olga",
                                "olga-secret")
    assert status == 200, body
    assert json.loads(body)["metadata-location"].endswith(".metadata.json")
    status, body = iceberg_rest(server, "POST", "/namespaces", "olga", "olga-secret",
                                {"namespace": ["olgas"], "properties": {}})
    assert status == 200, body
