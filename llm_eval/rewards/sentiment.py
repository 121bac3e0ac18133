"""Sentiment reward: the VADER compound score mapped from [-1, 1] to [0, 1].

VADER (vaderSentiment) is a lexicon and rule-based scorer; its compound score is a normalized sum
of word valences, so it needs no model weights. The reward ignores the prompt:

    r(x, y) = (compound(y) + 1) / 2.

An empty response contains no scored words, its compound score is 0, and its reward is 0.5.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from llm_eval.rewards.base import RewardModel, check_pairs


class SentimentReward(RewardModel):
    """Positive sentiment of the response, in [0, 1]."""

    name = "sentiment"
    bounds = (0.0, 1.0)

    def __init__(self):
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

        self.analyzer = SentimentIntensityAnalyzer()

    def score(self, prompts: Sequence[str], responses: Sequence[str]) -> np.ndarray:
        """Return (compound + 1) / 2 for each response, float64 of shape ``(len(responses),)``."""
        check_pairs(self.name, prompts, responses)
        compound = [self.analyzer.polarity_scores(text)["compound"] for text in responses]
        return (np.asarray(compound, dtype=np.float64).reshape(-1) + 1.0) / 2.0
