"""The pipeline of ``align-pro reproduce``: composes :mod:`bounds`, :mod:`simulators` and :mod:`llm_eval`.

It contains no mathematics of its own. Stage (a) checks the statements of :mod:`bounds` on random
instances, stage (b) runs a simulation sweep, stage (c) evaluates a real model, and the report puts
the three side by side.
"""

from alignpro.pipeline.orderings import OrderingCheck, ordering_checks
from alignpro.pipeline.presets import DEFAULT, PRESETS, QUICK, TINY, ReproducePreset, get_preset
from alignpro.pipeline.run import STAGES, ReproduceResult, run_reproduce

__all__ = [
    "DEFAULT",
    "PRESETS",
    "QUICK",
    "STAGES",
    "TINY",
    "OrderingCheck",
    "ReproducePreset",
    "ReproduceResult",
    "get_preset",
    "ordering_checks",
    "run_reproduce",
]
