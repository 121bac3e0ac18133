"""Run the notebooks under pytest (``--nbmake``) with small sizes.

Each notebook's first code cell reads ``ALIGNPRO_NOTEBOOK_SMALL``; the kernels that nbmake starts
inherit this process's environment, so setting it here makes every notebook test small. A user who
opens a notebook in Jupyter gets the full sizes.
"""

import os
from pathlib import Path

import pytest

os.environ["ALIGNPRO_NOTEBOOK_SMALL"] = "1"
# The notebooks read models only from local files.
os.environ["HF_HUB_OFFLINE"] = "1"

# Notebooks that run the embedded language model, deselected by `-m "not llm"` like the llm tests.
LLM_NOTEBOOKS = {"03_llm_eval.ipynb"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark the notebooks that load the embedded model with ``llm``."""
    for item in items:
        if Path(str(item.path)).name in LLM_NOTEBOOKS:
            item.add_marker(pytest.mark.llm)
