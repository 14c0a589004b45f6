"""The instance template in Dutch (`capplan template --lang nl`): its units, notes, meanings
and validation messages come from model/inputs/templates/workbook.nl.toml; its sheet names,
headers and keys are the English ones, so a Dutch workbook reads back to the same instance."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

import capplan
from builders import INSTANCES, run_cli
from capplan.inputs.workbook import KEYS, SHEETS, VALIDATION, WORDING, wording

GRONINGEN = str(INSTANCES / "groningen-2024.toml")


def _toml() -> dict[str, Any]:
    """The Dutch wording as the shipped file holds it."""
    with WORDING["nl"].open("rb") as file:
        return tomllib.load(file)


def _write(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
           lang: str) -> Path:
    path = tmp_path / f"{lang}.xlsx"
    code, _, err = run_cli(capsys, monkeypatch, "template", str(path), "--from", GRONINGEN,
                           "--lang", lang)
    assert code == 0, err
    return path


@pytest.fixture
def books(tmp_path: Path, capsys: pytest.CaptureFixture[str],
          monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    """The Groningen template in English and in Dutch."""
    return (_write(tmp_path, capsys, monkeypatch, "en"),
            _write(tmp_path, capsys, monkeypatch, "nl"))


def test_every_english_text_has_one_dutch_entry_and_none_is_stale() -> None:
    """The TOML has exactly the parts, units, notes (by sheet and column), meanings (by sheet
    and key) and validation sentences of the English template: nothing missing, nothing
    unused; every note and meaning is actually reworded, and {choices} is kept."""
    en, nl = wording("en"), _toml()
    assert set(nl) == set(en) == {"units", "notes", "meanings", "validation"}
    units = {unit for table in (SHEETS, KEYS) for rows in table.values() for _, unit, _ in rows
             if unit}
    assert set(nl["units"]) == units == set(en["units"])
    for part in ("notes", "meanings"):
        assert {s: set(t) for s, t in nl[part].items()} == \
            {s: set(t) for s, t in en[part].items() if t}
        for sheet, texts in nl[part].items():
            for key, text in texts.items():
                assert text.strip() and text != en[part][sheet][key], (part, sheet, key)
    assert set(nl["validation"]) == set(VALIDATION)
    assert "{choices}" in nl["validation"]["choose"]
    assert wording("nl") == nl


def test_dutch_template_has_dutch_help_and_the_same_format(books: tuple[Path, Path]) -> None:
    """Sheet names, headers and keys as in English; row 2, the header notes and the unit and
    meaning columns Dutch, each meaning differing from the English one; `start` means
    'eerste jaar van de planning', as the TOML says."""
    en, nl = (load_workbook(path) for path in books)
    dutch = _toml()
    assert nl.sheetnames == en.sheetnames == list(SHEETS)
    for sheet, columns in SHEETS.items():
        ws, english = nl[sheet], en[sheet]
        assert [c.value for c in ws[1]] == [c.value for c in english[1]] == \
            [name for name, _, _ in columns]
        for col, (name, unit, note) in enumerate(columns, start=1):
            assert ws.cell(2, col).value == (dutch["units"][unit] if unit else None)
            if note:
                assert ws.cell(1, col).comment.text == dutch["notes"][sheet][name]
                assert english.cell(1, col).comment.text == note
    assert nl["segments"]["C2"].value == "adressen"
    assert nl["segments"]["D1"].comment.text == "doorlooptijd engineering"
    for sheet, keys in KEYS.items():
        rows = list(nl[sheet].iter_rows(min_row=3, max_row=2 + len(keys), values_only=True))
        english_rows = list(en[sheet].iter_rows(min_row=3, max_row=2 + len(keys),
                                                values_only=True))
        for (key, value, unit, meaning), (en_key, en_value, en_unit, en_meaning), \
                (k, u, m) in zip(rows, english_rows, keys, strict=True):
            assert key == en_key == k and value == en_value
            assert unit == dutch["units"][u] and en_unit == u
            assert meaning == dutch["meanings"][sheet][key] != en_meaning == m
    start = next(row for row in nl["programme"].iter_rows(min_row=3, values_only=True)
                 if row[0] == "start")
    assert start[3] == dutch["meanings"]["programme"]["start"] == "eerste jaar van de planning"


def test_dutch_validation_messages(books: tuple[Path, Path]) -> None:
    """Each column's rule is the English rule (same cells, type, bounds, list) with a Dutch
    prompt and error: the column, its Dutch note and unit, then a Dutch sentence; no English
    sentence is left."""
    en, nl = (load_workbook(path) for path in books)
    sentences = _toml()["validation"]
    for sheet in SHEETS:
        rules = {str(r.sqref): r for r in nl[sheet].data_validations.dataValidation}
        english = {str(r.sqref): r for r in en[sheet].data_validations.dataValidation}
        assert set(rules) == set(english)
        for cells, rule in rules.items():
            was = english[cells]
            assert (rule.type, rule.operator, rule.formula1, rule.formula2, rule.errorStyle) \
                == (was.type, was.operator, was.formula1, was.formula2, was.errorStyle)
            assert rule.errorTitle == was.errorTitle and rule.promptTitle == was.promptTitle
            assert rule.prompt == rule.error != was.error
            assert not any(s.split("{")[0] in rule.error for s in VALIDATION.values())
            assert any(s.split("{")[0] in rule.error for s in sentences.values())
    stage = next(r for r in nl["capacity"].data_validations.dataValidation
                 if str(r.sqref) == "A3:A500")
    assert stage.error == ("stage: fase: engineering of execution (uitvoering). Kies een van: "
                           "engineering, execution.")
    count = next(r for r in nl["segments"].data_validations.dataValidation
                 if str(r.sqref) == "C3:C500")
    assert count.error == ("count: resterend, ook de adressen die al onderhanden zijn "
                           "(adressen). Een geheel getal, 0 of meer.")


def test_dutch_template_reads_back_to_the_same_instance(
        books: tuple[Path, Path], capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Filled from Groningen, the Dutch and English templates load as the same instance, the
    one the TOML file gives, and both validate."""
    en, nl = books
    dutch = capplan.load(nl).instance.model_dump()
    assert dutch == capplan.load(en).instance.model_dump()
    assert dutch == capplan.load(GRONINGEN).instance.model_dump()
    code, _, err = run_cli(capsys, monkeypatch, "validate", str(nl))
    assert code == 0, err


def test_language_from_the_locale_and_the_api_default(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Without --lang the command speaks the locale's language (LANG=nl_NL: Dutch); the API
    writes English unless asked; another language is refused."""
    for name in ("LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "nl_NL.UTF-8")
    path = tmp_path / "locale.xlsx"
    assert run_cli(capsys, monkeypatch, "template", str(path))[0] == 0
    assert load_workbook(path)["segments"]["C2"].value == "adressen"
    english = tmp_path / "api.xlsx"
    english.write_bytes(capplan.template())
    assert load_workbook(english)["segments"]["C2"].value == "items"
    with pytest.raises(ValueError, match="choose nl or en"):
        capplan.template(lang="de")
