"""Plots of a whole sweep: the mean gap over (β, λ) per family and the tightness of each bound."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from simulators.plotting.instance_plots import BOUND_LABELS
from simulators.plotting.style import new_figure, paper_style, save_figure


def plot_gap_heatmap(results: pd.DataFrame, out_dir: Path) -> list[Path]:
    """Plot the mean exact gap Δ over the sweep's (β, λ) grid, one panel per family."""
    cells = results.drop_duplicates("cell_id")
    families = list(dict.fromkeys(cells["family"]))
    n_columns = min(3, len(families))
    n_rows = int(np.ceil(len(families) / n_columns))

    with paper_style():
        figure, axes = new_figure(n_columns=n_columns, n_rows=n_rows, width=2.6, height=2.3)
        for index, axis in enumerate(axes.ravel()):
            if index >= len(families):
                axis.set_visible(False)
                continue
            family = families[index]
            table = cells[cells["family"] == family].pivot_table(index="beta", columns="lam", values="gap", aggfunc="mean")
            image = axis.imshow(table.to_numpy(), origin="lower", aspect="auto", cmap="viridis")
            axis.set_xticks(range(table.shape[1]), [f"{v:g}" for v in table.columns], rotation=45)
            axis.set_yticks(range(table.shape[0]), [f"{v:g}" for v in table.index])
            axis.set_xlabel("λ")
            axis.set_ylabel("β")
            axis.set_title(family)
            axis.grid(False)
            figure.colorbar(image, ax=axis, label="mean Δ")
        figure.suptitle("Mean gap Δ(β, λ) over seeds, sizes and knobs")
        return save_figure(figure, out_dir, "gap_heatmap")


def plot_tightness(results: pd.DataFrame, out_dir: Path, gap_floor: float = 1e-6) -> list[Path]:
    """Plot the distribution of bound / gap per bound (cells with gap > ``gap_floor``), log scale."""
    usable = results[(results["gap"] > gap_floor) & np.isfinite(results["ratio"])]
    names = list(dict.fromkeys(usable["bound"]))

    with paper_style():
        figure, axes = new_figure(width=4.2, height=2.8)
        axis = axes[0, 0]
        data = [np.log10(usable.loc[usable["bound"] == name, "ratio"].clip(lower=1e-3).to_numpy()) for name in names]
        if names:
            axis.violinplot(data, showmedians=True)
        axis.axhline(0.0, color="black", linestyle=":", label="bound = gap")
        axis.set_xticks(range(1, len(names) + 1), [BOUND_LABELS.get(n, n) for n in names], rotation=25, ha="right")
        axis.set_ylabel("log₁₀(bound / gap)")
        axis.set_title(f"Tightness over {usable['cell_id'].nunique()} cells with Δ > {gap_floor:g}")
        axis.legend(loc="upper left")
        return save_figure(figure, out_dir, "tightness")
