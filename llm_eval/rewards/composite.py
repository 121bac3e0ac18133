"""Weighted sum of rewards, written as a specification such as ``"0.5*non_offensive+0.5*relevance"``.

    r(x, y) = Σ_i w_i r_i(x, y),

with positive finite weights w_i (a term without ``w*`` has weight 1). When every term has known
bounds [a_i, b_i], the composite's bounds are [Σ w_i a_i, Σ w_i b_i]; otherwise they are None.
"""

from __future__ import annotations

import math
from typing import Callable, Sequence

import numpy as np

from llm_eval.rewards.base import RewardModel, check_pairs


def parse_terms(spec: str) -> list[tuple[float, str]]:
    """Split ``"w1*name1+w2*name2"`` into ``[(w1, "name1"), (w2, "name2")]``; raise ValueError naming a bad term."""
    terms = []
    for raw in spec.split("+"):
        term = raw.strip()
        weight_text, star, name = term.partition("*")
        if not star:
            weight_text, name = "1", term

        try:
            weight = float(weight_text)
        except ValueError:
            raise ValueError(
                f"reward spec {spec!r}: term {term!r} has weight {weight_text.strip()!r}, which is not a number; "
                "write terms as WEIGHT*NAME, for example 0.5*relevance"
            ) from None

        if not (math.isfinite(weight) and weight > 0):
            raise ValueError(f"reward spec {spec!r}: term {term!r} has weight {weight}; weights must be positive and finite")
        if not name.strip():
            raise ValueError(f"reward spec {spec!r}: term {term!r} names no reward; write WEIGHT*NAME")
        terms.append((weight, name.strip()))
    return terms


class CompositeReward(RewardModel):
    """Σ_i w_i r_i for rewards built by ``build`` from the names in ``spec``."""

    def __init__(self, spec: str, build: Callable[[str], RewardModel]):
        self.terms = [(weight, build(name)) for weight, name in parse_terms(spec)]
        self.name = "+".join(f"{weight:g}*{reward.name}" for weight, reward in self.terms)

        if all(reward.bounds is not None for _, reward in self.terms):
            low = sum(weight * reward.bounds[0] for weight, reward in self.terms)
            high = sum(weight * reward.bounds[1] for weight, reward in self.terms)
            self.bounds = (float(low), float(high))
        else:
            self.bounds = None

    def score(self, prompts: Sequence[str], responses: Sequence[str]) -> np.ndarray:
        """Return Σ_i w_i r_i(prompt, response), float64 of shape ``(len(prompts),)``."""
        check_pairs(self.name, prompts, responses)
        total = np.zeros(len(prompts), dtype=np.float64)
        for weight, reward in self.terms:
            total += weight * reward.score(prompts, responses)
        return total
