"""A backend for an OpenAI-compatible HTTP server (vLLM's ``vllm serve``, llama.cpp's server, ...).

Specification for :func:`llm_eval.backends.load_backend`: ``"openai:http://HOST:PORT/v1[#MODEL]"``.
Without ``#MODEL`` the first id listed by ``GET /v1/models`` is used.

What the server must support:

- ``POST /v1/chat/completions`` with ``messages``, ``n``, ``max_tokens``, ``temperature`` and
  ``seed`` (used by :meth:`OpenAICompatBackend.sample`). A server that returns fewer than ``n``
  choices is asked again, one sample per request, with seeds ``seed + 1, seed + 2, ...``.
- ``POST /v1/completions`` with ``echo=true``, ``logprobs=1`` and ``max_tokens=0``, returning the
  legacy ``logprobs`` object (``tokens``, ``token_logprobs``, ``text_offset``) for the prompt
  tokens (used by :meth:`OpenAICompatBackend.log_probs`). vLLM's OpenAI server accepts this
  request form; check other servers before relying on it.

Scoring renders the chat to text with a chat template (ChatML by default, or the template of a
local tokenizer folder passed as ``chat_template``), then computes

    log π(y | x') = Σ logprob(tokens of text(x') + y) − Σ logprob(tokens of text(x')),

so the server's own tokenizer decides the tokens and no token boundary has to be located. The
difference equals the continuation's teacher-forced log-probability whenever the tokens of
``text(x')`` are a prefix of the tokens of ``text(x') + y``. A server-side chat template that
differs from the one used here makes sampling and scoring condition on different prompts.

Requests time out after ``timeout`` seconds. Connection errors, time-outs, HTTP 429 and 5xx are
retried up to ``max_retries`` times with exponential backoff; other HTTP errors fail at once.
"""

from __future__ import annotations

import json
import logging
import math
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any, Sequence

import numpy as np

from llm_eval.backends.base import Chat, LanguageModelBackend

logger = logging.getLogger(__name__)

RETRIED_STATUS = {429, 500, 502, 503, 504}


class ServerError(ConnectionError):
    """An OpenAI-compatible server failed or returned a response this backend cannot use.

    A ``ConnectionError`` (an ``OSError``), so the command line reports it as one line.
    """


def render_chatml(chat: Chat) -> str:
    """Render a chat in ChatML with the assistant generation prompt appended."""
    turns = [f"<|im_start|>{message['role']}\n{message['content']}<|im_end|>\n" for message in chat]
    return "".join(turns) + "<|im_start|>assistant\n"


class OpenAICompatBackend(LanguageModelBackend):
    """Sample and score a model served over the OpenAI HTTP API.

    Args:
        base_url: the API root, for example ``"http://127.0.0.1:8000/v1"``.
        model: the served model id; None takes the first id from ``GET /models``.
        batch_size: prompts per ``/completions`` scoring request.
        chat_template: ``"chatml"`` or a local Hugging Face tokenizer folder whose chat template
            renders prompts for scoring.
        timeout: seconds per HTTP request.
        max_retries: retries after the first attempt for connection errors, time-outs, 429 and 5xx.
        backoff: seconds before the first retry; doubled for each later one.
    """

    def __init__(
        self,
        base_url: str,
        model: str | None = None,
        *,
        batch_size: int = 16,
        chat_template: str = "chatml",
        timeout: float = 60.0,
        max_retries: int = 3,
        backoff: float = 0.5,
    ):
        parsed = urllib.parse.urlparse(base_url)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise ValueError(f"server URL {base_url!r} is invalid; write it as openai:http://HOST:PORT/v1")
        if batch_size < 1 or max_retries < 0 or not timeout > 0:
            raise ValueError(
                f"batch_size={batch_size}, max_retries={max_retries}, timeout={timeout}: "
                "use batch_size >= 1, max_retries >= 0 and timeout > 0"
            )

        self.base_url = base_url.rstrip("/")
        self.batch_size = batch_size
        self.timeout = timeout
        self.max_retries = max_retries
        self.backoff = backoff
        self.render = self._template_renderer(chat_template)
        self.model = model or self._first_model_id()
        self.name = f"openai:{self.base_url}#{self.model}"

    @staticmethod
    def _template_renderer(chat_template: str):
        if chat_template == "chatml":
            return render_chatml

        from transformers import AutoTokenizer

        tokenizer = AutoTokenizer.from_pretrained(chat_template, local_files_only=True, trust_remote_code=False)
        return lambda chat: tokenizer.apply_chat_template(chat, tokenize=False, add_generation_prompt=True)

    def _first_model_id(self) -> str:
        listing = self._request("GET", "/models")
        models = listing.get("data") or []
        if not models or "id" not in models[0]:
            raise ServerError(f"{self.base_url}/models lists no model; append #MODEL to the openai: spec")
        return models[0]["id"]

    def _request(self, method: str, path: str, payload: dict | None = None) -> dict[str, Any]:
        """Send one JSON request, retrying transient failures, and return the decoded JSON body."""
        url = f"{self.base_url}{path}"
        body = None if payload is None else json.dumps(payload).encode("utf-8")
        headers = {"Content-Type": "application/json", "Accept": "application/json"}

        for attempt in range(self.max_retries + 1):
            request = urllib.request.Request(url, data=body, headers=headers, method=method)
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as response:
                    return json.loads(response.read().decode("utf-8"))
            except urllib.error.HTTPError as error:
                detail = error.read().decode("utf-8", "replace")[:300]
                failure = f"{method} {url} returned HTTP {error.code}: {detail}"
                if error.code not in RETRIED_STATUS:
                    raise ServerError(failure) from None
            except (urllib.error.URLError, TimeoutError, ConnectionError) as error:
                reason = getattr(error, "reason", error)
                failure = f"{method} {url} failed: {reason}"
            except json.JSONDecodeError:
                raise ServerError(f"{method} {url} returned a body that is not JSON") from None

            if attempt < self.max_retries:
                delay = self.backoff * 2**attempt
                logger.warning("%s; retry %d of %d in %.1f s", failure, attempt + 1, self.max_retries, delay)
                time.sleep(delay)

        raise ServerError(f"{failure} (gave up after {self.max_retries + 1} attempts)")

    def sample(
        self,
        chats: Sequence[Chat],
        num_samples: int,
        *,
        max_new_tokens: int,
        temperature: float = 1.0,
        seed: int = 0,
    ) -> list[list[str]]:
        """Draw ``num_samples`` chat completions per chat; chat ``i`` uses seed ``seed + 1000003 * i``."""
        if num_samples < 1 or max_new_tokens < 1:
            raise ValueError(f"num_samples={num_samples} and max_new_tokens={max_new_tokens} must both be at least 1")

        results = []
        for index, chat in enumerate(chats):
            chat_seed = seed + 1_000_003 * index
            texts = self._chat_completions(chat, num_samples, max_new_tokens, temperature, chat_seed)
            extra = 1
            while len(texts) < num_samples:
                texts += self._chat_completions(chat, 1, max_new_tokens, temperature, chat_seed + extra)
                extra += 1
            results.append(texts[:num_samples])
        return results

    def _chat_completions(self, chat: Chat, n: int, max_tokens: int, temperature: float, seed: int) -> list[str]:
        payload = {
            "model": self.model,
            "messages": chat,
            "n": n,
            "max_tokens": max_tokens,
            "temperature": temperature,
            "seed": seed,
        }
        choices = sorted(self._request("POST", "/chat/completions", payload).get("choices", []), key=lambda c: c.get("index", 0))
        return [(choice.get("message") or {}).get("content") or "" for choice in choices]

    def log_probs(self, chats: Sequence[Chat], continuations: Sequence[str]) -> np.ndarray:
        """Return log π(continuation_i | chat_i) in nats as a difference of echoed prompt log-probabilities."""
        if len(chats) != len(continuations):
            raise ValueError(f"log_probs got {len(chats)} chats and {len(continuations)} continuations; pass one per chat")

        prompts = [self.render(chat) for chat in chats]
        texts = list(dict.fromkeys(prompts + [p + c for p, c in zip(prompts, continuations)]))
        totals: dict[str, float] = {}
        for start in range(0, len(texts), self.batch_size):
            batch = texts[start:start + self.batch_size]
            totals.update(zip(batch, self._echo_log_prob_sums(batch)))

        return np.array([totals[p + c] - totals[p] for p, c in zip(prompts, continuations)], dtype=np.float64)

    def _echo_log_prob_sums(self, texts: list[str]) -> list[float]:
        """Return Σ log p(token) over the tokens of each text, echoed by ``/completions``."""
        payload = {"model": self.model, "prompt": texts, "echo": True, "logprobs": 1, "max_tokens": 0, "temperature": 0.0}
        choices = self._request("POST", "/completions", payload).get("choices", [])
        if len(choices) != len(texts):
            raise ServerError(f"{self.base_url}/completions returned {len(choices)} choices for {len(texts)} prompts")

        sums = []
        for choice, text in zip(sorted(choices, key=lambda c: c.get("index", 0)), texts):
            logprobs = choice.get("logprobs") or {}
            values = logprobs.get("token_logprobs")
            offsets = logprobs.get("text_offset")
            if values is None or offsets is None or len(values) != len(offsets):
                raise ServerError(
                    f"{self.base_url}/completions returned no usable echo logprobs; the server must support echo=true with logprobs"
                )
            # The first token has no log-probability (None); tokens at or past len(text) were generated.
            text_values = [value for value, offset in zip(values, offsets) if value is not None and offset < len(text)]
            if not all(math.isfinite(value) for value in text_values):
                raise ServerError(f"{self.base_url}/completions returned a non-finite token log-probability")
            sums.append(float(sum(text_values)))
        return sums
