"""Helpers shared by the database source tests: running strata on a project, reading a table back
through `strata query` as JSON, and comparing it row for row with the rows a database driver
(psycopg, PyMySQL) returned for the source."""

import json
import subprocess
import uuid
from datetime import date, datetime
from decimal import Decimal


def run(strata_bin, root, *args, timeout=600):
    return subprocess.run([strata_bin, "--project", str(root), *args], capture_output=True,
                          text=True, timeout=timeout)


def ingest(strata_bin, root, *selectors):
    proc = run(strata_bin, root, "ingest", *selectors)
    assert proc.returncode == 0, f"ingest failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout


def query(strata_bin, root, sql):
    proc = run(strata_bin, root, "query", "-f", "json", sql)
    assert proc.returncode == 0, f"query failed:\n{proc.stderr}"
    return json.loads(proc.stdout, parse_float=Decimal)


def normalized(value, like):
    """A value read back from strata's JSON, in the Python type the driver gives for the source's."""
    if value is None or like is None:
        return value
    if isinstance(like, bool):
        return value
    if isinstance(like, int):
        return int(value) if isinstance(value, bool) else value  # MySQL TINYINT(1) is a BOOLEAN
    if isinstance(like, Decimal):
        return Decimal(str(value))
    if isinstance(like, float):
        return float(value)
    if isinstance(like, datetime):
        return datetime.fromisoformat(value)
    if isinstance(like, date):
        return date.fromisoformat(value)
    if isinstance(like, uuid.UUID):
        return uuid.UUID(value)
    if isinstance(like, (dict, list)) and isinstance(value, str):
        return json.loads(value)
    if isinstance(like, bytes):  # DuckDB shows a BLOB's unprintable bytes as \xNN
        out, i = bytearray(), 0
        while i < len(value):
            if value.startswith("\\x", i):
                out.append(int(value[i + 2:i + 4], 16))
                i += 4
            else:
                out += value[i].encode()
                i += 1
        return bytes(out)
    return value


def assert_same_rows(source_rows, loaded_rows, key="id"):
    assert len(loaded_rows) == len(source_rows)
    loaded = {row[key]: row for row in loaded_rows}
    assert len(loaded) == len(loaded_rows), "a key was loaded twice"
    for expected in source_rows:
        got = loaded[expected[key]]
        for column, value in expected.items():
            assert normalized(got[column], value) == value, (column, got[column], value)


def write_database_project(root, kind, port, database, user, password_variable, tables):
    """A project whose source `shop` of `kind` is `database` on 127.0.0.1:`port`, authenticating
    as `user` with the password in the environment variable; `tables` is YAML text."""
    root.mkdir(parents=True, exist_ok=True)
    indented = "".join("      " + line + "\n" for line in tables.strip("\n").splitlines())
    (root / "strata.yml").write_text(f"""name: {kind}test
sources:
  shop:
    kind: {kind}
    connection:
      host: 127.0.0.1
      port: {port}
      database: {database}
      user: {user}
      password: ${{{password_variable}}}
    tables:
{indented}""")
    return root
