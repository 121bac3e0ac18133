"""An append-only JSON Lines file of evaluation records, keyed so that a resumed run never duplicates one.

Each line is one JSON object with a ``key`` field, a list such as ``[prompt_id, "response", "raw",
null, 3]``. :class:`SampleStore` loads the existing lines, then appends new records one line at a
time, flushed immediately, so a killed run loses at most the line being written. On loading:

- a last line without its newline, or a last line that is not valid JSON, is the trace of a kill
  in the middle of a write. It is dropped and the file is truncated to the last complete line;
- an invalid line anywhere else means the file was damaged, and raises ``ValueError`` with the
  line number;
- log-probability −inf (a response impossible under a prompt) is written as ``-Infinity``, which
  Python's ``json`` module reads back;
- a key seen twice keeps the first record and logs a warning (appends check keys, so this only
  happens when the file was edited by hand).
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any, Iterator

logger = logging.getLogger(__name__)


def _key(record: dict[str, Any], where: str) -> tuple:
    """Return the record's key as a tuple, raising if it is missing."""
    key = record.get("key") if isinstance(record, dict) else None
    if not isinstance(key, list):
        raise ValueError(f"{where}: expected a JSON object with a list field 'key', got {str(record)[:80]}")
    return tuple(key)


class SampleStore:
    """Records of one evaluation, in file order, backed by a JSON Lines file."""

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = Path(path)
        self._records: dict[tuple, dict[str, Any]] = {}
        if self.path.exists():
            self._load()
        self._handle = self.path.open("a", encoding="utf-8")

    def _load(self) -> None:
        data = self.path.read_bytes()
        complete_end = data.rfind(b"\n") + 1
        if complete_end < len(data):
            logger.warning("%s: dropped a partially written last line (%d bytes)", self.path, len(data) - complete_end)

        lines = data[:complete_end].decode("utf-8").split("\n")[:-1]
        kept_bytes = 0
        for number, line in enumerate(lines, start=1):
            try:
                record = json.loads(line)
                key = _key(record, f"{self.path}, line {number}")
            except (json.JSONDecodeError, ValueError) as error:
                if number == len(lines):
                    logger.warning("%s: dropped an invalid last line %d (%s)", self.path, number, error)
                    break
                raise ValueError(
                    f"{self.path}, line {number}: not a valid record ({error}); the file is damaged, "
                    "so delete that line or start a new --out folder"
                ) from error

            kept_bytes += len(line.encode("utf-8")) + 1
            if key in self._records:
                logger.warning("%s, line %d: duplicate key %s ignored", self.path, number, list(key))
                continue
            self._records[key] = record

        if kept_bytes < len(data):
            with self.path.open("r+b") as handle:
                handle.truncate(kept_bytes)
        logger.info("%s: loaded %d records", self.path, len(self._records))

    def __len__(self) -> int:
        return len(self._records)

    def __contains__(self, key: tuple) -> bool:
        return tuple(key) in self._records

    def get(self, key: tuple) -> dict[str, Any] | None:
        """Return the record stored under ``key``, or None."""
        return self._records.get(tuple(key))

    def records(self) -> Iterator[dict[str, Any]]:
        """Iterate over the records in the order they were first written."""
        return iter(self._records.values())

    def append(self, record: dict[str, Any]) -> bool:
        """Write ``record`` as one flushed line unless its key is already stored; return whether it was written."""
        key = _key(record, "record")
        if key in self._records:
            return False

        self._handle.write(json.dumps(record, ensure_ascii=False) + "\n")
        self._handle.flush()
        self._records[key] = record
        return True

    def close(self) -> None:
        """Close the file."""
        self._handle.close()

    def __enter__(self) -> "SampleStore":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()
