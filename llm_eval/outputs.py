"""Output-folder helpers of an evaluation: atomic writes, the run log and provenance.

Provenance records what produced a result: versions of the packages that compute it and the
SHA-256 of the model weight files, so that two summaries can be compared knowingly.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import platform
import tempfile
from importlib import metadata
from pathlib import Path
from typing import Iterator

logger = logging.getLogger(__name__)

#: Packages whose versions can change the numbers of an evaluation.
VERSIONED_PACKAGES = ("align-pro", "numpy", "scipy", "torch", "transformers", "tokenizers", "gguf")

#: Weight-file suffixes hashed for a local model folder.
WEIGHT_SUFFIXES = (".safetensors", ".bin", ".gguf", ".pt")


def write_text_atomic(path: str | os.PathLike, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file and a rename, so readers never see half a file."""
    path = Path(path)
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


class _ForwardAbove(logging.Handler):
    """Pass records at or above ``threshold`` on to the handlers of the root logger."""

    def __init__(self, threshold: int) -> None:
        super().__init__()
        self.threshold = threshold

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno >= self.threshold:
            logging.getLogger().handle(record)


@contextlib.contextmanager
def log_to_file(path: str | os.PathLike, level: int = logging.INFO) -> Iterator[None]:
    """Copy the records of the ``llm_eval`` loggers at ``level`` and above to ``path`` (appending) while active.

    The console keeps the level it had before: the package logger stops propagating for the
    duration and forwards to the root handlers only the records that would have reached them.
    """
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setLevel(level)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))

    package_logger = logging.getLogger("llm_eval")
    previous = (package_logger.level, package_logger.propagate)
    forward = _ForwardAbove(package_logger.getEffectiveLevel())
    package_logger.setLevel(min(level, package_logger.getEffectiveLevel()))
    package_logger.propagate = False
    package_logger.addHandler(handler)
    package_logger.addHandler(forward)
    try:
        yield
    except BaseException as error:
        # Only the file gets this line: the command line prints the error itself, once.
        record = package_logger.makeRecord(
            package_logger.name, logging.ERROR, __file__, 0, "run stopped: %s: %s", (type(error).__name__, error), None
        )
        handler.handle(record)
        raise
    finally:
        package_logger.removeHandler(forward)
        package_logger.removeHandler(handler)
        package_logger.setLevel(previous[0])
        package_logger.propagate = previous[1]
        handler.close()


def package_versions() -> dict[str, str | None]:
    """Return the installed version of each package in ``VERSIONED_PACKAGES`` (None when not installed)."""
    versions: dict[str, str | None] = {"python": platform.python_version()}
    for name in VERSIONED_PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def file_sha256(path: str | os.PathLike, chunk_bytes: int = 1 << 20) -> str:
    """Return the hexadecimal SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(chunk_bytes), b""):
            digest.update(chunk)
    return digest.hexdigest()


def model_file_hashes(path: str | os.PathLike) -> dict[str, str]:
    """Return {file name: SHA-256} of a model file, or of the weight files and config of a model folder."""
    path = Path(path)
    if path.is_file():
        return {path.name: file_sha256(path)}

    files = sorted(p for p in path.iterdir() if p.suffix in WEIGHT_SUFFIXES or p.name == "config.json")
    return {p.name: file_sha256(p) for p in files}
