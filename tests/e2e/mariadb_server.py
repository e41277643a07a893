"""A throwaway MariaDB server for the end-to-end tests.

`MariadbServer` runs mariadb-install-db into a fresh temporary directory and starts mariadbd on a
free port bound to 127.0.0.1, with its unix socket and pid file in the same directory, and removes
everything at stop. The binaries are Debian's (`scripts/setup.sh --test` installs them); as root
the server runs as the `mysql` system user (mariadbd refuses to run as root). The tests' own SQL
connects as root over the socket; strata connects over TCP as `loader`, a user with a password and
only SELECT rights, so it authenticates for real, or as `replicator` (SELECT, REPLICATION SLAVE,
BINLOG MONITOR) for CDC. The server writes a row-based binary log (log_bin, binlog_format=ROW,
binlog_row_image=FULL, server_id 1).

The `mariadb_server` fixture gives one server to a whole test session; tests isolate themselves
with `server.create_database()`.
"""

import os
import pwd
import shutil
import subprocess
import tempfile
import time

import pytest

from pg_server import free_port

PASSWORD = 'se"cr\'et pw'  # quotes and a space: the connection string must quote them
USER = "loader"
CDC_USER = "replicator"


class MariadbServer:
    def __init__(self):
        if not shutil.which("mariadbd", path="/usr/sbin:/usr/bin"):
            pytest.fail("mariadbd not found: run scripts/setup.sh --test")
        self.dir = tempfile.mkdtemp(prefix="strata-mariadb-")
        self.data = os.path.join(self.dir, "data")
        self.socket = os.path.join(self.dir, "mariadb.sock")
        self.log = os.path.join(self.dir, "server.log")
        self.host = "127.0.0.1"
        self.port = free_port()
        self.user = USER
        self.password = PASSWORD
        self._process = None
        self._system_user = []
        if os.geteuid() == 0:
            account = pwd.getpwnam("mysql")
            os.chown(self.dir, account.pw_uid, account.pw_gid)
            self._system_user = ["--user=mysql"]
        result = subprocess.run(
            ["mariadb-install-db", "--no-defaults", f"--datadir={self.data}", "--skip-test-db",
             "--auth-root-authentication-method=normal", *self._system_user],
            capture_output=True, text=True, timeout=180)
        if result.returncode != 0:
            raise RuntimeError(f"mariadb-install-db failed:\n{result.stdout}\n{result.stderr}")

    def server_log(self):
        try:
            with open(self.log) as f:
                return f.read()[-4000:]
        except OSError:
            return ""

    def start(self):
        self._process = subprocess.Popen(
            ["/usr/sbin/mariadbd", "--no-defaults", f"--datadir={self.data}",
             f"--socket={self.socket}", f"--pid-file={os.path.join(self.dir, 'mariadbd.pid')}",
             f"--log-error={self.log}", f"--bind-address={self.host}", f"--port={self.port}",
             "--skip-name-resolve", "--innodb-buffer-pool-size=64M", "--innodb-log-file-size=16M",
             "--innodb-flush-log-at-trx-commit=0", "--max-connections=50",
             # The row-based binary log that CDC reads (server id 1; strata is a replica).
             "--log-bin=mariadb-bin", "--binlog-format=ROW", "--binlog-row-image=FULL",
             "--server-id=1",
             "--character-set-server=utf8mb4", "--collation-server=utf8mb4_unicode_ci",
             *self._system_user],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while True:
            try:
                self.connect().close()
                break
            except Exception:  # noqa: BLE001  (not accepting connections yet)
                if self._process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"mariadbd did not start:\n{self.server_log()}")
                time.sleep(0.1)
        with self.connect() as conn, conn.cursor() as cur:
            cur.execute(f"CREATE USER IF NOT EXISTS '{USER}'@'%%' IDENTIFIED BY %s", (PASSWORD,))
            cur.execute(f"GRANT SELECT ON *.* TO '{USER}'@'%'")
            # CDC's user: may also read the binary log (the loader may not).
            cur.execute(f"CREATE USER IF NOT EXISTS '{CDC_USER}'@'%%' IDENTIFIED BY %s",
                        (PASSWORD,))
            cur.execute(f"GRANT SELECT, REPLICATION SLAVE, BINLOG MONITOR ON *.* TO "
                        f"'{CDC_USER}'@'%'")

    def stop(self):
        if self._process and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._process = None

    def destroy(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def connect(self, database=None):
        """A root connection over the unix socket, for the tests' own SQL (autocommit)."""
        import pymysql

        return pymysql.connect(unix_socket=self.socket, user="root", database=database,
                               autocommit=True, charset="utf8mb4")

    def execute(self, database, *statements):
        with self.connect(database) as conn, conn.cursor() as cur:
            for statement in statements:
                cur.execute(statement)

    def rows(self, database, sql):
        import pymysql.cursors

        with self.connect(database) as conn, conn.cursor(pymysql.cursors.DictCursor) as cur:
            cur.execute("SET time_zone = '+00:00'")
            cur.execute(sql)
            return list(cur.fetchall())

    def create_database(self, name):
        self.execute(None, f"DROP DATABASE IF EXISTS `{name}`", f"CREATE DATABASE `{name}`")
        return name


@pytest.fixture(scope="session")
def mariadb_server():
    server = MariadbServer()
    try:
        server.start()
        yield server
    finally:
        server.destroy()
