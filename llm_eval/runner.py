"""The resumable evaluation loop: sample, score and teacher-force, one prompt at a time.

For each user prompt x (a record with ``id`` and ``text``) the runner

1. draws K candidates x'_j ~ ρ₀(·|x) from the prompter (one ``candidates`` record);
2. samples M responses to the raw prompt and M to each candidate, scores them with the reward
   r(x, y) and writes one ``response`` record per response;
3. computes the teacher-forced log π_F(y_i | x) and log π_F(y_i | x'_j) of every raw-prompt
   response y_i (one ``log_probs`` record per response), needed by the measured bound.

Records go to ``samples.jsonl`` in the output folder as they are produced (see
:mod:`llm_eval.sample_store`). Every prompt draws from seeds derived from the global seed and the
prompt id (``numpy.random.SeedSequence`` with the id's hash as spawn key). A resumed run therefore
redraws exactly what an uninterrupted run would have drawn, provided the backend returns the same
samples for the same seed. ``settings.json`` stores the settings, and resuming with different ones raises.
Finally ``summary.json`` and ``summary.md`` are written (:mod:`llm_eval.summary`).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Sequence

import numpy as np
from tqdm.auto import tqdm

from llm_eval.backends.base import LanguageModelBackend
from llm_eval.outputs import log_to_file, write_text_atomic
from llm_eval.prompters import Candidate, Prompter
from llm_eval.sample_store import SampleStore
from llm_eval.summary import EvalSamples, compute_summary, format_markdown

logger = logging.getLogger(__name__)

SAMPLES_FILE = "samples.jsonl"
SETTINGS_FILE = "settings.json"


@dataclass(frozen=True)
class EvalSettings:
    """Settings of one evaluation; all of them must match when a run is resumed.

    Attributes:
        num_candidates: K ≥ 2 candidates drawn from ρ₀ per prompt.
        num_responses: M ≥ 2 responses per candidate and for the raw prompt (cross-fitting splits them).
        max_new_tokens: generation length limit in tokens.
        beta: β > 0, KL coefficient of the RLHF optimum.
        lam: λ > 0, KL coefficient of the optimal prompter.
        seed: global seed of every draw.
        best_of_n: n of the best-of-n baseline, 1 ≤ n ≤ M; None means n = M.
    """

    num_candidates: int = 4
    num_responses: int = 4
    max_new_tokens: int = 32
    beta: float = 0.1
    lam: float = 0.1
    seed: int = 0
    best_of_n: int | None = None

    def __post_init__(self) -> None:
        if self.num_candidates < 2:
            raise ValueError(f"candidates: K must be at least 2 so that the prompter has a choice, got {self.num_candidates}")
        if self.num_responses < 2:
            raise ValueError(f"responses: M must be at least 2 for cross-fitting, got {self.num_responses}")
        if self.max_new_tokens < 1:
            raise ValueError(f"max_new_tokens: must be at least 1, got {self.max_new_tokens}")
        for name in ("beta", "lam"):
            value = float(getattr(self, name))
            if not value > 0:
                raise ValueError(f"{name}: must be > 0 (a KL coefficient), got {value}")
        if self.best_of_n is None:
            object.__setattr__(self, "best_of_n", self.num_responses)
        if not 1 <= self.best_of_n <= self.num_responses:
            raise ValueError(f"best_of_n: must be between 1 and responses M = {self.num_responses}, got {self.best_of_n}")


def prompt_seeds(seed: int, prompt_id: str) -> tuple[int, int]:
    """Return the (candidate, generation) seeds of a prompt, derived from the global seed and its id."""
    spawn_key = int.from_bytes(hashlib.sha256(prompt_id.encode("utf-8")).digest()[:8], "big")
    state = np.random.SeedSequence(seed, spawn_key=(spawn_key,)).generate_state(2)
    return int(state[0]), int(state[1])


def _check_settings(folder: Path, settings: dict[str, Any], resume: bool) -> None:
    """Write ``settings.json``, or on resume compare it with the stored one and raise on a difference."""
    settings_path = folder / SETTINGS_FILE
    samples_path = folder / SAMPLES_FILE

    if not resume:
        if samples_path.exists():
            raise ValueError(f"out: {folder} already contains {SAMPLES_FILE}; pass --resume to continue that run or choose another --out folder")
        write_text_atomic(settings_path, json.dumps(settings, indent=2))
        return

    if not settings_path.exists():
        logger.info("resume: %s has no %s, starting a new run", folder, SETTINGS_FILE)
        write_text_atomic(settings_path, json.dumps(settings, indent=2))
        return

    stored = json.loads(settings_path.read_text(encoding="utf-8"))
    for key in sorted(set(stored) | set(settings)):
        if stored.get(key) != settings.get(key):
            raise ValueError(
                f"resume: setting {key!r} was {stored.get(key)!r} in {settings_path} but is {settings.get(key)!r} now; "
                "rerun with the same settings or choose another --out folder"
            )


def _candidates(store: SampleStore, prompter: Prompter, prompt_id: str, text: str, settings: EvalSettings, seed: int) -> list[Candidate]:
    """Return the prompt's candidates, from the store or freshly drawn and recorded."""
    record = store.get((prompt_id, "candidates"))
    if record is None:
        drawn = prompter.sample_candidates(text, settings.num_candidates, seed=seed)
        record = {
            "key": [prompt_id, "candidates"],
            "kind": "candidates",
            "prompt_id": prompt_id,
            "candidates": [{"chat": c.chat, "text": c.text, "log_prior": c.log_prior, "label": c.label} for c in drawn],
        }
        store.append(record)
    return [Candidate(**fields) for fields in record["candidates"]]


def _response_key(prompt_id: str, candidate: int | None, index: int) -> tuple:
    arm = "raw" if candidate is None else "candidate"
    return (prompt_id, "response", arm, candidate, index)


def _responses(store, backend, reward, prompt_id, text, chats, settings, seed) -> None:
    """Sample and score the responses of the raw chat (``chats[0]``) and of each candidate, unless recorded."""
    slots = [(None if position == 0 else position - 1, index) for position in range(len(chats)) for index in range(settings.num_responses)]
    if all(_response_key(prompt_id, candidate, index) in store for candidate, index in slots):
        return

    sampled = backend.sample(chats, settings.num_responses, max_new_tokens=settings.max_new_tokens, seed=seed)
    responses = [text_ for per_chat in sampled for text_ in per_chat]
    rewards = np.asarray(reward.score([text] * len(responses), responses), dtype=np.float64)
    if rewards.shape != (len(responses),) or not np.all(np.isfinite(rewards)):
        bad = np.flatnonzero(~np.isfinite(rewards)) if rewards.shape == (len(responses),) else []
        raise ValueError(
            f"reward {getattr(reward, 'name', type(reward).__name__)!r} returned {rewards.shape} values with "
            f"{len(bad)} NaN or infinite for prompt id {prompt_id!r} (first bad response: "
            f"{responses[bad[0]] if len(bad) else 'n/a'!r}); fix the reward model, then rerun with --resume"
        )

    for (candidate, index), response, value in zip(slots, responses, rewards):
        key = _response_key(prompt_id, candidate, index)
        existing = store.get(key)
        if existing is not None and existing["response"] != response:
            logger.warning("prompt %s: backend redrew a different response for %s; keeping the recorded one", prompt_id, list(key))
        store.append({
            "key": list(key),
            "kind": "response",
            "prompt_id": prompt_id,
            "arm": key[2],
            "candidate": candidate,
            "index": index,
            "response": response,
            "reward": float(value),
        })


def _log_probs(store, backend, prompt_id, chats, settings) -> None:
    """Teacher-force every recorded raw response under the raw chat and each candidate chat, unless recorded."""
    missing = [index for index in range(settings.num_responses) if (prompt_id, "log_probs", index) not in store]
    if not missing:
        return

    responses = [store.get(_response_key(prompt_id, None, index))["response"] for index in missing]
    pairs = [(chat, response) for response in responses for chat in chats]
    values = np.asarray(backend.log_probs([chat for chat, _ in pairs], [response for _, response in pairs]), dtype=np.float64)
    values = values.reshape(len(missing), len(chats))

    for index, row in zip(missing, values):
        if np.isnan(row).any():
            raise ValueError(f"backend {backend.name!r}: NaN log-probability for prompt id {prompt_id!r}, response {index}")
        store.append({
            "key": [prompt_id, "log_probs", index],
            "kind": "log_probs",
            "prompt_id": prompt_id,
            "index": index,
            "raw": float(row[0]),
            "candidates": [float(value) for value in row[1:]],
        })


def _collect(store: SampleStore, prompt_ids: Sequence[str], settings: EvalSettings) -> EvalSamples:
    """Arrange the stored rewards and log-probabilities into the arrays of :class:`EvalSamples`."""
    num_prompts, num_candidates, num_responses = len(prompt_ids), settings.num_candidates, settings.num_responses
    raw_rewards = np.empty((num_prompts, num_responses))
    candidate_rewards = np.empty((num_prompts, num_candidates, num_responses))
    log_probs_raw = np.empty((num_prompts, num_responses))
    log_probs_candidates = np.empty((num_prompts, num_candidates, num_responses))

    for p, prompt_id in enumerate(prompt_ids):
        for index in range(num_responses):
            raw_rewards[p, index] = store.get(_response_key(prompt_id, None, index))["reward"]
            for candidate in range(num_candidates):
                candidate_rewards[p, candidate, index] = store.get(_response_key(prompt_id, candidate, index))["reward"]

            record = store.get((prompt_id, "log_probs", index))
            log_probs_raw[p, index] = record["raw"]
            log_probs_candidates[p, :, index] = record["candidates"]

    return EvalSamples(list(prompt_ids), raw_rewards, candidate_rewards, log_probs_raw, log_probs_candidates)


def run_evaluation(
    backend: LanguageModelBackend,
    prompts: Sequence[Any],
    prompter: Prompter,
    reward: Any,
    settings: EvalSettings,
    out_dir: str | os.PathLike,
    *,
    resume: bool = False,
    provenance: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Run (or resume) an evaluation and return the summary dictionary written to ``summary.json``.

    Args:
        backend: the target model π_F.
        prompts: records with ``id`` and ``text`` (for example :class:`llm_eval.prompts.PromptRecord`).
        prompter: the reference prompter ρ₀ that draws candidates.
        reward: an object with ``name``, ``score(prompts, responses)`` and ``bounds``.
        settings: K, M, generation length, β, λ, seed, n.
        out_dir: output folder, created if missing.
        resume: continue the run recorded in ``out_dir``; otherwise ``out_dir`` must hold no samples.
        provenance: extra identification written into the settings and summary (model file
            hashes, prompt source, package versions). Entries under ``"identity"`` must match on resume.
    """
    prompt_ids = [str(record.id) for record in prompts]
    if not prompt_ids:
        raise ValueError("prompts: no prompts to evaluate; check --prompts and --num-prompts")
    if len(set(prompt_ids)) != len(prompt_ids):
        raise ValueError("prompts: prompt ids must be unique; the prompt source produced duplicates")

    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    provenance = dict(provenance or {})
    identity = {
        "model": backend.name,
        "reward": getattr(reward, "name", type(reward).__name__),
        "prompter": getattr(prompter, "name", type(prompter).__name__),
        **provenance.pop("identity", {}),
    }
    stored_settings = {**asdict(settings), **identity, "prompt_ids": prompt_ids}

    with log_to_file(folder / "run.log"):
        _check_settings(folder, stored_settings, resume)
        logger.info("evaluating %d prompts into %s (resume=%s): %s", len(prompt_ids), folder, resume, asdict(settings))

        with SampleStore(folder / SAMPLES_FILE) as store:
            for record in tqdm(prompts, desc="prompts", unit="prompt"):
                prompt_id, text = str(record.id), record.text
                candidate_seed, generation_seed = prompt_seeds(settings.seed, prompt_id)

                candidates = _candidates(store, prompter, prompt_id, text, settings, candidate_seed)
                chats = [prompter.raw_chat(text)] + [candidate.chat for candidate in candidates]
                _responses(store, backend, reward, prompt_id, text, chats, settings, generation_seed)
                _log_probs(store, backend, prompt_id, chats, settings)
                logger.debug("prompt %s done (%d records so far)", prompt_id, len(store))

            samples = _collect(store, prompt_ids, settings)

        summary = compute_summary(
            samples,
            beta=settings.beta,
            lam=settings.lam,
            best_of_n=settings.best_of_n,
            reward_bounds=getattr(reward, "bounds", None),
            seed=settings.seed,
        )
        summary["settings"] = stored_settings
        summary["provenance"] = provenance

        write_text_atomic(folder / "summary.json", json.dumps(summary, indent=2, ensure_ascii=False))
        write_text_atomic(folder / "summary.md", format_markdown(summary, stored_settings))
        logger.info("wrote %s and %s", folder / "summary.json", folder / "summary.md")

    return summary
