"""Measure the wall time and peak memory of the default ``align-pro eval`` (embedded SmolLM2 on the CPU).

Run with ``python -m benchmarks.bench_eval [--out DIR] [-- extra eval flags]``. The evaluation
runs in a child process; its peak resident set size comes from ``resource.getrusage`` of the
children (Linux reports kilobytes). The script prints a Markdown list for the
``## Real model: generation and scoring`` section of BENCHMARKS.md, which it does not edit because
that section is shared with the generation benchmark. The 1-minute load average before and after
is printed too, since other processes on the machine slow the model down.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time


def main() -> int:
    """Run the evaluation once and print its wall time, peak memory and throughput."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default=None, help="output folder of the evaluation (default: a temporary folder, removed)")
    parser.add_argument("eval_flags", nargs="*", help="extra flags passed to align-pro eval (after --)")
    args = parser.parse_args()

    out = args.out or tempfile.mkdtemp(prefix="bench-eval-")
    command = [sys.executable, "-m", "alignpro", "eval", "--out", out, *args.eval_flags]
    load_before = os.getloadavg()[0]

    started = time.perf_counter()
    completed = subprocess.run(command, capture_output=True, text=True)
    wall = time.perf_counter() - started

    load_after = os.getloadavg()[0]
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if completed.returncode != 0:
        print(completed.stderr[-3000:], file=sys.stderr)
        return completed.returncode

    with open(os.path.join(out, "samples.jsonl"), encoding="utf-8") as handle:
        records = sum(1 for _ in handle)
    if args.out is None:
        shutil.rmtree(out)

    print(f"- `align-pro eval {' '.join(args.eval_flags)}`".rstrip() + f": {wall / 60:.1f} min wall, peak RSS {peak_kib / 2**20:.2f} GiB, {records} records")
    print(f"- machine: {os.cpu_count()} CPUs, {platform.machine()}, load average {load_before:.1f} before and {load_after:.1f} after")
    return 0


if __name__ == "__main__":
    sys.exit(main())
