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

from alignpro.pipeline.presets import EvalSizes

logger = logging.getLogger(__name__)

FAKE_PREFIX = "fake:"


def _fake_setup(sizes: EvalSizes):
    """Return backend, prompts, prompter, reward and identity of a tabular instance file."""
    from bounds import load_instance
    from llm_eval.backends.fake import tabular_fakes
    from llm_eval.outputs import file_sha256
    from llm_eval.prompts import PromptRecord

    path = Path(sizes.model[len(FAKE_PREFIX):])
    if not path.is_file():
        raise FileNotFoundError(f"--model: instance file {str(path)!r} not found; pass fake:PATH to a .json or .npz instance")
    problem, _ = load_instance(path)
    if problem.batch_shape:
        raise ValueError(f"--model: {path} contains a batch of instances {problem.batch_shape}; fake: needs a single instance")

    backend, prompter, reward = tabular_fakes(problem)
    prompts = [PromptRecord(id=label, text=label, source="tabular", meta={}) for label in prompter.labels.contexts]
    identity = {"model_spec": sizes.model, "instance_sha256": file_sha256(path)}
    return backend, prompts[: sizes.num_prompts], prompter, reward, identity


def _model_setup(sizes: EvalSizes):
    """Return backend, prompts, prompter, reward and identity of a language model and a task preset."""
    from llm_eval.backends import load_backend
    from llm_eval.prompters import load_prompter
    from llm_eval.prompts import load_prompts
    from llm_eval.rewards import load_reward
    from llm_eval.tasks import get_task

    task = get_task(sizes.task)
    prompt_source = sizes.prompts or task.prompts
    reward_spec = sizes.reward or task.reward
    prompter_spec = sizes.prompter or task.prompter

    # Prompts and reward first: a bad file or reward name fails before the model loads.
    prompts = load_prompts(prompt_source, limit=sizes.num_prompts, seed=sizes.seed)
    reward = load_reward(reward_spec)
    backend = load_backend(sizes.model, dtype=sizes.dtype, batch_size=sizes.batch_size)
    prompter = load_prompter(prompter_spec, backend)

    identity = {
        "model_spec": sizes.model,
        "task": task.name,
        "prompt_source": prompt_source,
        "reward_spec": reward_spec,
        "prompter_spec": prompter_spec,
        "dtype": sizes.dtype,
    }
    return backend, prompts, prompter, reward, identity


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
    if sizes.model.startswith(FAKE_PREFIX):
        backend, prompts, prompter, reward, identity = _fake_setup(sizes)
    else:
        backend, prompts, prompter, reward, identity = _model_setup(sizes)

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
