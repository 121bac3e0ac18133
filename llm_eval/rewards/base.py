"""The reward interface r(x, y) shared by every reward model of :mod:`llm_eval.rewards`."""

from __future__ import annotations

import abc
from typing import Sequence

import numpy as np


class RewardModel(abc.ABC):
    """A reward r(x, y) of a response y to a user prompt x, evaluated in batches."""

    #: Specification string that rebuilds this reward with :func:`llm_eval.rewards.load_reward`.
    name: str = "reward"

    #: Known range (low, high) of every score, or None when the reward is unbounded or unknown.
    bounds: tuple[float, float] | None = None

    @abc.abstractmethod
    def score(self, prompts: Sequence[str], responses: Sequence[str]) -> np.ndarray:
        """Return r(prompt_i, response_i), float64 of shape ``(len(prompts),)``."""


def check_pairs(name: str, prompts: Sequence[str], responses: Sequence[str]) -> None:
    """Raise ValueError unless ``prompts`` and ``responses`` are equally long sequences of strings."""
    if len(prompts) != len(responses):
        raise ValueError(
            f"reward {name!r} got {len(prompts)} prompts and {len(responses)} responses; pass one response per prompt"
        )

    for index, text in enumerate(list(prompts) + list(responses)):
        if not isinstance(text, str):
            raise ValueError(f"reward {name!r}: item {index} is {type(text).__name__}, expected str")
