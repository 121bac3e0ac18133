"""A tabular stand-in for a language model, prompter and reward, with exactly known distributions.

:func:`tabular_fakes` turns a single-instance :class:`bounds.TabularProblem` into the three
objects an evaluation needs, so that every estimator of :mod:`llm_eval` can be compared with the
closed forms of :mod:`bounds` on the same instance:

- :class:`TabularBackend`: the target model. A chat whose system message is the label of candidate
  prompt x' answers with π_F(·|x'); a chat with only the user message (the raw prompt) answers with
  the row of ``raw_policy`` for that context, by default π_ref(·|x) of the problem. ``log_probs``
  returns the exact log-probability of a response label (−inf for a string that is not a label).
- :class:`TabularPrompter`: draws candidates from ρ₀(·|x) of the problem.
- :class:`TabularReward`: r(x, y) read from the table, with bounds (min r, max r).

Contexts, candidate prompts and responses are identified by string labels (``"x0"``, ``"p0"``,
``"y0"`` by default), which must be distinct within each kind.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from bounds import TabularProblem
from llm_eval.backends.base import Chat, LanguageModelBackend
from llm_eval.prompters import Candidate, Prompter


def _index(labels: Sequence[str], kind: str) -> dict[str, int]:
    """Map each label to its position, rejecting duplicates."""
    mapping = {label: position for position, label in enumerate(labels)}
    if len(mapping) != len(labels):
        raise ValueError(f"{kind} labels: must be distinct, got {list(labels)}")
    return mapping


@dataclass(frozen=True)
class TabularLabels:
    """String labels of the contexts (n), candidate prompts (m) and responses (k) of a problem."""

    contexts: tuple[str, ...]
    prompts: tuple[str, ...]
    responses: tuple[str, ...]

    @classmethod
    def default(cls, problem: TabularProblem) -> "TabularLabels":
        """Return the labels x0.., p0.., y0.. sized to the problem."""
        return cls(
            tuple(f"x{i}" for i in range(problem.n_contexts)),
            tuple(f"p{i}" for i in range(problem.n_prompts)),
            tuple(f"y{i}" for i in range(problem.n_responses)),
        )


class TabularBackend(LanguageModelBackend):
    """A target model π_F whose response distributions are rows of a table (see the module docstring)."""

    name = "tabular"

    def __init__(self, problem: TabularProblem, labels: TabularLabels, raw_policy: np.ndarray | None = None) -> None:
        if problem.batch_shape:
            raise ValueError(f"problem: the tabular backend needs a single instance, got batch shape {problem.batch_shape}")
        self.problem = problem
        self.labels = labels
        self.raw_policy = np.asarray(problem.reference_policy if raw_policy is None else raw_policy, dtype=np.float64)
        self._contexts = _index(labels.contexts, "context")
        self._prompts = _index(labels.prompts, "prompt")
        self._responses = _index(labels.responses, "response")

    def distribution(self, chat: Chat) -> np.ndarray:
        """Return the response distribution (shape ``(k,)``) that this chat selects."""
        system = [message["content"] for message in chat if message["role"] == "system"]
        users = [message["content"] for message in chat if message["role"] == "user"]
        if not users or users[-1] not in self._contexts:
            raise ValueError(f"chat: the last user message must be a context label {list(self._contexts)}, got {chat}")

        if not system:
            return self.raw_policy[self._contexts[users[-1]]]
        if system[-1] not in self._prompts:
            raise ValueError(f"chat: the system message must be a prompt label {list(self._prompts)}, got {system[-1]!r}")
        return self.problem.target_policy[self._prompts[system[-1]]]

    def sample(self, chats, num_samples, *, max_new_tokens, temperature=1.0, seed=0):
        """Draw ``num_samples`` response labels per chat; ``max_new_tokens`` is ignored, ``temperature`` must be 1."""
        if temperature != 1.0:
            raise ValueError(f"temperature: the tabular backend samples at temperature 1 only, got {temperature}")

        rng = np.random.default_rng(seed)
        outputs = []
        for chat in chats:
            drawn = rng.choice(len(self.labels.responses), size=num_samples, p=self.distribution(chat))
            outputs.append([self.labels.responses[index] for index in drawn])
        return outputs

    def log_probs(self, chats, continuations):
        """Return log π_F(y | chat) for response labels; a string that is not a label has log-probability −inf."""
        if len(chats) != len(continuations):
            raise ValueError(f"continuations: expected one per chat ({len(chats)}), got {len(continuations)}")

        # Chats repeat (every response is scored under the same K + 1 chats), so each is parsed once.
        log_rows: dict[tuple, np.ndarray] = {}
        values = np.empty(len(chats))
        for position, (chat, continuation) in enumerate(zip(chats, continuations)):
            key = tuple((message["role"], message["content"]) for message in chat)
            if key not in log_rows:
                with np.errstate(divide="ignore"):
                    log_rows[key] = np.log(self.distribution(chat))
            index = self._responses.get(continuation)
            values[position] = -np.inf if index is None else log_rows[key][index]
        return values


class TabularPrompter(Prompter):
    """The reference prompter ρ₀(x'|x) of the problem; candidates are system messages with the prompt label."""

    def __init__(self, problem: TabularProblem, labels: TabularLabels) -> None:
        self.problem = problem
        self.labels = labels
        self._contexts = _index(labels.contexts, "context")

    def raw_chat(self, prompt: str) -> Chat:
        """Return the chat of the raw prompt: only the user message."""
        return [{"role": "user", "content": prompt}]

    def sample_candidates(self, prompt: str, num_candidates: int, *, seed: int) -> list[Candidate]:
        """Draw ``num_candidates`` i.i.d. candidates from ρ₀(·|x) for the context labelled ``prompt``."""
        if prompt not in self._contexts:
            raise ValueError(f"prompt: expected a context label {list(self._contexts)}, got {prompt!r}")

        row = self.problem.reference_prompter[self._contexts[prompt]]
        drawn = np.random.default_rng(seed).choice(len(row), size=num_candidates, p=row)
        candidates = []
        for index in drawn:
            label = self.labels.prompts[index]
            chat = [{"role": "system", "content": label}, {"role": "user", "content": prompt}]
            candidates.append(Candidate(chat=chat, text=label, log_prior=float(np.log(row[index])), label=label))
        return candidates


class TabularReward:
    """The reward r(x, y) of the problem, looked up by context and response labels."""

    name = "tabular"

    def __init__(self, problem: TabularProblem, labels: TabularLabels) -> None:
        self.problem = problem
        self._contexts = _index(labels.contexts, "context")
        self._responses = _index(labels.responses, "response")
        self.bounds: tuple[float, float] | None = (float(problem.reward.min()), float(problem.reward.max()))

    def score(self, prompts: Sequence[str], responses: Sequence[str]) -> np.ndarray:
        """Return r(x, y) for each (context label, response label) pair, shape ``(len,)``."""
        rows = [self._contexts[prompt] for prompt in prompts]
        columns = [self._responses[response] for response in responses]
        return self.problem.reward[rows, columns].astype(np.float64)


def tabular_fakes(
    problem: TabularProblem,
    labels: TabularLabels | None = None,
    raw_policy: np.ndarray | None = None,
) -> tuple[TabularBackend, TabularPrompter, TabularReward]:
    """Return the backend, prompter and reward of a single-instance problem (default labels x0, p0, y0...)."""
    labels = TabularLabels.default(problem) if labels is None else labels
    return TabularBackend(problem, labels, raw_policy), TabularPrompter(problem, labels), TabularReward(problem, labels)
