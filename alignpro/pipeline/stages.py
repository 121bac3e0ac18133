"""The stage ledger of a reproduce run: which stages finished, with which settings and figures.

``stages.json`` in the output folder maps each finished stage to its settings, wall time and the
figures it wrote. A stage is recorded only after all of its files exist, so a run interrupted
inside a stage finds no record and runs that stage again. The sweep and the evaluation then resume
through their own part files and sample store. A recorded stage whose settings differ from the
current ones raises ``ValueError``, because mixing results of two configurations in one report
would be wrong.
"""

from __future__ import annotations

import json
import logging
import os
import time
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

LEDGER_FILE = "stages.json"


class StageLedger:
    """Read and update ``stages.json`` of an output folder."""

    def __init__(self, out_dir: Path) -> None:
        self.path = Path(out_dir) / LEDGER_FILE
        self.records: dict[str, dict[str, Any]] = {}
        if self.path.is_file():
            self.records = json.loads(self.path.read_text(encoding="utf-8"))

    def is_done(self, stage: str, settings: dict[str, Any]) -> bool:
        """Return True when ``stage`` finished with these ``settings``; raise when it finished with others."""
        record = self.records.get(stage)
        if record is None:
            return False

        # JSON turns tuples into lists, so compare the JSON forms.
        current = json.loads(json.dumps(settings))
        if record["settings"] != current:
            changed = sorted(key for key in set(record["settings"]) | set(current) if record["settings"].get(key) != current.get(key))
            raise ValueError(
                f"out: stage {stage!r} in {self.path.parent} finished with other settings "
                f"(changed: {', '.join(changed)}; {changed[0]} was {record['settings'].get(changed[0])!r}, now {current.get(changed[0])!r}); "
                "rerun with the same options or choose another --out folder"
            )
        return True

    def figures(self, stage: str) -> list[str]:
        """Return the figures (paths relative to the output folder) recorded for ``stage``."""
        return list(self.records.get(stage, {}).get("figures", []))

    def mark_done(self, stage: str, settings: dict[str, Any], seconds: float, figures: list[str]) -> None:
        """Record ``stage`` as finished and write the ledger atomically."""
        self.records[stage] = {
            "settings": json.loads(json.dumps(settings)),
            "seconds": round(seconds, 2),
            "finished_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "figures": figures,
        }
        temporary = self.path.with_name(self.path.name + ".tmp")
        temporary.write_text(json.dumps(self.records, indent=2, ensure_ascii=False), encoding="utf-8")
        os.replace(temporary, self.path)
        logger.info("stage %s finished in %.1f s", stage, seconds)
