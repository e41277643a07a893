#!/usr/bin/env python3
"""Load test of `strata serve`: many concurrent clients over both protocols at once.

    python3 bench/serve_load.py --strata build/release/strata [--clients 64] [--seconds 60]

Makes the streaming example (`--scale`, default 5), ingests and builds it and starts `strata serve`
with the PostgreSQL and HTTP listeners. First one client measures a lookup alone: over pgwire, and
over HTTP with a cold cache and with a warm one. Then `--clients` clients run for `--seconds`: half
speak the PostgreSQL protocol (psycopg, extended protocol with bound parameters), half the HTTP
API (http.client, JSON; a large scan as CSV). Each request is a short lookup (80%), an
aggregation (17%) or a scan of a whole table (3%), with random parameters. Reports per protocol
and kind: the count, errors, p50/p99 latency, HTTP cache hits, and the server's memory (RSS)
before, at its peak and 2 s after each of `--rounds` runs, with the bytes the HTTP result cache
holds then (it keeps up to serve.cache_mb by design; memory beyond it that keeps growing from
round to round would be a leak). Results go to bench/results/serve_load-<time>.json too.
"""
import argparse
import datetime
import http.client
import json
import os
import pathlib
import random
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time

import psycopg

LOOKUP = ("SELECT movie_title, size_mb, started_at FROM staging.stg_streams "
          "WHERE user_email = {p1} LIMIT 20")
AGGREGATION = ("SELECT movie_title, count(*) AS n, avg(duration_seconds) AS avg_s "
               "FROM staging.stg_streams WHERE size_mb > {p1} GROUP BY 1 ORDER BY n DESC LIMIT 10")
SCAN = "SELECT * FROM staging.stg_streams"
KINDS = [("lookup", 0.80), ("aggregation", 0.17), ("scan", 0.03)]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_kib(pid):
    for line in pathlib.Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def cache_bytes(port):
    """The bytes the HTTP result cache holds (it keeps up to serve.cache_mb by design)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request("GET", "/api/v1/health")
        return json.loads(connection.getresponse().read())["cache"]["bytes"]
    finally:
        connection.close()


def percentile(samples, q):
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def prepare(strata, work, scale):
    project = work / f"serve-load-{scale}"
    if not (project / ".strata").exists():
        subprocess.run([strata, "example", "streaming", str(project), "--scale", str(scale)],
                       check=True, stdout=subprocess.DEVNULL)
        for command in ("ingest", "run"):
            subprocess.run([strata, "--quiet", command, "--project", str(project)], check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return project


class Client(threading.Thread):
    def __init__(self, protocol, ports, emails, stop_at, seed):
        super().__init__(daemon=True)
        self.protocol, self.ports, self.emails, self.stop_at = protocol, ports, emails, stop_at
        self.random = random.Random(seed)
        self.samples = {kind: [] for kind, _ in KINDS}
        self.errors = {kind: 0 for kind, _ in KINDS}
        self.cache_hits = 0
        self.first_error = None

    def pick(self):
        roll, total = self.random.random(), 0.0
        for kind, weight in KINDS:
            total += weight
            if roll < total:
                return kind
        return KINDS[-1][0]

    def parameter(self, kind):
        if kind == "lookup":
            return self.random.choice(self.emails)
        if kind == "aggregation":
            return self.random.randint(0, 900)
        return None

    def run(self):
        connection = None
        while time.monotonic() < self.stop_at:
            kind = self.pick()
            value = self.parameter(kind)
            started = time.perf_counter()
            try:
                if self.protocol == "pgwire":
                    if connection is None:
                        connection = psycopg.connect(host="127.0.0.1", port=self.ports["pg"],
                                                     user="bench", dbname="bench",
                                                     autocommit=True)
                    self.pg_request(connection, kind, value)
                else:
                    self.http_request(kind, value)
                self.samples[kind].append(time.perf_counter() - started)
            except Exception as e:  # counted and reported
                self.errors[kind] += 1
                self.first_error = self.first_error or repr(e)
                if connection is not None:
                    connection.close()
                    connection = None
        if connection is not None:
            connection.close()

    def pg_request(self, connection, kind, value):
        if kind == "scan":
            rows = connection.execute(SCAN).fetchall()
        else:
            sql = (LOOKUP if kind == "lookup" else AGGREGATION).format(p1="%s")
            rows = connection.execute(sql, (value,)).fetchall()
        assert kind != "scan" or rows

    def http_request(self, kind, value):
        if kind == "scan":
            body = {"sql": SCAN, "format": "csv"}
        else:
            sql = (LOOKUP if kind == "lookup" else AGGREGATION).format(p1="$1")
            body = {"sql": sql, "params": [value]}
        connection = http.client.HTTPConnection("127.0.0.1", self.ports["http"], timeout=120)
        try:
            connection.request("POST", "/api/v1/query", body=json.dumps(body),
                               headers={"Content-Type": "application/json"})
            response = connection.getresponse()
            payload = response.read()
            if response.status != 200:
                raise RuntimeError(f"HTTP {response.status}: {payload[:200]!r}")
            if response.getheader("X-Cache") == "hit":
                self.cache_hits += 1
        finally:
            connection.close()


def sequential_latencies(ports, emails):
    """One client, one request at a time on a quiet server: the lookup over pgwire, over HTTP with
    a cold cache (a new parameter each time) and with a warm one (the same request again)."""
    body = lambda email: json.dumps({"sql": LOOKUP.format(p1="$1"), "params": [email]})  # noqa: E731

    def http_once(email):
        connection = http.client.HTTPConnection("127.0.0.1", ports["http"], timeout=60)
        started = time.perf_counter()
        connection.request("POST", "/api/v1/query", body=body(email))
        response = connection.getresponse()
        response.read()
        elapsed = time.perf_counter() - started
        connection.close()
        return elapsed, response.getheader("X-Cache")

    sample = emails[:200]
    cold = [http_once(email) for email in sample[:100]]
    warm = [http_once(email) for email in sample[:100]]
    assert all(c == "miss" for _, c in cold) and all(c == "hit" for _, c in warm)
    with psycopg.connect(host="127.0.0.1", port=ports["pg"], user="bench", dbname="bench",
                         autocommit=True) as conn:
        pg = []
        for email in sample[100:200]:
            started = time.perf_counter()
            conn.execute(LOOKUP.format(p1="%s"), (email,)).fetchall()
            pg.append(time.perf_counter() - started)
    return {"pgwire_ms": 1000 * statistics.median(pg),
            "http_cold_ms": 1000 * statistics.median(t for t, _ in cold),
            "http_warm_ms": 1000 * statistics.median(t for t, _ in warm)}


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--strata", required=True)
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--scale", type=int, default=5)
    parser.add_argument("--work", default="build/bench")
    parser.add_argument("--rounds", type=int, default=1, help="runs against the same server")
    args = parser.parse_args()

    strata = str(pathlib.Path(args.strata).resolve())
    work = pathlib.Path(args.work).resolve()
    work.mkdir(parents=True, exist_ok=True)
    project = prepare(strata, work, args.scale)
    ports = {"pg": free_port(), "http": free_port()}
    log = open(work / "serve-load.log", "w")
    server = subprocess.Popen([strata, "serve", "--pg-port", str(ports["pg"]), "--http-port",
                               str(ports["http"]), "--max-connections", str(args.clients + 8)],
                              cwd=project, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with psycopg.connect(host="127.0.0.1", port=ports["pg"], user="bench",
                                     dbname="bench", autocommit=True) as conn:
                    emails = [r[0] for r in conn.execute(
                        "SELECT DISTINCT user_email FROM staging.stg_streams "
                        "WHERE user_email IS NOT NULL LIMIT 2000").fetchall()]
                break
            except psycopg.OperationalError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.2)
        sequential = sequential_latencies(ports, emails)
        rss_before = rss_kib(server.pid)
        rss_peak, rss_after_rounds, cache_after_rounds, elapsed = rss_before, [], [], 0.0
        for round_number in range(args.rounds):
            stop_at = time.monotonic() + args.seconds
            clients = [Client("pgwire" if i % 2 == 0 else "http", ports, emails, stop_at,
                              seed=round_number * 1000 + i) for i in range(args.clients)]
            started = time.monotonic()
            for client in clients:
                client.start()
            while any(c.is_alive() for c in clients):
                rss_peak = max(rss_peak, rss_kib(server.pid))
                time.sleep(0.25)
            elapsed = time.monotonic() - started
            time.sleep(2)
            rss_after_rounds.append(rss_kib(server.pid))
            cache_after_rounds.append(cache_bytes(ports["http"]))
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()

    rows = []
    for protocol in ("pgwire", "http"):
        group = [c for c in clients if c.protocol == protocol]
        for kind, _ in KINDS:
            samples = [s for c in group for s in c.samples[kind]]
            errors = sum(c.errors[kind] for c in group)
            rows.append({
                "protocol": protocol, "kind": kind, "requests": len(samples), "errors": errors,
                "p50_ms": 1000 * percentile(samples, 0.50) if samples else None,
                "p99_ms": 1000 * percentile(samples, 0.99) if samples else None,
                "mean_ms": 1000 * statistics.mean(samples) if samples else None,
                "per_second": len(samples) / elapsed,
            })
    cache_hits = sum(c.cache_hits for c in clients if c.protocol == "http")
    first_errors = sorted({c.first_error for c in clients if c.first_error})
    print(f"last of {args.rounds} round(s): {args.clients} clients for {elapsed:.1f} s on the streaming example at scale "
          f"{args.scale} (half pgwire, half HTTP)")
    print(f"{'protocol':8} {'kind':12} {'requests':>9} {'errors':>7} {'p50 ms':>8} {'p99 ms':>8} "
          f"{'req/s':>8}")
    for r in rows:
        fmt = lambda v: f"{v:8.1f}" if v is not None else f"{'-':>8}"  # noqa: E731
        print(f"{r['protocol']:8} {r['kind']:12} {r['requests']:9d} {r['errors']:7d} "
              f"{fmt(r['p50_ms'])} {fmt(r['p99_ms'])} {r['per_second']:8.1f}")
    after = ", ".join(f"{kib // 1024}" for kib in rss_after_rounds)
    cached = ", ".join(f"{b // (1024 * 1024)}" for b in cache_after_rounds)
    print(f"HTTP cache hits (last round): {cache_hits}; server RSS before {rss_before // 1024} MiB, "
          f"peak {rss_peak // 1024} MiB, 2 s after each round {after} MiB, of which the result "
          f"cache holds {cached} MiB")
    print(f"one client, p50 of a lookup: pgwire {sequential['pgwire_ms']:.2f} ms, HTTP cold cache "
          f"{sequential['http_cold_ms']:.2f} ms, HTTP warm cache {sequential['http_warm_ms']:.2f} ms")
    for error in first_errors:
        print("error:", error)
    results = pathlib.Path(__file__).resolve().parent / "results"
    results.mkdir(exist_ok=True)
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    (results / f"serve_load-{stamp}.json").write_text(json.dumps({
        "clients": args.clients, "seconds": elapsed, "scale": args.scale, "rows": rows,
        "http_cache_hits": cache_hits, "sequential_p50": sequential, "rss_kib": {"before": rss_before, "peak": rss_peak,
                                                   "after_each_round": rss_after_rounds},
        "cache_bytes_after_each_round": cache_after_rounds,
        "errors": first_errors, "host": os.uname().nodename}, indent=2))
    return 1 if any(r["errors"] for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
