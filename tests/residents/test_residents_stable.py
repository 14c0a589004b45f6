"""A letter moves only when the plan did: the same plan and samples move nobody."""

from __future__ import annotations

from pathlib import Path

import pytest

import capplan
from builders import VARIED_RISKS, toy_register, with_risks

pytestmark = pytest.mark.usefixtures("pseudonym_key")


def test_an_unchanged_plan_moves_nobody(tmp_path: Path) -> None:
    """Residents' windows over five risk samples, then again with the first run's letters as
    `previous`: the plan and the samples are the same, so no window moves and no reason is
    given."""
    instance = with_risks(tmp_path, VARIED_RISKS)
    register = toy_register(tmp_path / "register.csv")
    first = capplan.residents(instance, register, samples=5, workers=1)
    assert first.residents is not None
    previous = tmp_path / "residents.csv"
    first.tables()["residents"].to_csv(previous, index=False)
    again = capplan.residents(instance, register, samples=5, workers=1, previous=previous)
    assert again.residents is not None
    table = again.residents.table
    assert len(table) == 2000
    assert (table["moved_quarters"] == 0).all()
    assert table["reason"].fillna("").eq("").all()


def test_a_range_that_only_widened_says_so(tmp_path: Path) -> None:
    """A letter from the plan alone (no samples: the range is the plan's quarter), then one
    over five risk samples: where an address's range now ends later, its expected quarter did
    not move, so the reason given is the range, not a new plan."""
    instance = with_risks(tmp_path, VARIED_RISKS)
    register = toy_register(tmp_path / "register.csv")
    first = capplan.residents(instance, register, samples=0)
    previous = tmp_path / "residents.csv"
    first.tables()["residents"].to_csv(previous, index=False)
    again = capplan.residents(instance, register, samples=5, workers=1, previous=previous)
    assert again.residents is not None
    table = again.residents.table
    moved = table[table["moved_quarters"].fillna(0) != 0]
    assert len(moved) > 0
    assert set(moved["reason_key"]) == {"samples"}
    assert moved["reason"].str.contains("the plan itself did not change").all()
