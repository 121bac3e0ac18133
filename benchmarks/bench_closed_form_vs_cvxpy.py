"""Time the closed-form optima against cvxpy solves of the same instances.

For each size (n contexts, m prompts, k responses) a seeded random instance is solved both ways at
β = λ = 1: the closed form (``fine_tuned_policy`` + ``fine_tuned_value`` and the prompt analogues)
and the exponential-cone programs of :mod:`bounds.convex`. The script checks that the values agree
to 1e-6 and reports the median time of each route and their ratio, measured in the same run. The closed
form is also timed on a batch of instances (leading batch axis), the way the package is used.

Run ``python -m benchmarks.bench_closed_form_vs_cvxpy [--update BENCHMARKS.md]``; with
``--update`` the table replaces the body of the section "Closed-form optima against cvxpy".
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import timeit
from pathlib import Path

import numpy as np

from bounds import TabularProblem, fine_tuned_policy, fine_tuned_value, optimal_prompter, prompt_optimized_value
from bounds.convex import solve_fine_tuning, solve_prompt_optimization

SIZES = ((2, 3, 4), (4, 8, 16), (8, 16, 32))
TEMPERATURE = 1.0
# Instances per batched closed-form call; the per-instance time of that call is reported too.
BATCH = 256
VALUE_ATOL = 1e-6
SECTION = "## Closed-form optima against cvxpy"


def random_problem(seed: int, n: int, m: int, k: int, batch: tuple[int, ...] = ()) -> TabularProblem:
    rng = np.random.default_rng(seed)
    return TabularProblem(
        context_probs=rng.dirichlet(np.ones(n), size=batch),
        reward=rng.normal(size=(*batch, n, k)),
        target_policy=rng.dirichlet(np.ones(k), size=(*batch, m)),
        reference_prompter=rng.dirichlet(np.ones(m), size=(*batch, n)),
    )


def median_seconds(function, repeats: int, number: int) -> float:
    """Return the median over ``repeats`` of the mean time of ``number`` calls, in seconds."""
    return float(np.median(timeit.repeat(function, repeat=repeats, number=number)) / number)


def measure(problem: TabularProblem, batched: TabularProblem) -> dict[str, tuple]:
    """Time both routes on one instance for both problems and check their values agree.

    ``batched`` contains ``BATCH`` instances of the same size; its closed-form time is divided by
    ``BATCH`` to give a per-instance figure.
    """
    rows = {}
    routes = {
        "fine-tuning": (
            lambda instance: (fine_tuned_policy(instance, TEMPERATURE), fine_tuned_value(instance, TEMPERATURE)),
            lambda: solve_fine_tuning(problem, TEMPERATURE),
        ),
        "prompt optimization": (
            lambda instance: (optimal_prompter(instance, TEMPERATURE), prompt_optimized_value(instance, TEMPERATURE)),
            lambda: solve_prompt_optimization(problem, TEMPERATURE),
        ),
    }
    for name, (closed_form_of, solver) in routes.items():
        closed_form = lambda: closed_form_of(problem)  # noqa: E731 (timeit takes a callable)
        _, closed_value = closed_form()
        _, solver_value = solver()
        difference = abs(float(closed_value) - solver_value)
        if difference > VALUE_ATOL:
            raise RuntimeError(f"{name}: closed form and cvxpy values differ by {difference:.3g} > {VALUE_ATOL}")

        closed_seconds = median_seconds(closed_form, repeats=7, number=200)
        batched_seconds = median_seconds(lambda: closed_form_of(batched), repeats=7, number=10) / BATCH
        solver_seconds = median_seconds(solver, repeats=5, number=1)
        rows[name] = (closed_seconds, batched_seconds, solver_seconds, difference)
    return rows


def markdown_table(results: dict[tuple[int, int, int], dict]) -> str:
    lines = [
        f"| problem | n × m × k | closed form (µs) | closed form, batch of {BATCH} (µs per instance) "
        "| cvxpy (ms) | speed-up | speed-up, batched | value difference |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for (n, m, k), rows in results.items():
        for name, (closed_seconds, batched_seconds, solver_seconds, difference) in rows.items():
            lines.append(
                f"| {name} | {n} × {m} × {k} | {closed_seconds * 1e6:.1f} | {batched_seconds * 1e6:.2f} "
                f"| {solver_seconds * 1e3:.1f} | {solver_seconds / closed_seconds:,.0f}× "
                f"| {solver_seconds / batched_seconds:,.0f}× | {difference:.1e} |"
            )
    return "\n".join(lines)


def section_text(table: str) -> str:
    machine = f"{platform.machine()}, {os.cpu_count()} CPU cores, Python {platform.python_version()}"
    return (
        f"Script: `python -m benchmarks.bench_closed_form_vs_cvxpy` ({machine}). Median times at "
        f"β = λ = {TEMPERATURE:g}; cvxpy time includes building the program and CLARABEL's solve "
        "with tightened tolerances. Target: a speed-up of at least 1000×. A single small instance spends "
        "most of the closed form's time in Python and NumPy call overhead, so the batched column "
        "is the fair per-instance figure.\n\n" + table + "\n"
    )


def update_section(path: Path, body: str) -> None:
    """Replace the body of ``SECTION`` in ``path`` (up to the next ``## `` heading) with ``body``."""
    text = path.read_text()
    pattern = re.compile(rf"({re.escape(SECTION)}\n)(.*?)(?=^## |\Z)", flags=re.S | re.M)
    if not pattern.search(text):
        raise ValueError(f"{path}: section {SECTION!r} not found; add the heading first")
    path.write_text(pattern.sub(lambda match: match.group(1) + "\n" + body + "\n", text, count=1))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--update", type=Path, help="Markdown file whose cvxpy section receives the table")
    args = parser.parse_args(argv)

    results = {
        sizes: measure(random_problem(seed, *sizes), random_problem(seed, *sizes, batch=(BATCH,)))
        for seed, sizes in enumerate(SIZES)
    }
    body = section_text(markdown_table(results))
    print(body)

    if args.update is not None:
        update_section(args.update, body)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
