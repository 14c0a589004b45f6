"""The example notebook runs from top to bottom against the shipped Groningen instance, and
shows what the API returns."""

from __future__ import annotations

from pathlib import Path

import pytest

NOTEBOOK = Path(__file__).resolve().parents[2] / "docs" / "examples" / "groningen.ipynb"


def test_groningen_notebook_runs() -> None:
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    nbclient.NotebookClient(notebook, timeout=600, kernel_name="python3").execute()
    text = "\n".join(str(output.get("text") or output.get("data", {}).get("text/plain", ""))
                     for cell in notebook.cells if cell.cell_type == "code"
                     for output in cell.get("outputs", []))
    assert "capplan/plan/1" in text
    assert "finish_gain_months" in text
    assert not [o for c in notebook.cells if c.cell_type == "code"
                for o in c.get("outputs", []) if o.get("output_type") == "error"]
