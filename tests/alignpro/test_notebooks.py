"""Checks of the notebooks as files; pytest executes them itself through ``--nbmake`` (see pyproject.toml)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[2] / "notebooks").glob("*.ipynb"))


def test_three_notebooks_present():
    assert [path.name for path in NOTEBOOKS] == ["01_bounds_explorer.ipynb", "02_simulations.ipynb", "03_llm_eval.ipynb"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.name)
def test_notebook_committed_without_outputs(path):
    notebook = nbformat.read(path, as_version=4)
    nbformat.validate(notebook)

    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [], cell.source[:60]
            assert cell.execution_count is None, cell.source[:60]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.name)
def test_first_code_cell_reads_size_switch(path):
    notebook = nbformat.read(path, as_version=4)
    first_code = next(cell for cell in notebook.cells if cell.cell_type == "code")

    assert 'os.environ.get("ALIGNPRO_NOTEBOOK_SMALL"' in first_code.source
    assert notebook.cells[0].cell_type == "markdown"


def test_failing_notebook_fails_pytest(tmp_path):
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("raise RuntimeError('deliberate failure')")])
    notebook.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python", "name": "python3"}
    nbformat.write(notebook, tmp_path / "broken.ipynb")

    completed = subprocess.run(
        [sys.executable, "-m", "pytest", "--nbmake", "-q", "-p", "no:cacheprovider", "broken.ipynb"],
        cwd=tmp_path, capture_output=True, text=True, timeout=300,
    )

    assert completed.returncode == 1, completed.stdout
    assert "deliberate failure" in completed.stdout
