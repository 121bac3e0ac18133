"""Stage (c) of ``align-pro reproduce``: the real-model evaluation of :mod:`llm_eval`.

The stage builds the target model, prompts, reward and prompter from the preset (a task preset of
:mod:`llm_eval.tasks` with optional overrides) and calls :func:`llm_eval.runner.run_evaluation`
into ``eval/``. It always passes ``resume=True``: the runner starts a new run in an empty folder
and otherwise continues the recorded one, reusing every response already in ``samples.jsonl``.

``model = "fake:INSTANCE.json"`` runs the same pipeline on a tabular instance
(:func:`llm_eval.backends.fake.tabular_fakes`), where no language model is loaded.
"""

from __future__ import annotations

import dataclasses
import logging
import os
from pathlib import Path
from typing import Any

from alignpro.pipeline.evaluation_setup import build_evaluation
from alignpro.pipeline.presets import EvalSizes

logger = logging.getLogger(__name__)


def eval_settings(sizes: EvalSizes) -> dict[str, Any]:
    """Return the stage settings recorded in the ledger (every field except the batch size)."""
    settings = dataclasses.asdict(sizes)
    settings.pop("batch_size")
    return settings


def run_evaluation_stage(sizes: EvalSizes, out_dir: Path) -> dict[str, Any]:
    """Run (or resume) the evaluation into ``eval/`` and return its summary dictionary."""
    from llm_eval.outputs import package_versions
    from llm_eval.runner import EvalSettings, run_evaluation

    # Models are read only from local files; this stops transformers from calling a model hub.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    settings = EvalSettings(
        num_candidates=sizes.candidates,
        num_responses=sizes.responses,
        max_new_tokens=sizes.max_new_tokens,
        beta=sizes.beta,
        lam=sizes.lam,
        seed=sizes.seed,
    )
    backend, prompts, prompter, reward, identity = build_evaluation(sizes)

    logger.info("evaluation: %d prompts with %s into %s", len(prompts), sizes.model, out_dir / "eval")
    try:
        return run_evaluation(
            backend,
            prompts,
            prompter,
            reward,
            settings,
            out_dir / "eval",
            resume=True,
            provenance={"identity": identity, "versions": package_versions()},
        )
    finally:
        backend.close()
