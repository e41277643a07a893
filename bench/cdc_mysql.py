"""MySQL/MariaDB CDC benchmark: the sustained change rate strata applies to bronze and the
current state, the lag from a commit in the source to visible in strata, and the peak memory of a
load as the number of changes grows (it should stay flat: changes are read and committed in
batches of `batch_changes`).

    python3 bench/cdc_mysql.py --strata build/release/strata [--changes 100000,400000]

It starts a throwaway MariaDB server with a row-based binary log (tests/e2e/mariadb_server.py,
needs `scripts/setup.sh --test`), loads a 50,000-row table, then for each size makes that many
changes (a third updates, a third inserts, a third deletes) and times one `strata ingest`. The lag
is measured by committing one row and running `strata ingest` until it is in the current state:
it is the time of one load, since strata loads on demand (or on a pipeline's schedule)."""
import argparse
import os
import pathlib
import resource
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / "tests" / "e2e"))
from mariadb_server import CDC_USER, MariadbServer  # noqa: E402


def strata(binary, root, *args):
    subprocess.run([binary, "--quiet", "--project", str(root), *args], check=True,
                   stdout=subprocess.DEVNULL)


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--strata", required=True)
    parser.add_argument("--changes", default="100000,400000")
    parser.add_argument("--lag-samples", type=int, default=10)
    args = parser.parse_args()
    binary = os.path.abspath(args.strata)
    server = MariadbServer()
    work = pathlib.Path(tempfile.mkdtemp(prefix="strata-cdc-bench-"))
    try:
        server.start()
        db = server.create_database("bench")
        server.execute(db, "CREATE TABLE accounts (id BIGINT PRIMARY KEY, balance DECIMAL(14,2), "
                           "owner VARCHAR(40), updated_at DATETIME(6))",
                       "INSERT INTO accounts SELECT seq, 0, CONCAT('owner ', seq), NOW(6) "
                       "FROM seq_1_to_50000")
        (work / "strata.yml").write_text(f"""name: cdcbench
sources:
  shop:
    kind: mariadb
    connection: {{host: 127.0.0.1, port: {server.port}, database: {db}, user: {CDC_USER},
                 password: "${{BENCH_PASSWORD}}"}}
    tables:
      accounts: {{table: accounts, mode: cdc, primary_key: [id], current_state: true}}
""")
        os.environ["BENCH_PASSWORD"] = server.password
        strata(binary, work, "ingest")
        next_id = 1_000_000
        print("changes   seconds   changes/s   peak RSS of the load (MB)")
        for size in [int(n) for n in args.changes.split(",")]:
            third = size // 3
            server.execute(db, f"UPDATE accounts SET balance = balance + 1 ORDER BY id "
                               f"LIMIT {third}",
                           f"INSERT INTO accounts SELECT {next_id} + seq, 1, 'new', NOW(6) "
                           f"FROM seq_1_to_{third}",
                           f"DELETE FROM accounts WHERE id > {next_id} ORDER BY id "
                           f"LIMIT {third}")
            next_id += 10 * size
            before = peak_rss_mb()
            started = time.perf_counter()
            strata(binary, work, "ingest")
            seconds = time.perf_counter() - started
            peak = peak_rss_mb()
            print(f"{3 * third:>7,}   {seconds:7.2f}   {3 * third / seconds:9,.0f}   "
                  f"{peak:.0f}{'' if peak > before else ' (not above the previous)'}")
        lags = []
        for i in range(args.lag_samples):
            committed = time.perf_counter()
            server.execute(db, f"INSERT INTO accounts VALUES ({next_id + i}, 5, 'lag', NOW(6))")
            strata(binary, work, "ingest")
            out = subprocess.run([binary, "--project", str(work), "query", "-f", "csv",
                                  f"SELECT count(*) FROM shop_current.accounts WHERE id = "
                                  f"{next_id + i}"], check=True, capture_output=True, text=True)
            assert out.stdout.strip().splitlines()[-1] == "1", out.stdout
            lags.append(time.perf_counter() - committed)
        print(f"lag from commit to visible (one ingest after the commit): p50 "
              f"{statistics.median(lags) * 1000:.0f} ms, max {max(lags) * 1000:.0f} ms "
              f"({len(lags)} samples)")
    finally:
        server.destroy()


if __name__ == "__main__":
    main()
