"""Build the target model, prompts, prompter and reward of an evaluation from their specs.

Shared by ``align-pro eval`` and stage (c) of ``align-pro reproduce``. A task preset of
:mod:`llm_eval.tasks` supplies the prompt source, the reward and the prompter; each may be
overridden. ``model = "fake:INSTANCE.json"`` builds the tabular fakes of
:mod:`llm_eval.backends.fake` instead of a language model. The returned ``identity`` is recorded
with the run, and a resumed run must match it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

FAKE_PREFIX = "fake:"


@dataclass(frozen=True)
class EvaluationSpec:
    """Specification of an evaluation, with fields that mirror the options of ``align-pro eval``."""

    model: str = "smollm2"
    task: str = "rtp-safe"
    prompts: str | None = None
    reward: str | None = None
    prompter: str | None = None
    num_prompts: int = 16
    seed: int = 0
    dtype: str = "float32"
    batch_size: int = 16


def build_evaluation(spec: EvaluationSpec) -> tuple[Any, list, Any, Any, dict[str, Any]]:
    """Return ``(backend, prompts, prompter, reward, identity)`` for ``spec``.

    Prompts and reward are loaded before the model, so a bad prompt file or reward name fails
    before the model's load time is spent.
    """
    if spec.model.startswith(FAKE_PREFIX):
        return _tabular_setup(spec)
    return _model_setup(spec)


def _tabular_setup(spec: EvaluationSpec):
    """Return the tabular fakes of the instance file named by ``fake:INSTANCE``."""
    from bounds import load_instance
    from llm_eval.backends.fake import tabular_fakes
    from llm_eval.outputs import file_sha256
    from llm_eval.prompts import PromptRecord

    path = Path(spec.model[len(FAKE_PREFIX):])
    if not path.is_file():
        raise FileNotFoundError(f"--model: instance file {str(path)!r} not found; pass fake:PATH to a .json or .npz instance")

    problem, _ = load_instance(path)
    if problem.batch_shape:
        raise ValueError(f"--model: {path} contains a batch of instances {problem.batch_shape}; fake: needs a file with a single instance")

    backend, prompter, reward = tabular_fakes(problem)
    # NOTE: every context counts equally in the summary; context_probs of the instance is not used.
    prompts = [PromptRecord(id=label, text=label, source="tabular", meta={}) for label in prompter.labels.contexts]
    identity = {"model_spec": spec.model, "instance_sha256": file_sha256(path)}
    return backend, prompts[: spec.num_prompts], prompter, reward, identity


def _model_setup(spec: EvaluationSpec):
    """Return a language model with the preset's (or the overriding) prompts, reward and prompter."""
    from llm_eval.backends import load_backend
    from llm_eval.outputs import model_file_hashes
    from llm_eval.prompters import load_prompter
    from llm_eval.prompts import load_prompts
    from llm_eval.rewards import load_reward
    from llm_eval.tasks import get_task

    task = get_task(spec.task)
    prompt_source = spec.prompts or task.prompts
    reward_spec = spec.reward or task.reward
    prompter_spec = spec.prompter or task.prompter

    prompts = load_prompts(prompt_source, limit=spec.num_prompts, seed=spec.seed)
    reward = load_reward(reward_spec)
    backend = load_backend(spec.model, dtype=spec.dtype, batch_size=spec.batch_size)
    prompter = load_prompter(prompter_spec, backend)

    identity = {
        "model_spec": spec.model,
        "model_files": _model_files(spec.model, model_file_hashes),
        "task": task.name,
        "prompt_source": prompt_source,
        "reward_spec": reward_spec,
        "prompter_spec": prompter_spec,
        "dtype": spec.dtype,
        # The backend's samples for a seed depend on how sequences are batched.
        "batch_size": spec.batch_size,
    }
    return backend, prompts, prompter, reward, identity


def _model_files(model: str, hashes) -> dict[str, str]:
    """Return SHA-256 hashes of the model's weight files (empty for a server, whose weights are not visible)."""
    if model == "smollm2":
        from llm_eval.backends.model_cache import smollm2_gguf_path

        return hashes(smollm2_gguf_path())
    path = Path(model.removeprefix("vllm:"))
    if path.exists():
        return hashes(path)
    return {}
