#!/usr/bin/env python3
"""Runs the micro benchmarks with repetitions and prints the medians as a table.

  bench/micro/table.py BUILD_DIR [REPETITIONS] [--filter REGEX]

BUILD_DIR is the host build (build/host); each fedgate_*_bench program in
BUILD_DIR/bench/micro runs with --benchmark_repetitions (5 by default) and
--benchmark_report_aggregates_only (0.1 s per repetition), and every row gives the median of the
operation's time, of the memcpy ceiling measured in the same run, and their
ratio (docs/performance.md).
"""
import json
import pathlib
import subprocess
import sys


def fmt_ns(ns):
    if ns >= 1e6:
        return f"{ns / 1e6:.2f} ms"
    if ns >= 1e3:
        return f"{ns / 1e3:.2f} us"
    return f"{ns:.0f} ns"


def main(argv):
    args = [a for a in argv[1:] if not a.startswith("--filter")]
    filters = [a.split("=", 1)[1] for a in argv[1:] if a.startswith("--filter=")]
    if not args:
        print(__doc__, file=sys.stderr)
        return 2
    bench_dir = pathlib.Path(args[0]) / "bench" / "micro"
    repetitions = args[1] if len(args) > 1 else "5"
    programs = sorted(p for p in bench_dir.glob("fedgate_*_bench") if p.is_file())
    if not programs:
        print(f"no fedgate_*_bench in {bench_dir}: build with FEDGATE_BUILD_BENCHMARKS=ON",
              file=sys.stderr)
        return 1
    print("| benchmark | op (median) | memcpy of the same bytes (median) | ratio memcpy/op | notes |")
    print("| --- | --- | --- | --- | --- |")
    for program in programs:
        command = [str(program), f"--benchmark_repetitions={repetitions}",
                   "--benchmark_report_aggregates_only=true", "--benchmark_min_time=0.1",
                   "--benchmark_format=json"]
        command += [f"--benchmark_filter={f}" for f in filters]
        report = json.loads(subprocess.run(command, check=True, capture_output=True,
                                           text=True).stdout)
        for row in report["benchmarks"]:
            if row.get("aggregate_name") != "median":
                continue
            notes = [f"{row['bytes']:.0f} B"]
            if "overhead_pct" in row:
                notes.append(f"message {row['message_bytes']:.0f} B, "
                             f"overhead {row['overhead_pct']:.2f} %")
            name = row["run_name"].removesuffix("/manual_time")
            print(f"| {name} | {fmt_ns(row['op_ns'])} | {fmt_ns(row['memcpy_ns'])} | "
                  f"{row['ratio']:.3g} | {'; '.join(notes)} |")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
