"""Time Δ and every closed-form bound for 10,000 random instances: one batched call vs a Python loop.

Run with ``python -m benchmarks.bench_batched_bounds``. It prints a Markdown table and writes it
into the ``## Batched gap and bounds`` section of BENCHMARKS.md. The loop is timed on a subset of
instances and extrapolated linearly to the full batch (each iteration does the same work).
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import time
from pathlib import Path

import numpy as np

from bounds import TabularProblem, compute_bounds

SECTION = "## Batched gap and bounds"
BENCHMARKS_PAGE = Path(__file__).resolve().parents[1] / "BENCHMARKS.md"


def random_batch(rng: np.random.Generator, batch: int, n: int, m: int, k: int) -> TabularProblem:
    """Draw ``batch`` instances with Dirichlet(1) rows and standard normal rewards."""
    return TabularProblem(
        context_probs=rng.dirichlet(np.ones(n), size=batch),
        reward=rng.normal(size=(batch, n, k)),
        target_policy=rng.dirichlet(np.ones(k), size=(batch, m)),
        reference_prompter=rng.dirichlet(np.ones(m), size=(batch, n)),
    )


def best_time(function, repeats: int) -> float:
    """Return the minimum wall time of ``repeats`` calls, in seconds."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def write_section(table: str, page: Path = BENCHMARKS_PAGE) -> None:
    """Replace the body of the section of BENCHMARKS.md with ``table``, leaving other sections alone."""
    text = page.read_text()
    pattern = re.compile(rf"({re.escape(SECTION)}\n)(.*?)(?=\n## |\Z)", re.S)
    if not pattern.search(text):
        raise ValueError(f"{page}: section {SECTION!r} not found; add the heading first")
    page.write_text(pattern.sub(lambda match: match.group(1) + "\n" + table + "\n", text, count=1))


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark, print the table and update BENCHMARKS.md (unless ``--no-write``)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instances", type=int, default=10_000, help="batch size (default 10000)")
    parser.add_argument("--loop-instances", type=int, default=500, help="instances timed in the loop, then extrapolated")
    parser.add_argument("--repeats", type=int, default=5, help="batched calls; the fastest is reported")
    parser.add_argument("--no-write", action="store_true", help="print only; leave BENCHMARKS.md unchanged")
    args = parser.parse_args(argv)

    n, m, k = 8, 16, 32
    beta, lam = 0.5, 0.5
    problem = random_batch(np.random.default_rng(0), args.instances, n, m, k)

    batched_seconds = best_time(lambda: compute_bounds(problem, beta, lam), args.repeats)

    subset = [problem.instance(i) for i in range(min(args.loop_instances, args.instances))]
    start = time.perf_counter()
    for single in subset:
        compute_bounds(single, beta, lam)
    loop_seconds = (time.perf_counter() - start) * args.instances / len(subset)

    # The two paths must agree; otherwise the timing compares different work.
    report = compute_bounds(problem, beta, lam)
    check = compute_bounds(subset[0], beta, lam)
    assert np.isclose(report.gap[0], check.gap, rtol=0, atol=1e-12)

    machine = f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPU cores, Python {platform.python_version()}, NumPy {np.__version__}"
    table = "\n".join([
        f"Script: `python -m benchmarks.bench_batched_bounds` ({machine}).",
        f"{args.instances} random instances, n = {n} contexts, m = {m} prompts, k = {k} responses, β = λ = {beta};",
        "Δ plus the closed-form bounds holder_tv, pinsker, bretagnolle_huber, coverage_prior, paper_t0 (no LP).",
        f"The loop was timed on {len(subset)} instances and extrapolated linearly; batched: fastest of {args.repeats} calls.",
        f"1-minute load average at the end of the run: {os.getloadavg()[0]:.1f} (other processes may have shared the cores).",
        "",
        "| method | time for all instances (s) | per instance (µs) | speed-up |",
        "| --- | ---: | ---: | ---: |",
        f"| one batched `compute_bounds` call | {batched_seconds:.3f} | {1e6 * batched_seconds / args.instances:.1f} | {loop_seconds / batched_seconds:.0f}× |",
        f"| Python loop over instances (extrapolated) | {loop_seconds:.2f} | {1e6 * loop_seconds / args.instances:.0f} | 1× |",
    ])

    print(table)
    if not args.no_write:
        write_section(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
