"""llama.cpp (through llama-cpp-python's low-level bindings) as the CPU reference for bench_llm.

The high-level ``llama_cpp.Llama`` class decodes one sequence at a time, so this module drives
``llama_decode`` directly with several sequences per batch (one KV-cache sequence id each, a
unified KV cache). It runs the same GGUF file as the transformers backend and takes token ids
from the transformers tokenizer, so both engines see identical inputs.

Install with ``pip install align-pro[bench]``. On CPUs with AMX, build it with
``CMAKE_ARGS="-DGGML_NATIVE=OFF -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF"``:
the default native build (llama-cpp-python 0.3.x) crashed in its AMX kernels on the first
decode on the benchmark machine.
"""

from __future__ import annotations

import ctypes

import numpy as np
import torch


class LlamaCppEngine:
    """One llama.cpp context that holds up to ``max_sequences`` sequences of ``max_tokens`` tokens in total."""

    def __init__(self, gguf_path: str, *, max_sequences: int, max_tokens: int, threads: int):
        import llama_cpp

        self.lib = llama_cpp
        # llama.cpp prints every graph input at load time; the callback drops its log lines.
        self._quiet = llama_cpp.llama_log_callback(lambda level, text, user_data: None)
        llama_cpp.llama_log_set(self._quiet, ctypes.c_void_p(0))
        llama_cpp.llama_backend_init()
        model_params = llama_cpp.llama_model_default_params()
        self.model = llama_cpp.llama_model_load_from_file(gguf_path.encode(), model_params)

        params = llama_cpp.llama_context_default_params()
        params.n_ctx = max_tokens
        params.n_batch = max_tokens
        params.n_ubatch = 512
        params.n_seq_max = max_sequences
        params.n_threads = threads
        params.n_threads_batch = threads
        params.kv_unified = True
        self.ctx = llama_cpp.llama_init_from_model(self.model, params)
        self.vocab_size = llama_cpp.llama_vocab_n_tokens(llama_cpp.llama_model_get_vocab(self.model))
        self.batch = llama_cpp.llama_batch_init(max_tokens, 0, 1)

    def _decode(self, entries: list[tuple[int, int, int, bool]]) -> np.ndarray:
        """Decode ``(token, position, sequence, wants_logits)`` entries; return the requested logits rows."""
        batch = self.batch
        batch.n_tokens = len(entries)
        for i, (token, position, sequence, wants_logits) in enumerate(entries):
            batch.token[i] = token
            batch.pos[i] = position
            batch.n_seq_id[i] = 1
            batch.seq_id[i][0] = sequence
            batch.logits[i] = int(wants_logits)

        status = self.lib.llama_decode(self.ctx, batch)
        if status != 0:
            raise RuntimeError(f"llama_decode failed with status {status}")

        outputs = sum(1 for entry in entries if entry[3])
        pointer = self.lib.llama_get_logits(self.ctx)
        flat = np.ctypeslib.as_array(ctypes.cast(pointer, ctypes.POINTER(ctypes.c_float)), shape=(outputs * self.vocab_size,))
        return flat.reshape(outputs, self.vocab_size).copy()

    def _clear(self) -> None:
        self.lib.llama_memory_clear(self.lib.llama_get_memory(self.ctx), True)

    def generate(self, prompts: list[list[int]], new_tokens: int, seed: int) -> list[list[int]]:
        """Sample exactly ``new_tokens`` tokens per prompt from the full distribution (no stop token)."""
        self._clear()
        generator = torch.Generator().manual_seed(seed)
        entries = [
            (token, position, sequence, position == len(prompt) - 1)
            for sequence, prompt in enumerate(prompts)
            for position, token in enumerate(prompt)
        ]
        logits = self._decode(entries)

        generated: list[list[int]] = [[] for _ in prompts]
        for step in range(new_tokens):
            probabilities = torch.softmax(torch.from_numpy(logits), dim=-1)
            tokens = torch.multinomial(probabilities, 1, generator=generator).squeeze(1).tolist()
            for sequence, token in enumerate(tokens):
                generated[sequence].append(token)
            if step + 1 < new_tokens:
                logits = self._decode(
                    [(token, len(prompts[s]) + step, s, True) for s, token in enumerate(tokens)]
                )
        return generated

    def score(self, pairs: list[tuple[list[int], list[int]]]) -> np.ndarray:
        """Return Σ log p(continuation tokens | prompt) per (prompt ids, continuation ids) pair, in nats."""
        self._clear()
        entries = []
        for sequence, (prompt, continuation) in enumerate(pairs):
            tokens = prompt + continuation
            for position, token in enumerate(tokens):
                predicts_continuation = len(prompt) - 1 <= position < len(tokens) - 1
                entries.append((token, position, sequence, predicts_continuation))
        logits = torch.from_numpy(self._decode(entries))

        log_probs = torch.log_softmax(logits.double(), dim=-1)
        targets = torch.tensor([token for _, continuation in pairs for token in continuation])
        token_scores = log_probs.gather(-1, targets.unsqueeze(-1)).squeeze(-1).numpy()
        bounds = np.cumsum([0] + [len(continuation) for _, continuation in pairs])
        return np.array([token_scores[bounds[i]:bounds[i + 1]].sum() for i in range(len(pairs))])

    def close(self) -> None:
        self.lib.llama_batch_free(self.batch)
        self.lib.llama_free(self.ctx)
        self.lib.llama_model_free(self.model)
