#!/usr/bin/env python3
"""strata's benchmark harness: `make bench` (or `python3 bench/run.py --strata build/release/strata`).

Each benchmark runs strata and the baselines it names side by side in one run, repeats each
measurement, and reports medians and the ratio to the baseline (ratios hold on a noisy shared
machine where absolute times drift). Results are printed as a table and written as JSON under
bench/results/.
"""
import argparse
import datetime
import json
import os
import pathlib
import platform
import statistics
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

from benchmarks import BENCHMARKS  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--strata", required=True, help="path to the strata binary")
    parser.add_argument("--only", action="append", default=[], help="run only these benchmarks")
    parser.add_argument("--repeat", type=int, default=3, help="measurements per variant (median)")
    parser.add_argument("--work", default="build/bench", help="scratch directory")
    parser.add_argument("--quick", action="store_true",
                        help="smaller sizes where a benchmark has them (orchestration: 100 steps)")
    parser.add_argument("--list", action="store_true", help="list the benchmarks and exit")
    args = parser.parse_args()

    if args.list:
        for bench in BENCHMARKS:
            print(f"{bench.name}: {bench.description}")
        return 0
    selected = [b for b in BENCHMARKS if not args.only or b.name in args.only]
    unknown = set(args.only) - {b.name for b in BENCHMARKS}
    if unknown:
        print(f"unknown benchmark(s): {', '.join(sorted(unknown))}", file=sys.stderr)
        return 2

    work = pathlib.Path(args.work).resolve()
    work.mkdir(parents=True, exist_ok=True)
    strata = str(pathlib.Path(args.strata).resolve())
    rows = []
    for bench in selected:
        for case in bench.cases(args.quick):
            print(f"[bench] {bench.name} {case.label} ...", file=sys.stderr, flush=True)
            case.prepare(strata, work)
            timings = {}
            for variant, fn in case.variants():
                samples = [fn() for _ in range(args.repeat)]
                timings[variant] = {"median_s": statistics.median(samples), "samples_s": samples}
            for variant, t in timings.items():
                # A case compares each variant with one baseline, or each with its own.
                baseline = (case.baseline_for(variant) if hasattr(case, "baseline_for")
                            else case.baseline) or "none"
                ratio = t["median_s"] / timings[baseline]["median_s"] if baseline in timings else None
                rows.append({
                    "benchmark": bench.name, "case": case.label, "variant": variant,
                    "median_s": t["median_s"], "samples_s": t["samples_s"],
                    "ratio_to_" + baseline: ratio, "baseline": baseline,
                    "notes": case.notes.get(variant, ""),
                    "unit": getattr(case, "units", {}).get(variant, "s"),
                })

    print_table(rows)
    out_dir = pathlib.Path(__file__).resolve().parent / "results"
    out_dir.mkdir(exist_ok=True)
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    out = out_dir / f"bench-{stamp}.json"
    out.write_text(json.dumps({
        "when": stamp, "machine": {"cpus": os.cpu_count(), "platform": platform.platform()},
        "repeat": args.repeat, "results": rows}, indent=2))
    print(f"\nresults written to {out}")
    return 0


def seconds_text(seconds):
    return f"{seconds:.3f} s" if seconds >= 1 else f"{seconds * 1000:.2f} ms"


def print_table(rows):
    header = ["benchmark", "case", "variant", "median", "ratio", "vs"]
    table = [[r["benchmark"], r["case"], r["variant"],
              seconds_text(r["median_s"]) if r.get("unit", "s") == "s"
              else f'{r["median_s"]:.0f} {r["unit"]}',
              "-" if r["ratio_to_" + r["baseline"]] is None else f'{r["ratio_to_" + r["baseline"]]:.2f}x',
              r["baseline"]] for r in rows]
    widths = [max(len(str(x)) for x in col) for col in zip(header, *table)]
    print()
    print("  ".join(h.ljust(w) for h, w in zip(header, widths)))
    print("  ".join("-" * w for w in widths))
    for row in table:
        print("  ".join(str(c).ljust(w) for c, w in zip(row, widths)))


if __name__ == "__main__":
    sys.exit(main())
