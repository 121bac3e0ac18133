"""A backend that runs a local model folder in-process with vLLM (optional, for GPU machines).

Install the extra with ``pip install align-pro[vllm]`` and select it with the model spec
``"vllm:PATH"``. vLLM is imported only when this backend is built, so the rest of align-pro works
without it.

- :meth:`VLLMBackend.sample` renders each chat with the tokenizer's chat template and calls
  ``LLM.generate`` with ``SamplingParams(n=num_samples, temperature, max_tokens, seed)``. Chat
  ``i`` uses seed ``seed + i``. Top-k and top-p stay off, so draws come from the full distribution.
- :meth:`VLLMBackend.log_probs` sends the token ids of prompt + continuation with
  ``SamplingParams(max_tokens=1, prompt_logprobs=0)``. vLLM then returns the log-probability of
  every prompt token after the first, and the continuation's positions are summed.

NOTE: this module is not exercised on the CPU-only CI machine beyond the missing-package error;
the calls follow the vLLM Python API (``vllm.LLM``, ``vllm.SamplingParams``, ``TokensPrompt``).
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Sequence

import numpy as np

from llm_eval.backends.base import Chat, LanguageModelBackend

logger = logging.getLogger(__name__)

INSTALL_HINT = "the vllm: backend needs vLLM; install it with `pip install align-pro[vllm]` on a machine with a GPU"


def import_vllm():
    """Import vLLM, raising ImportError with the install command when it is missing."""
    try:
        import vllm
    except ImportError as error:
        raise ImportError(f"{INSTALL_HINT} ({error})") from None
    return vllm


class VLLMBackend(LanguageModelBackend):
    """Sample and score a local Hugging Face model folder with vLLM.

    Args:
        path: local model folder (no download: ``HF_HUB_OFFLINE=1``, ``trust_remote_code=False``).
        dtype: ``"float32"`` or ``"bfloat16"``.
        engine_options: further keyword arguments for ``vllm.LLM`` (for example ``gpu_memory_utilization``).
    """

    def __init__(self, path: str, *, dtype: str = "bfloat16", **engine_options):
        folder = Path(path).expanduser()
        if not folder.exists():
            raise FileNotFoundError(f"model 'vllm:{path}': no such folder; pass a local Hugging Face model folder")
        if dtype not in ("float32", "bfloat16"):
            raise ValueError(f"dtype={dtype!r} is not supported; use 'float32' or 'bfloat16'")

        vllm = import_vllm()
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        self.vllm = vllm
        self.llm = vllm.LLM(model=str(folder), dtype=dtype, trust_remote_code=False, **engine_options)
        self.tokenizer = self.llm.get_tokenizer()
        self.name = f"vllm:{folder}"

    def prompt_ids(self, chat: Chat) -> list[int]:
        """Token ids of the chat-templated prompt with the assistant generation prompt."""
        text = self.tokenizer.apply_chat_template(chat, tokenize=False, add_generation_prompt=True)
        return self.tokenizer(text, add_special_tokens=False)["input_ids"]

    def sample(
        self,
        chats: Sequence[Chat],
        num_samples: int,
        *,
        max_new_tokens: int,
        temperature: float = 1.0,
        seed: int = 0,
    ) -> list[list[str]]:
        """Draw ``num_samples`` continuations per chat in one batched ``LLM.generate`` call."""
        if num_samples < 1 or max_new_tokens < 1:
            raise ValueError(f"num_samples={num_samples} and max_new_tokens={max_new_tokens} must both be at least 1")

        prompts = [{"prompt_token_ids": self.prompt_ids(chat)} for chat in chats]
        params = [
            self.vllm.SamplingParams(
                n=num_samples, temperature=temperature, max_tokens=max_new_tokens, seed=seed + index, top_k=-1, top_p=1.0
            )
            for index in range(len(chats))
        ]
        outputs = self.llm.generate(prompts, params, use_tqdm=False)
        return [[completion.text for completion in output.outputs] for output in outputs]

    def log_probs(self, chats: Sequence[Chat], continuations: Sequence[str]) -> np.ndarray:
        """Return log π(continuation_i | chat_i) in nats from vLLM's prompt log-probabilities."""
        if len(chats) != len(continuations):
            raise ValueError(f"log_probs got {len(chats)} chats and {len(continuations)} continuations; pass one per chat")

        pairs = [
            (self.prompt_ids(chat), self.tokenizer(text, add_special_tokens=False)["input_ids"])
            for chat, text in zip(chats, continuations)
        ]
        prompts = [{"prompt_token_ids": prompt + continuation} for prompt, continuation in pairs]
        params = self.vllm.SamplingParams(max_tokens=1, prompt_logprobs=0, temperature=0.0)
        outputs = self.llm.generate(prompts, params, use_tqdm=False)

        result = np.zeros(len(pairs), dtype=np.float64)
        for row, ((prompt, continuation), output) in enumerate(zip(pairs, outputs)):
            # prompt_logprobs[t] maps token ids to Logprob objects for position t (None at t = 0).
            for position, token in enumerate(continuation, start=len(prompt)):
                result[row] += output.prompt_logprobs[position][token].logprob
        return result

    def close(self) -> None:
        """Drop the engine so its GPU memory can be freed."""
        self.llm = None
