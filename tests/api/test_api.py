"""The Python API: typed results whose documents are the CLI's, variants made in memory, and
an import that stays light."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import capplan
from capplan.inputs import load as load_module
from capplan.report.documents import Result

ROOT = Path(__file__).resolve().parents[2]
TOY = ROOT / "instances" / "toy.toml"


def _steady(doc: dict[str, object]) -> dict[str, object]:
    """A document without what varies run to run (timings)."""
    return {k: v for k, v in doc.items() if k != "solver"}


def test_plan_of_the_toy_by_hand() -> None:
    """The README's worked example: 500 ready designs executed in 2025, the rate ramps
    500 -> 750 -> 1,000, so 1,000 in 2026 and the last 500 in 2027; p50 (1,250 of 2,500)
    falls in 2026, p95 and the finish in 2027; waiting 1,500 + 500 = 2,000 item-years."""
    result = capplan.plan(TOY)
    assert result.status == "optimal"
    assert result.milestones == {"p50": "2026", "p95": "2027", "finish": "2027"}
    assert isinstance(result.trajectory, pd.DataFrame)
    assert list(result.trajectory["completed"]) == [500, 500, 1000, 500]
    doc = result.to_dict()
    assert doc["schema"] == "capplan/plan/1"
    assert doc["objective"]["waiting"] == pytest.approx(2000.0)


def test_plan_document_is_the_cli_json(capsys: pytest.CaptureFixture[str],
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """`capplan plan --format json` prints the API result's `to_dict()`."""
    from capplan.cli import main

    monkeypatch.setattr(sys, "argv", ["capplan", "plan", str(TOY), "--format", "json",
                                      "--no-ledger"])
    with pytest.raises(SystemExit) as exit_:
        main()
    assert exit_.value.code == 0
    printed = json.loads(capsys.readouterr().out)
    assert _steady(printed) == _steady(capplan.plan(TOY).to_dict())


def test_every_result_has_a_versioned_document() -> None:
    """Each command's document names its schema; tables are DataFrames."""
    loaded = capplan.load(TOY)
    results: list[Result] = [
        capplan.validate(loaded),
        capplan.compare(loaded, vary=["capacity.execution.max=1000,1500"]),
        capplan.whatif(loaded, add=["execution=+250@2026"]),
        capplan.explain(loaded),
        capplan.tradeoff(loaded, periods=1),
        capplan.evaluate(loaded, {2024: 500, 2025: 500, 2026: 1000, 2027: 500}),
    ]
    for result in results:
        doc = result.to_dict()
        assert doc["schema"] == f"capplan/{result.kind}/1"
        json.dumps(doc)  # plain JSON
        assert all(isinstance(t, pd.DataFrame) for t in result.tables().values())


def test_whatif_gains_on_the_toy() -> None:
    """250 more execution capacity from 2026 on: the rate may reach 1,250 in 2026, and the
    pipeline then holds 1,500 designs for 2026 (the 1,500 engineered in 2025), so 1,250 in
    2026 and 250 in 2027: the finish stays 2027 (12 months gained: none); waiting falls by
    250 item-years (250 items done a year earlier)."""
    result = capplan.whatif(TOY, add=["execution=+250@2026"])
    assert result.gains is not None
    assert result.gains["finish_gain_months"] == 0
    assert result.gains["waiting_saved"] == pytest.approx(250.0)


def test_variants_are_made_in_memory(monkeypatch: pytest.MonkeyPatch) -> None:
    """`whatif --marginal` solves a dozen variants; the instance file is read once."""
    reads: list[Path] = []
    original = load_module.read_input

    def counting(path: Path) -> bytes:
        reads.append(path)
        return original(path)

    monkeypatch.setattr(load_module, "read_input", counting)
    result = capplan.whatif(TOY, marginal=True)
    assert result.marginal is not None and len(result.marginal) >= 2
    assert reads == [TOY]


def test_load_derives_a_variant_without_reading(monkeypatch: pytest.MonkeyPatch) -> None:
    """A loaded instance varied by overrides keeps its hash and path and reads nothing."""
    loaded = capplan.load(TOY)
    monkeypatch.setattr(load_module, "read_input", lambda path: pytest.fail("read again"))
    varied = capplan.load(loaded, overrides=["capacity.execution.max=1500"])
    assert varied.sha256 == loaded.sha256 and varied.path == loaded.path
    assert varied.instance.capacity.execution is not None
    assert varied.instance.capacity.execution.max == 1500
    assert loaded.instance.capacity.execution is not None
    assert loaded.instance.capacity.execution.max == 1000
    assert capplan.plan(varied).milestones["finish"] == "2027"


def test_bad_input_is_an_input_error() -> None:
    with pytest.raises(capplan.errors.InputError, match="no such scenario"):
        capplan.plan(TOY, scenario="nothing")


def test_api_names_stay_functions() -> None:
    """`capplan.residents` is the API function even after the residents wing is imported."""
    import capplan.residents.notices

    assert callable(capplan.residents)
    assert capplan.residents is capplan.api.residents


@pytest.mark.parametrize("code", [
    "import capplan",
    "import sys; sys.argv = ['capplan', '--help']\n"
    "from capplan.cli import main\n"
    "try:\n    main()\nexcept SystemExit:\n    pass",
])
def test_start_up_is_light(code: str) -> None:
    """Neither `import capplan` nor `capplan --help` imports pydantic, numpy or pandas."""
    probe = (code + "\nimport sys\nprint('heavy:' + ','.join(m for m in ('pydantic', 'numpy', "
             "'pandas', 'pyarrow') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         check=True).stdout.splitlines()
    assert out[-1] == "heavy:"
