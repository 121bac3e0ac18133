"""Reward from a local Hugging Face sequence-classification model (spec ``"hf:PATH"``).

The (prompt, response) pair is passed to the tokenizer as a text pair, the usual input of
reward models trained on preference data. The reward is

- the single logit when the model has one output (a scalar reward head);
- otherwise the logit of the positive class: the label whose name contains ``"pos"`` in
  ``config.id2label``, or index 1 when no label name says so.

Logits are unbounded, so ``bounds`` is None. Inputs longer than the model's maximum length are
truncated from the end (``truncation=True``).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Sequence

import numpy as np

from llm_eval.rewards.base import RewardModel, check_pairs


def positive_index(id2label: dict) -> int:
    """Return the index of the positive class from a ``config.id2label`` mapping."""
    for index, label in id2label.items():
        if "pos" in str(label).lower():
            return int(index)
    return 1


class ClassifierReward(RewardModel):
    """Logit of a local sequence-classification model, scored on (prompt, response) text pairs."""

    bounds = None

    def __init__(self, path: str, batch_size: int = 16):
        import torch
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        folder = Path(path).expanduser()
        if not (folder / "config.json").is_file():
            raise FileNotFoundError(
                f"reward 'hf:{path}': {folder} has no config.json; pass a local sequence-classification model folder"
            )

        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        self.name = f"hf:{path}"
        self.torch = torch
        self.batch_size = batch_size
        self.tokenizer = AutoTokenizer.from_pretrained(folder, local_files_only=True, trust_remote_code=False)
        self.model = AutoModelForSequenceClassification.from_pretrained(
            folder, local_files_only=True, trust_remote_code=False
        ).eval()
        labels = self.model.config.num_labels
        self.column = 0 if labels == 1 else positive_index(self.model.config.id2label)

    def score(self, prompts: Sequence[str], responses: Sequence[str]) -> np.ndarray:
        """Return the reward logit per (prompt, response) pair, float64 of shape ``(len(prompts),)``."""
        check_pairs(self.name, prompts, responses)
        scores = []
        for start in range(0, len(prompts), self.batch_size):
            encoded = self.tokenizer(
                list(prompts[start:start + self.batch_size]),
                list(responses[start:start + self.batch_size]),
                padding=True,
                truncation=True,
                return_tensors="pt",
            )
            with self.torch.inference_mode():
                logits = self.model(**encoded).logits
            scores.append(logits[:, self.column].double().numpy())
        return np.concatenate(scores) if scores else np.zeros(0)
