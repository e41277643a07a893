"""A throwaway PostgreSQL server for the end-to-end tests.

`PostgresServer` initdb's a cluster in a fresh temporary directory, starts it on a free port bound
to 127.0.0.1 (its unix socket in the same directory), and removes everything at stop. The binaries
are Debian's (`scripts/setup.sh --test` installs them); as root they run as the `postgres` system
user, which PostgreSQL requires. Host connections need the password, local ones are trusted, so the
tests can connect as a superuser without one and strata is made to authenticate for real.

The `postgres_server` fixture gives one server to a whole test session; tests isolate themselves
with `server.create_database()`.
"""

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time

import pytest

PASSWORD = "s3cret'pa ss"  # a quote and a space: the connection string must quote it
USER = "postgres"


def _binaries():
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                        key=lambda p: int(p.split("/")[4]))
    if not candidates:
        pytest.fail("PostgreSQL server binaries not found: run scripts/setup.sh --test")
    return os.path.dirname(candidates[-1])


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PostgresServer:
    def __init__(self):
        self.bin = _binaries()
        self.dir = tempfile.mkdtemp(prefix="strata-pg-")
        self.data = os.path.join(self.dir, "data")
        self.log = os.path.join(self.dir, "server.log")
        self.port = free_port()
        self.host = "127.0.0.1"
        self.password = PASSWORD
        self._as_postgres = os.geteuid() == 0
        if self._as_postgres:
            account = pwd.getpwnam("postgres")
            os.chown(self.dir, account.pw_uid, account.pw_gid)
        pwfile = os.path.join(self.dir, "pwfile")
        with open(pwfile, "w") as f:
            f.write(PASSWORD + "\n")
        if self._as_postgres:
            os.chown(pwfile, account.pw_uid, account.pw_gid)
        self._run("initdb", "-D", self.data, "-U", USER, "--pwfile", pwfile, "-E", "UTF8",
                  "--locale=C", "--auth-local=trust", "--auth-host=scram-sha-256", "--no-sync")
        os.remove(pwfile)

    def _run(self, tool, *args, check=True):
        command = [os.path.join(self.bin, tool), *args]
        if self._as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        result = subprocess.run(command, capture_output=True, text=True, timeout=120)
        if check and result.returncode != 0:
            raise RuntimeError(f"{tool} failed ({result.returncode}):\n{result.stdout}\n"
                               f"{result.stderr}\n{self.server_log()}")
        return result

    def server_log(self):
        try:
            with open(self.log) as f:
                return f.read()[-4000:]
        except OSError:
            return ""

    def start(self):
        options = (f"-c listen_addresses={self.host} -c port={self.port} "
                   f"-c unix_socket_directories={self.dir} -c fsync=off "
                   "-c synchronous_commit=off -c full_page_writes=off -c shared_buffers=64MB "
                   "-c max_connections=50 -c wal_level=logical -c max_replication_slots=20 "
                   "-c max_wal_senders=20")
        self._run("pg_ctl", "-D", self.data, "-l", self.log, "-w", "-t", "60", "-o", options,
                  "start")

    def stop(self):
        if os.path.exists(os.path.join(self.data, "postmaster.pid")):
            self._run("pg_ctl", "-D", self.data, "-m", "fast", "-w", "stop", check=False)

    def destroy(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def dsn(self, database="postgres"):
        """A superuser connection over the unix socket (trusted), for the tests' own SQL."""
        return f"host={self.dir} port={self.port} dbname={database} user={USER}"

    def connect(self, database="postgres"):
        import psycopg

        return psycopg.connect(self.dsn(database), autocommit=True)

    def rows(self, database, sql):
        """The rows of `sql` as dicts, timestamps in UTC."""
        with self.connect(database) as conn:
            conn.execute("SET TimeZone = 'UTC'")
            cur = conn.execute(sql)
            names = [c.name for c in cur.description]
            return [dict(zip(names, row)) for row in cur.fetchall()]

    def create_database(self, name):
        with self.connect() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
        return name

    def wait_until_down(self, seconds=30):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                with socket.create_connection((self.host, self.port), timeout=1):
                    pass
            except OSError:
                return
            time.sleep(0.1)
        raise RuntimeError("the PostgreSQL server did not stop")


@pytest.fixture(scope="session")
def postgres_server():
    server = PostgresServer()
    try:
        server.start()
        yield server
    finally:
        server.destroy()
