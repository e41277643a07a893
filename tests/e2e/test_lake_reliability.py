"""End to end: lake commits survive concurrency and SIGKILL.

    STRATA_BIN=build/release/strata python3 -m pytest tests/e2e/test_lake_reliability.py

- 8 processes append to one table at once: every commit is there, none lost.
- 8 processes merge overlapping keys at once: each either commits or fails with the conflict
  exit code (7); keys stay unique and pyiceberg reads exactly strata's rows.
- A writer is killed with SIGKILL at random moments across 240 commits (appends, merges, deletes,
  overwrites). After each one the table must hold exactly the rows before or after that commit
  (nothing half-done, nothing uncommitted visible); at the end every committed row is there exactly
  once, pyiceberg agrees, and orphan cleanup leaves only files some snapshot or version uses.
"""

import json
import os
import random
import signal
import subprocess
import time
from pathlib import Path

import pytest
from pyiceberg.table import StaticTable
from lake_catalog import metadata_location

CONFLICT_EXIT = 7


@pytest.fixture()
def project(tmp_path, strata):
    strata("init", tmp_path / "p")
    return tmp_path / "p"


def query_json(strata, project, sql):
    return json.loads(strata("-p", project, "-q", "query", "-f", "json", sql))


def pyiceberg_pairs(project, table):
    arrow = StaticTable.from_metadata(metadata_location(project, table)).scan().to_arrow()
    return sorted(zip(arrow.column("k").to_pylist(), arrow.column("v").to_pylist()))


def test_eight_concurrent_appenders_lose_nothing(strata, strata_bin, project):
    strata("-p", project, "table", "append", "bronze.events", "--from",
           "SELECT -1 AS writer, -1 AS seq, 0 AS j")
    writers, commits, rows = 8, 5, 20
    script = "; ".join(
        f"{strata_bin} -q -p {project} table append bronze.events --from "
        f"\"SELECT {{w}} AS writer, {s} AS seq, j FROM range({rows}) t(j)\""
        for s in range(commits))
    procs = [subprocess.Popen(["bash", "-ec", script.replace("{w}", str(w))],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for w in range(writers)]
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
    got = query_json(strata, project,
                     "SELECT count(*) AS n, count(DISTINCT (writer, seq, j)) AS d "
                     "FROM bronze.events WHERE writer >= 0")
    assert got == [{"n": writers * commits * rows, "d": writers * commits * rows}]
    meta = StaticTable.from_metadata(metadata_location(project, "bronze.events")).metadata
    assert len(meta.snapshots) == writers * commits + 1
    arrow = StaticTable.from_metadata(metadata_location(project, "bronze.events")).scan().to_arrow()
    assert arrow.num_rows == writers * commits * rows + 1


def test_concurrent_merges_commit_or_conflict_cleanly(strata, strata_bin, project):
    strata("-p", project, "table", "append", "silver.kv", "--from",
           "SELECT i AS k, 0 AS v FROM range(100) t(i)")
    procs = [subprocess.Popen(
        [strata_bin, "-q", "-p", str(project), "table", "merge", "silver.kv", "--key", "k",
         "--from", f"SELECT i AS k, {w} AS v FROM range({w * 10}, {w * 10 + 30}) t(i)"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for w in range(1, 9)]
    outcomes = []
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode in (0, CONFLICT_EXIT), err
        if proc.returncode == CONFLICT_EXIT:
            assert "conflict" in err and "silver.kv" in err
        outcomes.append(proc.returncode)
    assert 0 in outcomes
    got = query_json(strata, project, "SELECT count(*) AS n, count(DISTINCT k) AS d FROM silver.kv")
    assert got[0]["n"] == got[0]["d"]
    ours = sorted((r["k"], r["v"]) for r in query_json(strata, project, "SELECT k, v FROM silver.kv"))
    assert pyiceberg_pairs(project, "silver.kv") == ours


# ---------------------------------------------------------------------------------------------
# The crash test: a model of the table, and commands that move it from one state to the next.

def fingerprint_sql(table):
    return (f"SELECT count(*) AS n, count(DISTINCT k) AS d, coalesce(sum(k), 0) AS sk, "
            f"coalesce(sum(v * (k % 1000 + 1)), 0) AS sv FROM {table}")


def fingerprint(model):
    return {"n": len(model), "d": len(model), "sk": sum(model),
            "sv": sum(v * (k % 1000 + 1) for k, v in model.items())}


def next_change(i, model, rng):
    """The command of change i and the model after it commits."""
    after = dict(model)
    kind = rng.choices(["append", "merge", "delete", "overwrite"], [55, 30, 10, 5])[0]
    if kind == "append" or not model:
        keys = [1_000_000 + i * 10 + j for j in range(5)]
        after.update({k: i for k in keys})
        return ["append", "--from", f"SELECT {1_000_000 + i * 10} + j AS k, {i} AS v "
                                    f"FROM range(5) t(j)"], after
    if kind == "merge":
        keys = rng.sample(sorted(model), min(4, len(model))) + [2_000_000 + i * 10 + j
                                                                 for j in range(3)]
        after.update({k: i for k in keys})
        values = ", ".join(f"({k}, {i})" for k in keys)
        return ["merge", "--key", "k", "--from", f"SELECT * FROM (VALUES {values}) s(k, v)"], after
    if kind == "delete":
        r = i % 7
        after = {k: v for k, v in model.items() if k % 7 != r}
        return ["delete", "--where", f"k % 7 = {r}"], after
    after = {k: v for k, v in model.items() if k % 5 != 0}
    return ["overwrite", "--from", "SELECT k, v FROM crash.t WHERE k % 5 <> 0"], after


def referenced_files(project, table, deleted_entries=True):
    """Metadata files, manifest lists, manifests and the data files the manifests list (live
    ones only, unless `deleted_entries`)."""
    meta = StaticTable.from_metadata(metadata_location(project, table))
    io = meta.io
    refs = {metadata_location(project, table)}
    refs |= {entry.metadata_file for entry in meta.metadata.metadata_log}
    for snapshot in meta.metadata.snapshots:
        refs.add(snapshot.manifest_list)
        for manifest in snapshot.manifests(io):
            refs.add(manifest.manifest_path)
            for entry in manifest.fetch_manifest_entry(io, discard_deleted=not deleted_entries):
                refs.add(entry.data_file.file_path)
    return refs


def test_sigkilled_writer_never_corrupts_the_table(strata, strata_bin, project):
    rng = random.Random(20261123)
    table = "crash.t"
    strata("-p", project, "table", "append", table, "--from", "SELECT 0 AS k, 0 AS v")
    model = {0: 0}
    kills = 0
    commits = 240
    started = time.monotonic()
    for i in range(1, commits + 1):
        args, after = next_change(i, model, rng)
        proc = subprocess.Popen([strata_bin, "-q", "-p", str(project), "table", args[0], table,
                                 *args[1:]], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        killed = False
        if rng.random() < 0.5:
            time.sleep(rng.uniform(0.01, 0.12))
            if proc.poll() is None:
                os.kill(proc.pid, signal.SIGKILL)
                killed = True
                kills += 1
        _, err = proc.communicate(timeout=60)
        if not killed:
            assert proc.returncode == 0, f"change {i} {args}: {err.decode()}"
        seen = query_json(strata, project, fingerprint_sql(table))[0]
        if killed:
            assert seen in (fingerprint(model), fingerprint(after)), f"change {i} half-done"
            model = after if seen == fingerprint(after) else model
        else:
            assert seen == fingerprint(after), f"change {i} {args}"
            model = after
    assert kills >= 40
    assert time.monotonic() - started < 150

    ours = sorted((r["k"], r["v"]) for r in query_json(strata, project, f"SELECT k, v FROM {table}"))
    assert ours == sorted(model.items())
    assert pyiceberg_pairs(project, table) == ours

    table_dir = project / ".strata" / "lake" / "crash" / "t"

    def files():
        return {str(f) for f in table_dir.rglob("*")
                if f.is_file() and f.name != "version-hint.text"}

    leftovers = files() - referenced_files(project, table)
    print(f"{kills} kills, {len(leftovers)} leftover files")
    assert leftovers, "writers killed mid-commit leave unreferenced files to clean up"

    out = strata("-p", project, "table", "remove-orphans", "--older-than", "0s")
    assert f"removed {len(leftovers)} orphan file(s)" in out
    assert files() == referenced_files(project, table)
    assert pyiceberg_pairs(project, table) == ours
    strata("-p", project, "table", "expire", table, "--retain-last", "5")
    # Files whose removal a kept snapshot records (a deleted entry) are gone with the expired
    # snapshots that still read them.
    assert files() == referenced_files(project, table, deleted_entries=False)
    assert pyiceberg_pairs(project, table) == ours
