"""Sweep engine: an interrupted sweep resumes without recomputing finished chunks."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from simulators.config import parse_config
from simulators.sweep import run_sweep


def small_config(output_format="parquet"):
    return parse_config({
        "sweep": {"seeds": 2, "chunk_size": 4, "format": output_format},
        "grid": {"sizes": [[2, 3, 3]], "beta": [0.5, 2.0], "lam": [0.3, 1.0], "samples": [8]},
        "families": {"dirichlet": {}, "adversarial": {}, "identity": {}},
    })


class StopAfter(Exception):
    pass


def sorted_results(frame):
    return frame.sort_values(["cell_id", "bound"]).reset_index(drop=True)


@pytest.mark.parametrize("output_format", ["parquet", "csv"])
def test_interrupted_sweep_resumes(tmp_path, output_format):
    config = small_config(output_format)
    written = []

    def stop_after_two(chunk_id):
        written.append(chunk_id)
        if len(written) == 2:
            raise StopAfter

    with pytest.raises(StopAfter):
        run_sweep(config, tmp_path / "resumed", progress=False, on_chunk_written=stop_after_two)
    parts = sorted((tmp_path / "resumed" / "parts").iterdir())
    before = {path.name: path.stat().st_mtime_ns for path in parts}

    resumed = run_sweep(config, tmp_path / "resumed", progress=False)
    full = run_sweep(config, tmp_path / "full", progress=False)

    assert len(before) == 2
    assert resumed.chunks_skipped == 2
    assert resumed.chunks_computed == 6 - 2
    for name, mtime in before.items():
        assert (tmp_path / "resumed" / "parts" / name).stat().st_mtime_ns == mtime
    pd.testing.assert_frame_equal(sorted_results(resumed.results), sorted_results(full.results))
    assert resumed.summary["cells"] == 24
    assert resumed.summary["bound_violations"] == 0


def test_rerun_of_finished_sweep_computes_nothing(tmp_path):
    config = small_config()
    run_sweep(config, tmp_path, progress=False)

    again = run_sweep(config, tmp_path, n_jobs=2, progress=False)

    assert again.chunks_computed == 0
    assert again.chunks_skipped == 6
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["cells"] == 24


def test_parallel_run_matches_sequential(tmp_path):
    config = small_config()

    sequential = run_sweep(config, tmp_path / "one", n_jobs=1, backend="sequential", progress=False)
    parallel = run_sweep(config, tmp_path / "two", n_jobs=2, backend="loky", progress=False)

    pd.testing.assert_frame_equal(sorted_results(sequential.results), sorted_results(parallel.results))


def test_missing_backend_is_named(tmp_path):
    config = small_config()

    with pytest.raises(ValueError, match="backend 'dask'"):
        run_sweep(config, tmp_path, backend="dask", progress=False)
    with pytest.raises(ValueError, match="jobs"):
        run_sweep(config, tmp_path, n_jobs=0, progress=False)


def test_interrupted_command_resumes(tmp_path):
    # A user-level interruption: start the command, press Ctrl-C after the first part file, rerun.
    config_path = tmp_path / "config.toml"
    config_path.write_text(
        "[sweep]\nseeds = 100\nchunk_size = 10\n[grid]\nsizes = [[3, 4, 5]]\nbeta = [0.5, 1.0]\nlam = [0.5, 1.0]\nsamples = [16]\n"
        "[families.dirichlet]\n[families.prior]\n"
    )
    out = tmp_path / "out"
    command = [sys.executable, "-m", "alignpro", "sweep", str(config_path), "--out", str(out), "--no-plots", "--no-progress"]
    process = subprocess.Popen(command, cwd=Path(__file__).resolve().parents[2])
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not any((out / "parts").glob("part-*.parquet")):
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    interrupted_status = process.wait(timeout=30)
    parts_after_interrupt = {path.name for path in (out / "parts").glob("part-*.parquet")}
    finished_before_interrupt = (out / "summary.json").exists()

    finished = subprocess.run(command, cwd=Path(__file__).resolve().parents[2], capture_output=True, text=True, timeout=120)

    assert parts_after_interrupt
    assert not finished_before_interrupt
    assert interrupted_status == 130
    assert len(parts_after_interrupt) < 80
    assert finished.returncode == 0
    assert f"skipped: {len(parts_after_interrupt)}" in finished.stdout
    assert json.loads((out / "summary.json").read_text())["cells"] == 800
    assert not list((out / "parts").glob("*.tmp"))
    assert os.path.exists(out / "results.parquet")
