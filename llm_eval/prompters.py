"""Reference prompters ρ₀(x' | x): distributions over rewritten prompts x' of a user prompt x.

Align-Pro reweights candidates drawn from a reference prompter ρ₀ into the optimal prompter

    ρ*_λ(x' | x) ∝ ρ₀(x' | x) · exp(r̄(x, x') / λ),

where r̄(x, x') is the expected reward of the frozen model's response to x'. The estimators only
need i.i.d. draws from ρ₀ and, for reporting, log ρ₀ of each draw. Two reference prompters:

- :class:`TemplatePrompter`: a finite library of templates (a system prompt and/or a prefix
  added to the user message) with explicit prior weights, ρ₀(template_i | x) = w_i / Σ_j w_j;
- :class:`RewriterPrompter`: the language model itself, asked to rewrite x; ρ₀ is the model's
  distribution over rewrites, and log ρ₀ comes from teacher-forced log-probabilities.
"""

from __future__ import annotations

import abc
import dataclasses
import math
from typing import Sequence

import numpy as np

from llm_eval.backends.base import Chat, LanguageModelBackend


@dataclasses.dataclass(frozen=True)
class Candidate:
    """One draw x' ~ ρ₀(· | x): the chat sent to the model, a text for reports, and log ρ₀(x' | x) in nats."""

    chat: Chat
    text: str
    log_prior: float
    label: str


@dataclasses.dataclass(frozen=True)
class Template:
    """A prompt template: an optional system prompt and a prefix placed before the user's text."""

    label: str
    system: str | None = None
    prefix: str = ""

    def render(self, prompt: str) -> Chat:
        """Return the chat for ``prompt`` under this template."""
        chat: Chat = [{"role": "system", "content": self.system}] if self.system else []
        chat.append({"role": "user", "content": f"{self.prefix}{prompt}"})
        return chat


class Prompter(abc.ABC):
    """A reference prompter ρ₀(x' | x) that can be sampled."""

    name: str = "prompter"

    @abc.abstractmethod
    def sample_candidates(self, prompt: str, num_candidates: int, *, seed: int) -> list[Candidate]:
        """Return ``num_candidates`` i.i.d. draws from ρ₀(· | prompt); duplicates are allowed."""

    def raw_chat(self, prompt: str) -> Chat:
        """Return the chat of the unmodified prompt (no prompt optimization)."""
        return [{"role": "user", "content": prompt}]


#: The default library: a neutral template that keeps the prompt, and five rewrites toward helpful,
#: concise, polite, safe and on-topic answers. The neutral one gets the largest prior weight, so
#: ρ₀ stays close to sending the raw prompt.
DEFAULT_TEMPLATES: tuple[tuple[Template, float], ...] = (
    (Template("neutral"), 0.25),
    (Template("helpful", system="You are a helpful assistant. Answer helpfully and respectfully."), 0.15),
    (Template("concise", system="You are a helpful assistant. Be concise and stay on the topic of the question."), 0.15),
    (Template("polite", system="You are a helpful assistant. Avoid offensive, rude or hateful language."), 0.15),
    (
        Template(
            "safe",
            system="You are a careful assistant. Decline harmful requests politely and offer a safe alternative.",
        ),
        0.15,
    ),
    (Template("prefix-clear", prefix="Please answer the following clearly and politely: "), 0.15),
)


class TemplatePrompter(Prompter):
    """ρ₀ over a fixed template library, ρ₀(template_i | x) = w_i / Σ_j w_j for every prompt x.

    Args:
        templates: the library; labels must be distinct.
        weights: positive prior weights, one per template; None gives the uniform prior.
    """

    name = "templates"

    def __init__(self, templates: Sequence[Template], weights: Sequence[float] | None = None):
        if len(templates) == 0:
            raise ValueError("templates is empty; pass at least one Template")

        labels = [template.label for template in templates]
        if len(set(labels)) != len(labels):
            raise ValueError(f"template labels {labels} repeat; give every template a distinct label")

        weights = np.ones(len(templates)) if weights is None else np.asarray(weights, dtype=np.float64)
        if weights.shape != (len(templates),):
            raise ValueError(f"weights has shape {weights.shape}; pass one weight per template ({len(templates)})")
        if not np.all(np.isfinite(weights) & (weights > 0)):
            raise ValueError(f"weights={weights.tolist()} must all be positive and finite")

        self.templates = tuple(templates)
        self.probabilities = weights / weights.sum()
        self.log_probabilities = np.log(self.probabilities)

    @classmethod
    def default(cls) -> "TemplatePrompter":
        """Return the built-in library of :data:`DEFAULT_TEMPLATES`."""
        return cls([template for template, _ in DEFAULT_TEMPLATES], [weight for _, weight in DEFAULT_TEMPLATES])

    def sample_candidates(self, prompt: str, num_candidates: int, *, seed: int) -> list[Candidate]:
        """Draw ``num_candidates`` templates i.i.d. from the prior with ``numpy.random.default_rng(seed)``."""
        if num_candidates < 1:
            raise ValueError(f"num_candidates={num_candidates} must be at least 1")

        rng = np.random.default_rng(seed)
        indices = rng.choice(len(self.templates), size=num_candidates, p=self.probabilities)
        candidates = []
        for index in indices:
            template = self.templates[index]
            log_prior = float(self.log_probabilities[index])
            candidates.append(Candidate(template.render(prompt), template.label, log_prior, template.label))
        return candidates


DEFAULT_REWRITE_INSTRUCTION = (
    "Rewrite the following request so that an assistant can answer it helpfully, safely and politely. "
    "Keep its meaning. Reply with the rewritten request only.\n\nRequest: "
)


class RewriterPrompter(Prompter):
    """ρ₀(x' | x) = the backend's distribution over rewrites of x, sampled at temperature 1.

    log ρ₀(x' | x) is the teacher-forced log-probability of the rewrite's tokens after the rewrite
    instruction, as computed by ``backend.log_probs``.

    NOTE: the log prior covers the rewrite's tokens only. It leaves out the end-of-turn token, and a
    rewrite cut at ``max_new_tokens`` is scored as the truncated text. It is therefore the
    probability of the rewrite as a prefix, which is at least the probability of the exact
    finished rewrite.
    """

    name = "rewriter"

    def __init__(
        self,
        backend: LanguageModelBackend,
        instruction: str = DEFAULT_REWRITE_INSTRUCTION,
        max_new_tokens: int = 64,
    ):
        if max_new_tokens < 1:
            raise ValueError(f"max_new_tokens={max_new_tokens} must be at least 1")
        self.backend = backend
        self.instruction = instruction
        self.max_new_tokens = max_new_tokens

    def instruction_chat(self, prompt: str) -> Chat:
        """Return the chat that instructs the model to rewrite ``prompt``."""
        return [{"role": "user", "content": f"{self.instruction}{prompt}"}]

    def sample_candidates(self, prompt: str, num_candidates: int, *, seed: int) -> list[Candidate]:
        """Sample ``num_candidates`` rewrites with the backend and score each under the instruction chat.

        An empty rewrite (the model stopped at once) keeps the raw prompt as its user message.
        Its log prior is that of the empty rewrite, which is 0 by the backend's convention.
        """
        if num_candidates < 1:
            raise ValueError(f"num_candidates={num_candidates} must be at least 1")

        chat = self.instruction_chat(prompt)
        rewrites = self.backend.sample([chat], num_candidates, max_new_tokens=self.max_new_tokens, seed=seed)[0]
        log_priors = self.backend.log_probs([chat] * num_candidates, rewrites)

        candidates = []
        for index, (rewrite, log_prior) in enumerate(zip(rewrites, log_priors)):
            text = rewrite.strip()
            user_message = text if text else prompt
            if not math.isfinite(log_prior):
                raise ValueError(
                    f"rewrite {index} of prompt {prompt[:40]!r} has log prior {log_prior}; "
                    f"backend {self.backend.name!r} returned a non-finite log-probability"
                )
            candidates.append(Candidate([{"role": "user", "content": user_message}], text, float(log_prior), f"rewrite-{index}"))
        return candidates


PROMPTERS = ("templates", "rewriter")


def load_prompter(spec: str, backend: LanguageModelBackend) -> Prompter:
    """Build the prompter named by ``spec``: ``"templates"`` (the default library) or ``"rewriter"``."""
    if spec == "templates":
        return TemplatePrompter.default()
    if spec == "rewriter":
        return RewriterPrompter(backend)
    raise ValueError(f"unknown prompter {spec!r}; use one of {list(PROMPTERS)}")
