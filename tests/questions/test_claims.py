"""Claims and calibration on the toy, solved by hand.

The toy (instances/toy.toml): 2,000 houses, 500 designs ready at the start, the other 1,500
released at the start with a design time of 365 days (one year: ready in 2026); execution
capacity 500 a year before 2025, at most 1,000, growing at most 250 a year; 500 done in 2024.
So 2025 can produce at most min(500 + 250, ready 500) = 500, 2026 at most 1,000 (the 1,500
designed arrive), 2027 the last 500: cumulative 1,000 / 2,000 / 2,500; p95 (2,375) in 2027.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from builders import INSTANCES, write_file
from capplan.api import claims

READY = """
[[assumption]]
id = "ready-at-start"
paths = ["segment.*.in_progress.ready"]
range = [0, 1000]
source = "test: the designs ready at the start are not known"
"""

DESIGN = """
[[assumption]]
id = "design-time"
paths = ["segment.houses.engineering_days"]
range = [100, 365]
source = "test: the design time is not known"
"""

SLOW = """
[scenarios.slow-design]
"segment.houses.engineering_days" = 730
"""


def toy(folder: Path, *blocks: str) -> Path:
    """The toy instance with assumption (and scenario) blocks appended."""
    return write_file(folder, "toy.toml",
                      (INSTANCES / "toy.toml").read_text() + "".join(blocks))


def claims_file(folder: Path, *requires: tuple[str, str] | tuple[str, str, str]) -> Path:
    """A claims file: (id, require) or (id, require, scenario) per claim."""
    text = ""
    for claim in requires:
        text += f'[[claim]]\nid = "{claim[0]}"\nrequire = "{claim[1]}"\n'
        if len(claim) == 3:
            text += f'scenario = "{claim[2]}"\n'
        text += "\n"
    return write_file(folder, "claims.toml", text)


def test_the_model_figures_of_each_kind_of_claim(tmp_path: Path) -> None:
    """At most 500 in 2025 (capacity 750, ready 500); at most 1,000 in any year (2026, the
    capacity maximum); earliest p95 2027 (2,000 done by 2026 < 2,375); at most 2,000 done by
    the end of 2026 (history 500 + 500 + 1,000); at least 0 in 2028 (a plan may finish in
    2027); 2024 is history: 500."""
    result = claims(toy(tmp_path), claims_file(
        tmp_path, ("y2025", "production 2025 >= 750"), ("peak", "peak production >= 1,001"),
        ("p95", "p95 <= 2027"), ("cum", "cumulative 2026 >= 2000"),
        ("low", "production 2028 <= 0"), ("hist", "production 2024 >= 500")))
    doc = result.to_dict()
    got = {c["id"]: (c["holds"], c["model_value"]) for c in doc["claims"]}
    assert got == {"y2025": (False, 500), "peak": (False, 1000), "p95": (True, "2027"),
                   "cum": (True, 2000), "low": (True, 0), "hist": (True, 500)}
    assert result.checked[1].year == 2026


def test_a_production_claim_needs_exactly_250_more_ready_designs(tmp_path: Path) -> None:
    """2025 >= 750: capacity allows 500 + 250 = 750 in 2025, the design time keeps the 1,500
    released out of 2025, so every one of the 750 must be ready at the start: 750 - 500 = 250
    more (a change of 250 / 1,000 of the range, the least)."""
    result = claims(toy(tmp_path, READY), claims_file(tmp_path,
                                                      ("y2025", "production 2025 >= 750")))
    doc = result.to_dict()["calibration"]
    assert doc["status"] == "found"
    assert doc["changes"][0] | {"range": None} == {
        "assumption": "ready-at-start", "path": "segment.houses.in_progress.ready",
        "from": 500, "to": 750, "range": None, "claims": ["y2025"]}
    assert doc["conflict"] == []
    assert "y2025 needs at least 750 designs ready at the start in houses (assumed 500)." in (
        result.sentences())


def test_an_override_of_an_assumption_is_where_it_starts_not_where_it_stays(
        tmp_path: Path) -> None:
    """--set segment.houses.in_progress.ready=400: 2025 can make at most 400; >= 750 needs
    750 ready (as without the override), 350 more than the 400 it starts from."""
    result = claims(toy(tmp_path, READY), claims_file(tmp_path,
                                                      ("y2025", "production 2025 >= 750")),
                    overrides=["segment.houses.in_progress.ready=400"])
    doc = result.to_dict()
    assert doc["claims"][0]["model_value"] == 400
    assert doc["calibration"]["status"] == "found"
    assert [(c["from"], c["to"]) for c in doc["calibration"]["changes"]] == [(400, 750)]


def test_a_claim_that_already_holds_changes_nothing(tmp_path: Path) -> None:
    """2025 >= 500 holds with the 500 ready designs: no change."""
    result = claims(toy(tmp_path, READY), claims_file(tmp_path,
                                                      ("y2025", "production 2025 >= 500")))
    doc = result.to_dict()
    assert doc["claims"][0]["holds"] is True
    assert doc["calibration"] == doc["calibration"] | {"status": "found", "changes": [],
                                                       "conflict": []}


def test_two_claims_that_conflict_are_reported_as_the_conflict(tmp_path: Path) -> None:
    """2025 >= 750 needs 250 more ready designs; done by the end of 2025 at most 1,100 means
    2025 produces at most 600: no value of the ready designs serves both, so they are the
    conflict (p95 by 2027 holds whatever); the largest consistent set leaves one out: leaving
    out the 750 needs no change, leaving out the 1,100 needs 250, so the 750 goes."""
    result = claims(toy(tmp_path, READY), claims_file(
        tmp_path, ("y2025", "production 2025 >= 750"), ("few", "cumulative 2025 <= 1100"),
        ("p95", "p95 <= 2027")))
    doc = result.to_dict()["calibration"]
    assert doc["status"] == "impossible"
    assert doc["conflict"] == ["y2025", "few"]
    assert doc["left_out"] == ["y2025"]
    assert doc["changes"] == []


def test_a_peak_claim_is_tried_in_every_year_before_it_is_said_not_to_hold(
        tmp_path: Path) -> None:
    """Some year >= 1,000 and done by the end of 2028 at most 1,400. On its own the peak is
    reached in 2026, 2027, 2028, 2029 and 2030 alike (capacity 500 + 250 + 250 = 1,000 from
    2026 on, 1,500 designed by then plus 500 ready): the preferred years are 2026-2028, the
    earliest of the equals. With 1,400 done by 2028 (history 500, so at most 900 planned in
    2025-2028) none of those years can make 1,000; 2029 can (1,000 in 2029, the other 1,000
    in 2030): the claims hold together as the instance is, no conflict, nothing changes."""
    result = claims(toy(tmp_path, READY), claims_file(
        tmp_path, ("peak", "peak production >= 1000"), ("late", "cumulative 2028 <= 1400")))
    doc = result.to_dict()
    assert [(c["holds"], c["model_value"]) for c in doc["claims"]] == [(True, 1000),
                                                                      (True, 500)]
    assert result.checked[0].year == 2026
    calibration = doc["calibration"]
    assert (calibration["status"], calibration["changes"], calibration["conflict"]) == (
        "found", [], [])
    assert calibration["verified"] is True


def test_a_range_that_stops_a_claim_is_named_with_the_value_it_needs(tmp_path: Path) -> None:
    """2025 >= 750 needs 750 ready designs; with the range [0, 600] it cannot: the claim is
    the conflict by itself and the range of ready-at-start stops it, needing 750."""
    narrow = READY.replace("[0, 1000]", "[0, 600]")
    result = claims(toy(tmp_path, narrow), claims_file(tmp_path,
                                                       ("y2025", "production 2025 >= 750")))
    doc = result.to_dict()["calibration"]
    assert doc["conflict"] == ["y2025"]
    assert doc["stopped_by"] == [{"assumption": "ready-at-start",
                                  "path": "segment.houses.in_progress.ready",
                                  "range": [0, 600], "needed": 750.0}]


def test_a_lead_time_is_found_by_search_to_the_day(tmp_path: Path) -> None:
    """2025 >= 750 with the 500 ready designs needs 250 of the 1,500 released designed within
    2025: a design time of d days finishes a share 1 - d / 365 of them in 2025 (a
    distributed lag), so 1,500 (1 - d / 365) >= 250, d <= 304.17: 304 days (250.7), and 305
    would give 246.6."""
    result = claims(toy(tmp_path, DESIGN), claims_file(tmp_path,
                                                       ("y2025", "production 2025 >= 750")))
    doc = result.to_dict()["calibration"]
    assert doc["searched"] == ["segment.houses.engineering_days"]
    assert [(c["path"], c["from"], c["to"]) for c in doc["changes"]] == [
        ("segment.houses.engineering_days", 365, 304)]


def test_scenarios_are_copies_sharing_the_assumptions(tmp_path: Path) -> None:
    """In the base, 2025 >= 600 needs 600 ready designs. In `slow-design` (730 days: the
    released are designed only in 2027) the ready designs are all 2025 and 2026 can do, up to
    750 + 1,000: done by the end of 2026 = 500 + ready, so >= 1,300 needs 800 ready. One value
    serves both copies: 800, the larger; back at 500 both fall short, so both need it."""
    result = claims(toy(tmp_path, READY, SLOW), claims_file(
        tmp_path, ("base", "production 2025 >= 600"),
        ("slow", "cumulative 2026 >= 1300", "slow-design")))
    changes = result.to_dict()["calibration"]["changes"]
    assert [(c["from"], c["to"], c["claims"]) for c in changes] == [(500, 800, ["base", "slow"])]


def test_write_saves_the_calibrated_instance_with_marks(tmp_path: Path) -> None:
    """The changed line carries the new value and `# calibrated: <claim ids>`; the saved
    instance reads back with only that value changed, and the claim then holds as it is."""
    target = tmp_path / "calibrated.toml"
    path = toy(tmp_path, READY)
    result = claims(path, claims_file(tmp_path, ("y2025", "production 2025 >= 750")),
                    write=target)
    assert result.written == str(target)
    line = next(x for x in target.read_text().splitlines() if x.startswith("in_progress"))
    assert line.startswith("in_progress = { ready = 750 }")
    assert line.endswith("# calibrated: y2025")
    before = path.read_text().splitlines()
    after = target.read_text().splitlines()
    assert [a for a, b in zip(before, after, strict=True) if a != b] == [
        "in_progress = { ready = 500 }  # assumption: 500 designs ready at the start"]
    again = claims(target, tmp_path / "claims.toml")
    assert again.checked[0].holds and again.calibration.changes() == []


def _as_workbook(folder: Path, toml: Path) -> Path:
    from capplan.inputs.load import load
    from capplan.inputs.workbook import template

    book = folder / "toy.xlsx"
    book.write_bytes(template(load(toml).instance))
    return book


def test_a_workbook_carries_the_assumptions_to_calibrate(tmp_path: Path) -> None:
    """The toy with its ready designs as an assumption, written to the template and read
    back: the sheet assumptions holds the block, and the calibration is the TOML's (2025 >=
    750 needs 750 ready, 250 more)."""
    book = _as_workbook(tmp_path, toy(tmp_path, READY))
    result = claims(book, claims_file(tmp_path, ("y2025", "production 2025 >= 750")))
    changes = result.to_dict()["calibration"]["changes"]
    assert [(c["assumption"], c["from"], c["to"]) for c in changes] == [
        ("ready-at-start", 500, 750)]


@pytest.mark.parametrize(("cells", "expected"), [
    ({"C3": 400, "D3": 300}, "assumption.[0].range (sheet assumptions, row 3, column low (C3)): "
                             "[400, 300] is empty (low must be below high)"),
    ({"B3": "segment.flats.in_progress.ready"},
     "assumption.ready-at-start.paths (sheet assumptions, row 3, column paths (B3)): "
     "'segment.flats.in_progress.ready' matches nothing"),
])
def test_a_bad_assumption_in_a_workbook_names_its_cell(tmp_path: Path, cells: dict[str, object],
                                                       expected: str) -> None:
    from openpyxl import load_workbook

    from capplan.errors import InputError

    book = _as_workbook(tmp_path, toy(tmp_path, READY))
    workbook = load_workbook(book)
    for cell, value in cells.items():
        workbook["assumptions"][cell] = value
    workbook.save(book)
    with pytest.raises(InputError) as caught:
        claims(book, claims_file(tmp_path, ("y2025", "production 2025 >= 750")))
    assert expected in caught.value.message()


@pytest.mark.parametrize(("blocks", "claim", "expected"), [
    ((READY,), ("c", "production 2025 >= 1", "nope"), "claim.c.scenario: scenarios.nope: no "
                                                      "such scenario"),
    ((READY,), ("c", "p95 <= 2031Q1"), "claim.c.require: '2031Q1' names a quarter but the "
                                       "granularity is year"),
    ((READY,), ("c", "p95 <= 2031"), "claim.c.require: 2031 is outside the horizon (2025..2030)"),
    ((READY,), ("c", "production 2019 >= 1"), "claim.c.require: 2019 is outside the horizon "
                                              "and the history (2024..2030)"),
    ((READY,), ("c", "p95 by 2027"), "claim.c.require: cannot read 'p95 by 2027': expected"),
    ((READY.replace("segment.*.", "segment.flats."),), ("c", "production 2025 >= 1"),
     "assumption.ready-at-start.paths: 'segment.flats.in_progress.ready' matches nothing"),
    ((READY.replace("[0, 1000]", "[400, 300]"),), ("c", "production 2025 >= 1"),
     "range: [400, 300] is empty (low must be below high)"),
    ((READY.replace("[0, 1000]", "[0, 100]"),), ("c", "production 2025 >= 1"),
     "assumption.ready-at-start.range: segment.houses.in_progress.ready is 500 at the "
     "instance, outside [0, 100]"),
])
def test_bad_claims_and_assumptions_are_input_errors(
        tmp_path: Path, blocks: tuple[str, ...], claim: tuple[str, ...], expected: str) -> None:
    from capplan.errors import InputError

    with pytest.raises(InputError) as caught:
        claims(toy(tmp_path, *blocks), claims_file(tmp_path, claim))  # type: ignore[arg-type]
    assert expected in caught.value.message()
