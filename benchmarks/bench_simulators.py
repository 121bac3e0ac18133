"""Simulator throughput: sampling rate, sweep cells per second with 1 and 2 jobs, peak memory of a sweep.

- Sampling: tuples (x, x', y, r) per second from ``sample_interactions`` and Bradley–Terry pairs
  per second from ``sample_preferences`` (n, m, k = 8, 16, 32; fastest of 3 calls of 10⁶ draws).
- Sweep: cells per second of ``run_sweep`` on the same grid with ``--jobs 1`` and ``--jobs 2``
  (loky backend, progress bar off, fresh output directories), plots excluded.
- Memory: peak resident set size (``VmHWM`` of ``/proc/self/status``, Linux only) of a child
  process that runs a 10,000-cell sweep with the sequential backend, read by the child at its end.
  ``getrusage`` is not used because Linux carries ``ru_maxrss`` across ``exec``, so the child
  would report the parent's larger peak. The child is a fresh interpreter, so the figure includes
  the imports (about 170 MiB).
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from simulators.config import parse_config
from simulators.families import build_instance
from simulators.sampling import sample_interactions, sample_preferences
from simulators.sweep import run_sweep

SECTION = "## Simulators: sampling and sweeps"


def grid_config(n_seeds: int, backend: str = "loky") -> dict:
    """Return a sweep over all six families with 48 cells per seed (sizes 3 × 4 × 5 and 6 × 8 × 10)."""
    return {
        "sweep": {"seeds": n_seeds, "chunk_size": 100, "backend": backend},
        "grid": {"sizes": [[3, 4, 5], [6, 8, 10]], "beta": [0.3, 1.0], "lam": [0.3, 1.0], "samples": [64]},
        "families": {"dirichlet": {}, "coverage": {}, "prior": {}, "mismatch": {}, "adversarial": {},
                     "identity": {"sizes": [[3, 5, 5], [6, 10, 10]]}},
    }


def best_rate(action, count: int, repeats: int = 3) -> float:
    """Return count / (fastest of ``repeats`` timings of ``action``)."""
    best = np.inf
    for _ in range(repeats):
        start = time.perf_counter()
        action()
        best = min(best, time.perf_counter() - start)
    return count / best


def sweep_rate(n_seeds: int, n_jobs: int) -> tuple[int, float]:
    """Return (cells, cells per second) of one fresh sweep."""
    config = parse_config(grid_config(n_seeds))
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        run_sweep(config, out, n_jobs=n_jobs, progress=False)
        seconds = time.perf_counter() - start
    return len(config.cells), len(config.cells) / seconds


def sweep_peak_memory(n_cells: int) -> tuple[int, float, float]:
    """Run a sweep of about ``n_cells`` cells in a child process; return (cells, seconds, peak RSS in MiB)."""
    n_seeds = int(np.ceil(n_cells / 48))
    script = (
        "import tempfile, sys\n"
        "from benchmarks.bench_simulators import grid_config\n"
        "from simulators.config import parse_config\n"
        "from simulators.sweep import run_sweep\n"
        f"config = parse_config(grid_config({n_seeds}, backend='sequential'))\n"
        "with tempfile.TemporaryDirectory() as out:\n"
        "    run_sweep(config, out, progress=False)\n"
        "peak = [line for line in open('/proc/self/status') if line.startswith('VmHWM:')][0].split()[1]\n"
        "print(len(config.cells), peak)\n"
    )
    start = time.perf_counter()
    completed = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                               cwd=Path(__file__).resolve().parents[1])
    seconds = time.perf_counter() - start
    cells, peak_kib = completed.stdout.split()
    # VmHWM is reported in kB (KiB).
    return int(cells), seconds, int(peak_kib) / 1024


def update_section(path: Path, body: str) -> None:
    """Replace the text under :data:`SECTION` (up to the next ``## `` heading) with ``body``."""
    text = path.read_text()
    start = text.index(SECTION) + len(SECTION)
    end = text.find("\n## ", start)
    end = len(text) if end < 0 else end
    path.write_text(text[:start] + "\n\n" + body.strip() + "\n" + text[end:])


def main(argv: list[str] | None = None) -> int:
    """Run the measurements, print the section and write it into BENCHMARKS.md unless ``--no-write``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=100, help="seeds of the throughput sweep (48 cells each; default 100)")
    parser.add_argument("--memory-cells", type=int, default=10_000, help="cells of the memory sweep (default 10000)")
    parser.add_argument("--no-write", action="store_true", help="print only; leave BENCHMARKS.md unchanged")
    args = parser.parse_args(argv)

    problem = build_instance("dirichlet", 0, 8, 16, 32)
    rng = np.random.default_rng(0)
    draws = 1_000_000
    interaction_rate = best_rate(lambda: sample_interactions(problem, problem.reference_prompter, draws, rng), draws)
    preference_rate = best_rate(lambda: sample_preferences(problem, problem.reference_policy, draws, rng), draws)

    cells, one_job = sweep_rate(args.seeds, 1)
    _, two_jobs = sweep_rate(args.seeds, 2)
    memory_cells, memory_seconds, peak_mib = sweep_peak_memory(args.memory_cells)
    load = os.getloadavg()[0]

    machine = f"{platform.machine()}, {os.cpu_count()} CPU cores, Python {platform.python_version()}, NumPy {np.__version__}"
    body = "\n".join([
        f"Script: `python -m benchmarks.bench_simulators` ({machine}).",
        "Sampling: n, m, k = 8, 16, 32, fastest of 3 calls of 10⁶ draws. Sweeps: all six families, sizes 3 × 4 × 5 and",
        "6 × 8 × 10, β, λ ∈ {0.3, 1}, plug-in prompter with N = 64, loky backend, no plots.",
        "Memory: peak RSS (`VmHWM`) of a fresh child process running the sweep with the sequential backend, imports included.",
        "Short sweeps with 2 jobs pay for starting the loky workers, each of which imports NumPy, SciPy and pandas.",
        f"1-minute load average at the end of the run: {load:.1f} (other processes may have shared the cores).",
        "",
        "| measurement | value |",
        "| --- | ---: |",
        f"| `sample_interactions` (x, x', y, r) | {interaction_rate / 1e6:.2f} M samples/s |",
        f"| `sample_preferences` (Bradley–Terry pairs) | {preference_rate / 1e6:.2f} M pairs/s |",
        f"| sweep, {cells} cells, 1 job | {one_job:.0f} cells/s |",
        f"| sweep, {cells} cells, 2 jobs | {two_jobs:.0f} cells/s ({two_jobs / one_job:.2f}×) |",
        f"| sweep, {memory_cells} cells, sequential: wall time | {memory_seconds:.1f} s |",
        f"| sweep, {memory_cells} cells, sequential: peak RSS | {peak_mib:.0f} MiB |",
    ])
    print(body)

    if not args.no_write:
        update_section(Path(__file__).resolve().parents[1] / "BENCHMARKS.md", body)
    return 0


if __name__ == "__main__":
    sys.exit(main())
