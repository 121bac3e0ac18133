"""One figure style for every plot: serif fonts, thin lines, colorblind-safe colors, PDF and PNG output.

Figures are built with ``matplotlib.figure.Figure`` and its Agg canvas, not ``pyplot``, so
plotting never touches a display or global figure state.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import matplotlib
from matplotlib.figure import Figure

# Okabe–Ito palette, readable with the common forms of color blindness.
COLORS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000")

RC_PARAMS = {
    "font.family": "serif",
    "font.size": 9,
    "axes.titlesize": 9,
    "axes.labelsize": 9,
    "legend.fontsize": 7,
    "xtick.labelsize": 8,
    "ytick.labelsize": 8,
    "lines.linewidth": 1.4,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.prop_cycle": matplotlib.cycler(color=COLORS),
    "savefig.dpi": 200,
    "savefig.bbox": "tight",
    "pdf.fonttype": 42,
}


@contextlib.contextmanager
def paper_style():
    """Apply :data:`RC_PARAMS` for the duration of the block."""
    with matplotlib.rc_context(RC_PARAMS):
        yield


def new_figure(n_columns: int = 1, n_rows: int = 1, width: float = 3.4, height: float = 2.5) -> tuple[Figure, object]:
    """Return a figure with a grid of axes; ``width``/``height`` are per panel, in inches."""
    figure = Figure(figsize=(width * n_columns, height * n_rows), layout="constrained")
    axes = figure.subplots(n_rows, n_columns, squeeze=False)
    return figure, axes


def save_figure(figure: Figure, out_dir: Path, name: str) -> list[Path]:
    """Write ``name.pdf`` and ``name.png`` into ``out_dir`` and return both paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = [out_dir / f"{name}.pdf", out_dir / f"{name}.png"]
    for path in paths:
        figure.savefig(path)
    return paths
