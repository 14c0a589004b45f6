"""The advice letter's annex: built once for the Groningen instance (every scenario, no risk
samples), recorded in the ledger, rendered in Dutch and English as Word and HTML, and read
back: python-docx for the Word file, html5lib (strict) for the page."""

from __future__ import annotations

import base64
import io
import json
import re
from pathlib import Path
from typing import Any

import pytest

import capplan
from builders import INSTANCES, VARIED_RISKS, with_risks
from builders import run_cli as run

docx = pytest.importorskip("docx")
html5lib = pytest.importorskip("html5lib")

GRONINGEN = INSTANCES / "groningen-2024.toml"


@pytest.fixture(scope="module")
def annex(tmp_path_factory: pytest.TempPathFactory) -> Any:
    result = capplan.report(GRONINGEN, samples=0)
    ledger = tmp_path_factory.mktemp("ledger") / "runs.sqlite"
    result.run_id = capplan.record(result, ledger)
    return result


@pytest.fixture(scope="module")
def plan_json() -> dict[str, Any]:
    """`capplan plan groningen-2024 --format json`'s document."""
    return capplan.plan(GRONINGEN).to_dict()


def _words(document: Any) -> str:
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        parts += [cell.text for row in table.rows for cell in row.cells]
    return "\n".join(parts)


def _number(text: str, lang: str) -> int:
    return int(text.replace("." if lang == "nl" else ",", ""))


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_word_annex(annex: Any, plan_json: dict[str, Any], lang: str) -> None:
    """The yearly table's base column equals `plan --format json`'s trajectory, realised
    years marked; every scenario is a column or a row; every assumption of the file is
    listed with its line; the ledger id and input hash are stated."""
    document = docx.Document(io.BytesIO(annex.document(lang, "docx")))
    targets = document.tables[0]
    header = [c.text for c in targets.rows[0].cells]
    assert header[0] == ("jaar" if lang == "nl" else "year")
    base = header.index("base")
    mark = " (G)" if lang == "nl" else " (R)"
    table = {row.cells[0].text: _number(row.cells[base].text, lang) for row in targets.rows[1:]}
    for record in plan_json["trajectory"]:
        key = str(record["year"]) + (mark if record["realised"] else "")
        assert table[key] == record["completed"]
    scenarios = capplan.load(GRONINGEN).instance.scenarios
    milestones = {row.cells[0].text for row in document.tables[2].rows[1:]}
    assert milestones == {"base", *scenarios}
    assert {"base", *scenarios} - {"deadline-2028"} <= set(header)
    text = _words(document)
    source_lines = GRONINGEN.read_text(encoding="utf-8").splitlines()
    listed = {(row.cells[0].text, row.cells[2].text) for row in document.tables[-1].rows[1:]}
    comments = {k: _comment(line) for k, line in enumerate(source_lines, 1)}
    expected = {(str(k), c) for k, c in comments.items()
                if c is not None and ("assumption" in c.lower() or "docs/sources.md" in c)}
    assert expected and expected == listed
    assert f"run {annex.run_id}" in text and annex.loaded.sha256 in text
    assert len(document.inline_shapes) == 1  # the cumulative chart (no risk samples here)


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_html_annex_valid_and_self_contained(annex: Any, lang: str) -> None:
    page = annex.document(lang, "html")
    html5lib.HTMLParser(strict=True).parse(page)  # raises on any parse error
    text = page.decode("utf-8")
    assert f'<html lang="{lang}">' in text
    images = re.findall(r'<img src="data:image/png;base64,([^"]+)"', text)
    assert len(images) == 1
    assert base64.b64decode(images[0]).startswith(b"\x89PNG")
    assert "http://" not in text and "https://" not in text
    assert "15.644" in text if lang == "nl" else "15,644" in text


def test_dutch_annex_says_everything_in_dutch(annex: Any) -> None:
    """The deadline-2028 scenario (a hard deadline for all 9,786 remaining addresses, docs/
    sources.md) has no plan: its reason in Dutch; the tail's sentences (segments, the limits
    that bind, the best change) as the English annex has them, in Dutch."""
    nl = _words(docx.Document(io.BytesIO(annex.document("nl", "docx"))))
    en = _words(docx.Document(io.BytesIO(annex.document("en", "docx"))))
    assert "Niet te halen: alle 9.786 resterende adressen gereed aan het eind van 2028" in nl
    assert "Cannot meet: all 9,786 remaining items done by the end of 2028" in en
    assert "Cannot meet" not in nl and "bound by" not in nl
    assert "van de laatste 5%" in nl and "begrensd door" in nl
    assert "of the last 5%" in en and "bound by" in en


def test_measure_price_in_every_scenario(annex: Any) -> None:
    """On the calibrated instance measure 29 costs nothing in any scenario (its 90 days of
    engineering find room in every plan: 2028Q4 with and without under `pessimistic`);
    measure 28 costs 3 months of p95 under `pessimistic` (2028Q3 -> 2028Q4) and does not move
    the finish; every optimal scenario is priced."""
    prices = {(p["measure"], p["scenario"]): p for p in annex.prices}
    assert {p["p95_months"] for (m, _), p in prices.items() if m == "M29"} == {0}
    assert {p["finish_months"] for (m, _), p in prices.items() if m == "M29"} == {0}
    pessimistic = prices["M28", "pessimistic"]
    assert (pessimistic["p95_without"], pessimistic["p95_with"]) == ("2028Q3", "2028Q4")
    assert pessimistic["p95_months"] == 3 and pessimistic["finish_months"] == 0
    assert {s for _, s in prices} == {p.label for p in annex.plans if p.optimal}


def test_recorded_in_the_ledger(annex: Any, tmp_path: Path) -> None:
    ledger = tmp_path / "runs.sqlite"
    run_id = capplan.record(annex, ledger)
    shown = capplan.api.show_run(run_id, ledger)
    document = shown["document"] if isinstance(shown["document"], dict) else json.loads(
        shown["document"])
    assert document["schema"] == "capplan/report/1"
    assert document["input_sha256"] == annex.loaded.sha256


def test_cli_annex_with_risks(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                              monkeypatch: pytest.MonkeyPatch) -> None:
    """The toy with two risks: the annex holds the fan and the heatmap; recorded."""
    toy = with_risks(tmp_path, VARIED_RISKS)
    out = tmp_path / "annex.html"
    code, stdout, err = run(capsys, monkeypatch, "report", str(toy), "--out", str(out),
                            "--samples", "8", "--tornado-samples", "4", "--workers", "1",
                            "--lang", "en", "-q")
    assert code == 0, err
    assert "recorded as run" in err and f"wrote {out}" in stdout
    page = out.read_text(encoding="utf-8")
    html5lib.HTMLParser(strict=True).parse(page)
    assert page.count('<img src="data:image/png;base64,') == 3  # cumulative, fan, heatmap


def test_cli_refuses_without_the_extra(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "docx" else real(name, *a))
    out = tmp_path / "annex.docx"
    code, _, err = run(capsys, monkeypatch, "report", str(INSTANCES / "toy.toml"), "--out",
                       str(out))
    assert code == 2
    assert "pip install 'capplan[report]'" in err and "python-docx" in err
    assert not out.exists()
    code, _, err = run(capsys, monkeypatch, "report", str(INSTANCES / "toy.toml"), "--out",
                       str(tmp_path / "annex.pdf"))
    assert code == 2 and "annex.docx or an annex.html" in err


def _comment(line: str) -> str | None:
    """A TOML line's comment: the text after the first `#` outside a quoted string (the
    assumption blocks' sources hold `docs/sources.md#...` inside their strings)."""
    quote = None
    for k, char in enumerate(line):
        if quote is not None:
            quote = None if char == quote else quote
        elif char in "\"'":
            quote = char
        elif char == "#":
            return line[k + 1:].strip()
    return None
