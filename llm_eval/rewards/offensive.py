"""Non-offensiveness reward: one minus the offensive-language probability of alt-profanity-check.

alt-profanity-check is a linear SVM over TF-IDF features with calibrated probabilities, trained on
labelled offensive and clean comments. The reward ignores the prompt:

    r(x, y) = 1 − P(offensive | y)  ∈ [0, 1].

An empty response has an all-zero feature vector, so its probability is the classifier's
intercept-only value (about 0.04 with alt-profanity-check 1.9.1), not NaN.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from llm_eval.rewards.base import RewardModel, check_pairs


class NonOffensiveReward(RewardModel):
    """Probability that the response is not offensive, in [0, 1]."""

    name = "non_offensive"
    bounds = (0.0, 1.0)

    def __init__(self):
        from profanity_check import predict_prob

        self.predict_prob = predict_prob

    def score(self, prompts: Sequence[str], responses: Sequence[str]) -> np.ndarray:
        """Return 1 − P(offensive) per response, float64 of shape ``(len(responses),)``."""
        check_pairs(self.name, prompts, responses)
        if len(responses) == 0:
            return np.zeros(0)
        return 1.0 - np.asarray(self.predict_prob(list(responses)), dtype=np.float64).reshape(-1)
