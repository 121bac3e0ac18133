"""A :class:`~llm_eval.backends.base.LanguageModelBackend` running a causal LM with transformers.

Sampling draws from the model's full next-token distribution (no top-k or top-p truncation), so
the samples come from π_F(y | x') itself when ``temperature=1``; this is what the Align-Pro
estimators assume. ``log_probs`` computes

    log π_F(y | x') = Σ_t log softmax(logits_t)[y_t],

summed over the continuation's tokens y_1..y_T placed after the chat-templated prompt x' (with the
assistant generation prompt). The end-of-turn token is not part of y, so an empty continuation
scores 0. Both operations run in batches of ``batch_size`` sequences, left-padded with an attention
mask and explicit position ids, so padding changes no result beyond float rounding.
"""

from __future__ import annotations

import logging
import os
from typing import Sequence

import numpy as np
import torch

from llm_eval.backends.base import Chat, LanguageModelBackend

logger = logging.getLogger(__name__)

DTYPES = {"float32": torch.float32, "bfloat16": torch.bfloat16}


def torch_dtype(dtype: str) -> torch.dtype:
    """Map the ``dtype`` option to a torch dtype (``"float32"`` or ``"bfloat16"``)."""
    if dtype not in DTYPES:
        raise ValueError(f"dtype={dtype!r} is not supported; use one of {sorted(DTYPES)}")
    return DTYPES[dtype]


def left_pad(sequences: Sequence[Sequence[int]], pad_id: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Left-pad token id lists into ``(input_ids, attention_mask, position_ids)``, each ``(batch, length)``."""
    length = max(len(sequence) for sequence in sequences)
    input_ids = torch.full((len(sequences), length), pad_id, dtype=torch.long)
    attention_mask = torch.zeros((len(sequences), length), dtype=torch.long)
    for row, sequence in enumerate(sequences):
        if sequence:
            input_ids[row, length - len(sequence):] = torch.tensor(sequence, dtype=torch.long)
            attention_mask[row, length - len(sequence):] = 1

    position_ids = (attention_mask.cumsum(-1) - 1).clamp(min=0)
    return input_ids, attention_mask, position_ids


class TransformersBackend(LanguageModelBackend):
    """Sample and score a Hugging Face causal LM on the CPU (or the first CUDA device if present).

    Args:
        model: a loaded ``PreTrainedModel`` with a causal LM head, in eval mode.
        tokenizer: its tokenizer; must define a chat template.
        name: identifier written into result files.
        batch_size: sequences per forward pass or ``generate`` call; larger requests are split.
    """

    def __init__(self, model, tokenizer, *, name: str, batch_size: int = 16):
        if batch_size < 1:
            raise ValueError(f"batch_size={batch_size} must be at least 1; pass a positive integer")
        if not tokenizer.chat_template:
            raise ValueError(f"model {name!r}: the tokenizer has no chat template; use an instruct model")

        self.model = model.eval()
        self.tokenizer = tokenizer
        self.name = name
        self.batch_size = batch_size
        self.device = next(model.parameters()).device
        self.pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
        self.stop_ids = self._stop_token_ids()

    def _stop_token_ids(self) -> set[int]:
        """Token ids that end a generated turn: the generation config's EOS ids and the tokenizer's."""
        configured = self.model.generation_config.eos_token_id
        stop_ids = set(configured if isinstance(configured, list) else [configured])
        stop_ids.add(self.tokenizer.eos_token_id)
        return {token for token in stop_ids if token is not None}

    def prompt_ids(self, chat: Chat) -> list[int]:
        """Token ids of the chat-templated prompt, ending with the assistant generation prompt."""
        text = self.tokenizer.apply_chat_template(chat, tokenize=False, add_generation_prompt=True)
        return self.tokenizer(text, add_special_tokens=False)["input_ids"]

    def continuation_ids(self, continuation: str) -> list[int]:
        """Token ids of a continuation, tokenized on its own (no special tokens)."""
        return self.tokenizer(continuation, add_special_tokens=False)["input_ids"]

    def sample(
        self,
        chats: Sequence[Chat],
        num_samples: int,
        *,
        max_new_tokens: int,
        temperature: float = 1.0,
        seed: int = 0,
    ) -> list[list[str]]:
        """Draw ``num_samples`` continuations per chat; ``temperature=0`` decodes greedily.

        The torch random state is forked and seeded with ``seed``, so a call with the same inputs,
        seed and ``batch_size`` returns the same samples and leaves the global state untouched.
        """
        if num_samples < 1 or max_new_tokens < 1:
            raise ValueError(
                f"num_samples={num_samples} and max_new_tokens={max_new_tokens} must both be at least 1"
            )
        if not temperature >= 0:
            raise ValueError(f"temperature={temperature} must be >= 0 (0 means greedy decoding)")

        requests = [self.prompt_ids(chat) for chat in chats for _ in range(num_samples)]
        texts: list[str] = []
        devices = [self.device.index or 0] if self.device.type == "cuda" else []
        with torch.random.fork_rng(devices=devices):
            torch.manual_seed(seed)
            for start in range(0, len(requests), self.batch_size):
                texts.extend(self._generate(requests[start:start + self.batch_size], max_new_tokens, temperature))

        return [texts[i * num_samples:(i + 1) * num_samples] for i in range(len(chats))]

    @torch.inference_mode()
    def _generate(self, batch: list[list[int]], max_new_tokens: int, temperature: float) -> list[str]:
        """Generate one continuation per prompt in ``batch`` and decode it up to the first stop token."""
        input_ids, attention_mask, _ = left_pad(batch, self.pad_id)
        sampling = {"do_sample": True, "temperature": temperature, "top_k": 0, "top_p": 1.0}
        output = self.model.generate(
            input_ids=input_ids.to(self.device),
            attention_mask=attention_mask.to(self.device),
            max_new_tokens=max_new_tokens,
            pad_token_id=self.pad_id,
            **(sampling if temperature > 0 else {"do_sample": False}),
        )

        texts = []
        for row in output[:, input_ids.shape[1]:].tolist():
            stop = next((i for i, token in enumerate(row) if token in self.stop_ids), len(row))
            texts.append(self.tokenizer.decode(row[:stop], skip_special_tokens=True))
        return texts

    def log_probs(self, chats: Sequence[Chat], continuations: Sequence[str]) -> np.ndarray:
        """Return log π_F(continuation_i | chat_i) in nats, shape ``(len(chats),)``, float64."""
        if len(chats) != len(continuations):
            raise ValueError(
                f"log_probs got {len(chats)} chats and {len(continuations)} continuations; pass one per chat"
            )

        pairs = [(self.prompt_ids(chat), self.continuation_ids(text)) for chat, text in zip(chats, continuations)]
        # Longest first, so each batch contains sequences of similar length and little padding.
        order = sorted(range(len(pairs)), key=lambda i: -(len(pairs[i][0]) + len(pairs[i][1])))
        result = np.zeros(len(pairs), dtype=np.float64)
        for start in range(0, len(order), self.batch_size):
            indices = order[start:start + self.batch_size]
            result[indices] = self._score([pairs[i] for i in indices])
        return result

    @torch.inference_mode()
    def _score(self, pairs: list[tuple[list[int], list[int]]]) -> np.ndarray:
        """Sum the continuation tokens' log-probabilities for one batch of (prompt, continuation) ids."""
        longest = max(len(continuation) for _, continuation in pairs)
        if longest == 0:
            return np.zeros(len(pairs))

        input_ids, attention_mask, position_ids = left_pad([p + c for p, c in pairs], self.pad_id)
        # Only the last ``longest + 1`` positions predict continuation tokens, so the
        # (batch, length, vocabulary) logits tensor is never built in full.
        logits = self.model(
            input_ids=input_ids.to(self.device),
            attention_mask=attention_mask.to(self.device),
            position_ids=position_ids.to(self.device),
            logits_to_keep=longest + 1,
        ).logits[:, :-1].float()

        log_softmax = torch.log_softmax(logits, dim=-1)
        targets = input_ids[:, -longest:].to(self.device)
        token_log_probs = log_softmax.gather(-1, targets.unsqueeze(-1)).squeeze(-1)

        lengths = torch.tensor([len(continuation) for _, continuation in pairs], device=self.device)
        positions = torch.arange(longest, device=self.device)
        is_continuation = positions.unsqueeze(0) >= (longest - lengths).unsqueeze(1)
        summed = torch.where(is_continuation, token_log_probs, torch.zeros_like(token_log_probs)).sum(-1)
        return summed.double().cpu().numpy()

    def close(self) -> None:
        """Drop the model and tokenizer references so their memory can be freed."""
        self.model = None
        self.tokenizer = None


def load_transformers_folder(path: str | os.PathLike, *, name: str, dtype: str, batch_size: int) -> TransformersBackend:
    """Load a local Hugging Face model folder (no network, no remote code) as a backend."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True, trust_remote_code=False)
    model = AutoModelForCausalLM.from_pretrained(
        path, local_files_only=True, trust_remote_code=False, dtype=torch_dtype(dtype)
    )
    if torch.cuda.is_available():
        model = model.to("cuda")
    return TransformersBackend(model, tokenizer, name=name, batch_size=batch_size)
