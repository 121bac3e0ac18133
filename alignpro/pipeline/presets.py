"""Size presets of ``align-pro reproduce``: how many instances, cells and prompts each stage uses.

Three presets exist. ``default`` is the full run (about an hour on two CPU cores), ``quick`` is
the ``--quick`` run (a few minutes), and ``tiny`` is for tests and notebooks. ``tiny`` is reachable
only from Python (:func:`alignpro.pipeline.run_reproduce`), not from the command line.

Every field that changes a stage's results is part of that stage's settings. A rerun in the same
output folder compares them with the recorded ones (:mod:`alignpro.pipeline.stages`).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from alignpro.pipeline.evaluation_setup import EvaluationSpec

# configs/ is in the repository root, two levels above this file in an editable install.
REPOSITORY_ROOT = Path(__file__).resolve().parents[2]

THEORY_FAMILIES = ("dirichlet", "coverage", "prior", "mismatch", "adversarial", "identity")


@dataclass(frozen=True)
class TheorySizes:
    """Stage (a): bound checks on batches of random instances.

    Attributes:
        instances: instances drawn per family and per (β, λ) pair.
        n, m, k: contexts, candidate prompts and responses (the identity family uses m = k).
        betas, lams: temperature grid; every pair is checked.
        frontier_budgets: number of KL budgets (nats, log-spaced in [1e-3, 3]) of the T4 check.
        lp: also compute the linear-program coverage bound ``coverage_prior_lp`` (one cvxpy
            solve per context and instance, the slow part of the stage).
        seed: seed of every instance draw.
    """

    instances: int = 64
    n: int = 4
    m: int = 6
    k: int = 8
    betas: tuple[float, ...] = (0.1, 0.5, 1.0)
    lams: tuple[float, ...] = (0.1, 0.5, 1.0)
    frontier_budgets: int = 12
    lp: bool = False
    seed: int = 0


@dataclass(frozen=True)
class SweepSizes:
    """Stage (b): the simulation sweep, from an inline configuration or a TOML file.

    Attributes:
        config: the parsed-TOML mapping of :func:`simulators.config.parse_config`, or None to read ``config_path``.
        config_path: TOML file of the sweep, used when ``config`` is None.
    """

    config: dict[str, Any] | None = None
    config_path: str | None = None


@dataclass(frozen=True)
class EvalSizes(EvaluationSpec):
    """Stage (c): the evaluation spec plus the sampling sizes (see ``align-pro eval`` for each field)."""

    candidates: int = 4
    responses: int = 4
    max_new_tokens: int = 24
    beta: float = 0.1
    lam: float = 0.1


@dataclass(frozen=True)
class ReproducePreset:
    """The sizes of the three stages."""

    name: str
    theory: TheorySizes = field(default_factory=TheorySizes)
    sweep: SweepSizes = field(default_factory=SweepSizes)
    evaluation: EvalSizes = field(default_factory=EvalSizes)

    def with_eval(self, **changes: Any) -> "ReproducePreset":
        """Return a copy whose evaluation fields are replaced by the non-None ``changes``."""
        changes = {key: value for key, value in changes.items() if value is not None}
        return dataclasses.replace(self, evaluation=dataclasses.replace(self.evaluation, **changes))

    def with_sweep_config(self, path: str | None) -> "ReproducePreset":
        """Return a copy that reads the sweep from the TOML file ``path`` (unchanged when None)."""
        if path is None:
            return self
        return dataclasses.replace(self, sweep=SweepSizes(config=None, config_path=str(path)))


def _inline_sweep(seeds: int, sizes: list[list[int]], betas: list[float], lams: list[float], samples: list[int]) -> dict[str, Any]:
    """Return a sweep configuration mapping covering every family at the given sizes."""
    identity_sizes = [[n, k, k] for n, _, k in sizes]
    return {
        "sweep": {"seeds": seeds, "chunk_size": 24, "backend": "loky", "format": "parquet"},
        "grid": {"sizes": sizes, "beta": betas, "lam": lams, "samples": samples},
        "families": {
            "dirichlet": {"concentration": [0.3, 1.0]},
            "coverage": {"coverage": [0.0, 1.0]},
            "prior": {"prior_mass": [0.05, 0.5]},
            "mismatch": {"distance": [0.5]},
            "adversarial": {},
            "identity": {"sizes": identity_sizes},
        },
    }


TINY = ReproducePreset(
    name="tiny",
    theory=TheorySizes(instances=4, n=2, m=3, k=3, betas=(0.5,), lams=(0.2, 0.5), frontier_budgets=3),
    sweep=SweepSizes(config=_inline_sweep(1, [[2, 3, 3]], [0.5], [0.5], [16])),
    evaluation=EvalSizes(num_prompts=3, candidates=2, responses=2, max_new_tokens=8),
)

QUICK = ReproducePreset(
    name="quick",
    theory=TheorySizes(instances=32, lp=True),
    sweep=SweepSizes(config=_inline_sweep(4, [[3, 4, 5], [4, 8, 8]], [0.1, 0.5, 2.0], [0.1, 0.5, 2.0], [64])),
    evaluation=EvalSizes(num_prompts=4, candidates=2, responses=4, max_new_tokens=16),
)

# Measured on the two-core development machine while two other jobs shared the cores: the theory
# stage took 2 minutes, configs/paper.toml (43,200 cells with the LP bound) 14 minutes with one job,
# and 20 prompts at K = 4, M = 4 and 24 tokens 30 minutes (46 minutes in all). 16 prompts leave a
# margin for slower prompts, which took up to 155 s each.
DEFAULT = ReproducePreset(
    name="default",
    theory=TheorySizes(instances=256, lp=True),
    # NOTE: the path exists only in a source checkout; other installs need --sweep-config.
    sweep=SweepSizes(config_path=str(REPOSITORY_ROOT / "configs" / "paper.toml")),
    evaluation=EvalSizes(num_prompts=16, candidates=4, responses=4, max_new_tokens=24),
)

PRESETS = {preset.name: preset for preset in (TINY, QUICK, DEFAULT)}


def get_preset(name: str) -> ReproducePreset:
    """Return the preset called ``name``; raise ``ValueError`` listing the names otherwise."""
    if name not in PRESETS:
        raise ValueError(f"preset: unknown preset {name!r}; choose one of {', '.join(PRESETS)}")
    return PRESETS[name]
