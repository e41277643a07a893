"""A project for the client-compatibility tests (JDBC, SQLAlchemy, BI tools' catalog queries): the
`strata init` project plus shop.typed, a table with a column of each common type, and the role
`analyst`, which reads only the schema shop. serve() starts `strata serve` on it, trusted or with
the users kim (analyst) and olga (admin)."""
import contextlib
import subprocess

from serve_process import free_port, stop, wait_until_ready

TYPED_CSV = (
    "id,amount,day,paid,ref,score,label,seen_at,local_at,small\n"
    "1,12.50,2024-01-01,true,00000000-0000-0000-0000-000000000001,1.5,a,"
    "2024-01-01T00:00:00Z,2024-01-01 00:00:00,3\n"
    "2,-0.05,1999-12-31,false,00000000-0000-0000-0000-000000000002,-0.0015,b,"
    "2024-07-01T00:00:00+02:00,2024-07-01 00:00:00,-7\n")
TYPED_SOURCE = """      typed:
        path: data/typed/*.csv
        columns: {id: BIGINT, amount: "DECIMAL(12,2)", day: DATE, paid: BOOLEAN, ref: UUID,
                  score: DOUBLE, label: VARCHAR, seen_at: TIMESTAMPTZ, local_at: TIMESTAMP,
                  small: INTEGER}
"""
ROLES = """
serve:
  roles:
    analyst:
      read: [shop]
    ops: {admin: true}
"""
USERS = {"kim": ("analyst", "kim-pass"), "olga": ("ops", "olga-pass")}


def make_project(strata_bin, root):
    """Creates, ingests and builds the project in `root` (no users yet)."""
    subprocess.run([strata_bin, "init", str(root)], check=True, capture_output=True, timeout=60)
    (root / "data" / "typed").mkdir()
    (root / "data" / "typed" / "typed.csv").write_text(TYPED_CSV)
    config = (root / "strata.yml").read_text().replace(
        "signed_up_at: TIMESTAMPTZ}\n", "signed_up_at: TIMESTAMPTZ}\n" + TYPED_SOURCE)
    (root / "strata.yml").write_text(config + ROLES)
    for args in (["ingest"], ["run"]):
        result = subprocess.run([strata_bin, *args], cwd=root, capture_output=True, text=True,
                                timeout=300)
        assert result.returncode == 0, result.stderr
    return root


def add_users(strata_bin, root):
    for name, (role, password) in USERS.items():
        result = subprocess.run([strata_bin, "user", "add", name, "--role", role], cwd=root,
                                input=password + "\n", capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stderr


@contextlib.contextmanager
def serve(strata_bin, root, log_path, http=False):
    """Runs `strata serve` on `root`; yields {"pg", "http", "log"}; stops it on exit."""
    pg_port = free_port()
    http_port = free_port() if http else None
    args = [strata_bin, "serve", "--no-scheduler", "--pg-port", str(pg_port)]
    if http:
        args += ["--http-port", str(http_port)]
    with open(log_path, "w") as log:
        process = subprocess.Popen(args, cwd=root, stdout=log, stderr=subprocess.STDOUT)
    try:
        def ready():
            text = log_path.read_text()
            return "pgwire server listening" in text and (not http or "HTTP API listening" in text)
        wait_until_ready(ready, process, log_path, "listen")
        yield {"pg": pg_port, "http": http_port, "log": log_path, "root": root}
    finally:
        stop(process)
