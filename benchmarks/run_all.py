"""Run every benchmark in turn; each one writes its own section of BENCHMARKS.md.

Each script runs in its own process, so one failure (for example llama-cpp-python missing for the
real-model comparison) is reported and the others still run. The exit status is 1 if any failed.
"""

from __future__ import annotations

import subprocess
import sys
import time

SCRIPTS = (
    "benchmarks.bench_closed_form_vs_cvxpy",
    "benchmarks.bench_batched_bounds",
    "benchmarks.bench_simulators",
    "benchmarks.bench_llm",
    "benchmarks.bench_eval",
)


def main() -> int:
    """Run each script of ``SCRIPTS`` with this interpreter and print its wall time and status."""
    failed = []
    for script in SCRIPTS:
        print(f"== {script}", flush=True)
        started = time.perf_counter()
        status = subprocess.run([sys.executable, "-m", script], check=False).returncode
        print(f"== {script}: exit status {status} after {time.perf_counter() - started:.0f} s", flush=True)
        if status != 0:
            failed.append(script)

    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
