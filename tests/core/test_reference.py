"""Documentation that is written from the code stays current."""

from __future__ import annotations

from builders import ROOT
from capplan.core.reference import model_reference


def test_model_reference_is_current() -> None:
    """docs/model.md is what `python -m model.reference` writes from the docstrings."""
    assert (ROOT / "docs" / "model.md").read_text() == model_reference()
