"""The interface every language-model backend implements.

A prompt is a chat: a list of messages ``{"role": "system" | "user" | "assistant", "content": str}``.
The backend applies the model's chat template itself, so callers never format raw strings.
Two operations are enough for every estimator of :mod:`llm_eval`:

- :meth:`LanguageModelBackend.sample` draws ``num_samples`` continuations per chat;
- :meth:`LanguageModelBackend.log_probs` returns the teacher-forced log-probability
  log π_F(y | x') of a given continuation y after the chat-templated prompt x', in nats, summed
  over the continuation's tokens.
"""

from __future__ import annotations

import abc
from typing import Sequence

import numpy as np

Message = dict[str, str]
Chat = list[Message]


class LanguageModelBackend(abc.ABC):
    """A frozen target model π_F that can be sampled and scored."""

    #: Short identifier written into result files (for example ``"smollm2"`` or a model path).
    name: str = "backend"

    @abc.abstractmethod
    def sample(
        self,
        chats: Sequence[Chat],
        num_samples: int,
        *,
        max_new_tokens: int,
        temperature: float = 1.0,
        seed: int = 0,
    ) -> list[list[str]]:
        """Draw ``num_samples`` continuations for each chat.

        Returns a list of length ``len(chats)`` whose entries are lists of ``num_samples`` strings.
        The same ``seed`` with the same inputs gives the same samples.
        """

    @abc.abstractmethod
    def log_probs(self, chats: Sequence[Chat], continuations: Sequence[str]) -> np.ndarray:
        """Return log π_F(continuation_i | chat_i) in nats, shape ``(len(chats),)``, float64."""

    def close(self) -> None:
        """Release model memory or connections; the default does nothing."""
