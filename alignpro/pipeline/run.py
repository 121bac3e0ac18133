"""The main job: theory checks, a simulation sweep and a real-model evaluation, then the report.

:func:`run_reproduce` runs the stages in order and records each finished stage in the ledger
(:mod:`alignpro.pipeline.stages`). A rerun skips every recorded stage and rebuilds only the report.
A stage interrupted midway runs again on the next call, and the sweep and the evaluation then
resume from their own files.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from alignpro.pipeline.evaluation_stage import eval_settings, run_evaluation_stage
from alignpro.pipeline.presets import ReproducePreset
from alignpro.pipeline.report import write_report
from alignpro.pipeline.simulation_stage import run_simulation_stage, sweep_settings
from alignpro.pipeline.stages import StageLedger
from alignpro.pipeline.theory_stage import run_theory_stage

logger = logging.getLogger(__name__)

STAGES = ("theory", "simulation", "evaluation")


@dataclass(frozen=True)
class ReproduceResult:
    """Outcome of one call to :func:`run_reproduce`.

    Attributes:
        report: path of ``report.md``.
        stages_run: stages computed by this call, in order.
        stages_skipped: stages found finished in the ledger.
        figures: stage → figure paths relative to the output folder (PDF and PNG).
    """

    report: Path
    stages_run: list[str] = field(default_factory=list)
    stages_skipped: list[str] = field(default_factory=list)
    figures: dict[str, list[str]] = field(default_factory=dict)


def _relative(paths: list[Path], out_dir: Path) -> list[str]:
    return [Path(path).resolve().relative_to(out_dir.resolve()).as_posix() for path in paths]


def _theory(preset: ReproducePreset, out_dir: Path, jobs: int, backend: str | None) -> list[Path]:
    from alignpro.pipeline.figures import plot_theory_frontier, plot_theory_tightness
    import pandas as pd

    result = run_theory_stage(preset.theory, out_dir)
    rows = pd.read_parquet(out_dir / "theory" / "rows.parquet")
    return plot_theory_tightness(rows, out_dir / "figures") + plot_theory_frontier(result["frontier"], out_dir / "figures")


def _simulation(preset: ReproducePreset, out_dir: Path, jobs: int, backend: str | None) -> list[Path]:
    _, figures = run_simulation_stage(sweep_settings(preset.sweep), out_dir, jobs=jobs, backend=backend)
    return figures


def _evaluation(preset: ReproducePreset, out_dir: Path, jobs: int, backend: str | None) -> list[Path]:
    from alignpro.pipeline.figures import plot_eval_gap_bound, plot_eval_rewards

    summary = run_evaluation_stage(preset.evaluation, out_dir)
    return plot_eval_rewards(summary, out_dir / "figures") + plot_eval_gap_bound(summary, out_dir / "figures")


def stage_settings(preset: ReproducePreset) -> dict[str, dict[str, Any]]:
    """Return the settings of each stage that must match when a run is resumed."""
    return {
        "theory": dataclasses.asdict(preset.theory),
        "simulation": {"config": sweep_settings(preset.sweep)},
        "evaluation": eval_settings(preset.evaluation),
    }


def run_reproduce(
    preset: ReproducePreset,
    out_dir: str | Path,
    *,
    jobs: int = 1,
    backend: str | None = None,
    after_stage: Callable[[str], None] | None = None,
) -> ReproduceResult:
    """Run every unfinished stage of ``preset`` into ``out_dir``, then write ``report.md``.

    Args:
        preset: the sizes of the three stages (:mod:`alignpro.pipeline.presets`).
        out_dir: output folder, created if missing; an existing run there is resumed.
        jobs: joblib worker processes of the sweep (-1 for all cores).
        backend: joblib backend of the sweep (loky, dask, ray, ...); None keeps the sweep configuration's.
        after_stage: called with the stage name after each stage is recorded as finished; an
            exception raised there stops the run with the finished stages kept.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    ledger = StageLedger(out_dir)
    settings = stage_settings(preset)
    runners = {"theory": _theory, "simulation": _simulation, "evaluation": _evaluation}
    result = ReproduceResult(report=out_dir / "report.md")

    # Check every recorded stage first, so a settings mismatch fails before any work is done.
    finished = {stage: ledger.is_done(stage, settings[stage]) for stage in STAGES}
    for stage in STAGES:
        if finished[stage]:
            logger.info("stage %s: already finished in %s, skipped", stage, out_dir)
            result.stages_skipped.append(stage)
        else:
            logger.info("stage %s: starting", stage)
            started = time.perf_counter()
            figures = runners[stage](preset, out_dir, jobs, backend)
            ledger.mark_done(stage, settings[stage], time.perf_counter() - started, _relative(figures, out_dir))
            result.stages_run.append(stage)
        result.figures[stage] = ledger.figures(stage)
        if after_stage is not None:
            after_stage(stage)

    seconds = {stage: ledger.records[stage]["seconds"] for stage in STAGES}
    write_report(out_dir, preset.name, result.figures, seconds)
    (out_dir / "preset.json").write_text(json.dumps({"preset": preset.name, **settings}, indent=2, ensure_ascii=False), encoding="utf-8")
    return result
