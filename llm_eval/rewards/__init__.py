"""Reward models r(x, y) for the real-model evaluation.

:func:`load_reward` builds a reward from a specification string:

- ``"sentiment"``: VADER compound score mapped to [0, 1] (:mod:`llm_eval.rewards.sentiment`);
- ``"non_offensive"``: 1 − alt-profanity-check probability (:mod:`llm_eval.rewards.offensive`);
- ``"relevance"``: MiniLM cosine similarity of prompt and response mapped to [0, 1]
  (:mod:`llm_eval.rewards.relevance`);
- ``"hf:PATH"``: a local sequence-classification reward model (:mod:`llm_eval.rewards.hf_classifier`);
- a weighted sum of the built-in names, ``"0.5*non_offensive+0.5*relevance"``
  (:mod:`llm_eval.rewards.composite`).

No reward returns NaN for a valid string; each module documents its score for an empty response.
"""

from __future__ import annotations

from llm_eval.rewards.base import RewardModel


def _sentiment() -> RewardModel:
    from llm_eval.rewards.sentiment import SentimentReward

    return SentimentReward()


def _non_offensive() -> RewardModel:
    from llm_eval.rewards.offensive import NonOffensiveReward

    return NonOffensiveReward()


def _relevance() -> RewardModel:
    from llm_eval.rewards.relevance import RelevanceReward

    return RelevanceReward()


#: Built-in reward names and the functions that build them.
BUILTIN_REWARDS = {"sentiment": _sentiment, "non_offensive": _non_offensive, "relevance": _relevance}


def _builtin(name: str) -> RewardModel:
    if name not in BUILTIN_REWARDS:
        raise ValueError(
            f"unknown reward {name!r}; use one of {sorted(BUILTIN_REWARDS)}, 'hf:PATH', "
            "or a weighted sum such as '0.5*non_offensive+0.5*relevance'"
        )
    return BUILTIN_REWARDS[name]()


def load_reward(spec: str) -> RewardModel:
    """Build the reward named by ``spec`` (see the module docstring); raise ValueError for an unknown name."""
    if not isinstance(spec, str) or not spec.strip():
        raise ValueError(f"reward spec {spec!r} is empty; use one of {sorted(BUILTIN_REWARDS)} or 'hf:PATH'")

    spec = spec.strip()
    if spec.startswith("hf:"):
        from llm_eval.rewards.hf_classifier import ClassifierReward

        return ClassifierReward(spec[len("hf:"):])

    if "+" in spec or "*" in spec:
        from llm_eval.rewards.composite import CompositeReward

        # Each distinct reward model is loaded once even when several terms name it.
        loaded: dict[str, RewardModel] = {}

        def build_once(name: str) -> RewardModel:
            if name not in loaded:
                loaded[name] = _builtin(name)
            return loaded[name]

        return CompositeReward(spec, build_once)

    return _builtin(spec)


__all__ = ["BUILTIN_REWARDS", "RewardModel", "load_reward"]
