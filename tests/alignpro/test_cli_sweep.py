"""``align-pro sweep`` and ``align-pro plot`` end to end on a tiny configuration."""

import json

import pandas as pd
import pytest

from alignpro.cli import main

TINY_CONFIG = """
[sweep]
seeds = 2
chunk_size = 8
format = "csv"

[grid]
sizes = [[2, 3, 4]]
beta = [0.3, 1.0]
lam = [0.3, 1.0]
samples = [16]

[families.dirichlet]
[families.coverage]
coverage = [1.0]
[families.identity]
sizes = [[2, 4, 4]]

[plots]
family = "dirichlet"
n = 2
m = 3
k = 4
beta = 0.5
"""

FIGURES = ("gap_heatmap", "tightness", "gap_vs_lambda", "frontiers", "best_of_n", "learning_curves", "finite_sample_coverage")


@pytest.fixture(scope="module")
def sweep_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp("sweep")
    config = root / "tiny.toml"
    config.write_text(TINY_CONFIG)
    status = main(["sweep", str(config), "--jobs", "2", "--out", str(root / "out"), "--no-progress"])
    return status, root / "out"


def test_sweep_writes_results_summary_and_plots(sweep_dir):
    status, out = sweep_dir
    summary = json.loads((out / "summary.json").read_text())
    results = pd.read_csv(out / "results.csv")

    assert status == 0
    assert summary["cells"] == 24
    assert summary["bound_violations"] == 0
    assert len(results) == 24 * 5
    assert set(results["family"]) == {"dirichlet", "coverage", "identity"}
    for name in FIGURES:
        for suffix in (".pdf", ".png"):
            assert (out / "plots" / f"{name}{suffix}").stat().st_size > 1000, name


def test_plot_command_rewrites_figures(sweep_dir, capsys):
    _, out = sweep_dir
    for path in (out / "plots").iterdir():
        path.unlink()

    status = main(["plot", str(out)])
    printed = capsys.readouterr().out.split()

    assert status == 0
    assert len(printed) == 2 * len(FIGURES)
    for name in FIGURES:
        assert (out / "plots" / f"{name}.png").stat().st_size > 1000


def test_sweep_and_plot_errors_are_one_line(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text("[grid]\nsizes = [[2, 3, 4]]\nbeta = [-0.5]\nlam = [1.0]\n[families.dirichlet]\n")
    cases = (
        (["sweep", str(bad), "--out", str(tmp_path / "o")], "grid.beta: got -0.5"),
        (["sweep", str(tmp_path / "absent.toml")], "config file not found"),
        (["sweep", str(bad), "--backend", "spark"], "--backend: unknown backend 'spark'"),
        (["plot", str(tmp_path)], "config.json"),
    )
    for argv, expected in cases:
        status = main(argv)
        error = capsys.readouterr().err
        assert status == 2
        assert expected in error
        assert len(error.strip().splitlines()) == 1
