"""Dutch and English outputs: numbers written as each language writes them, the language
taken from --lang or the locale, and the letters' wording read from its template file."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook

from builders import INSTANCES
from builders import run_cli as run
from capplan.report.words import default_lang, localise, number, percent
from capplan.residents import letters

TOY = str(INSTANCES / "toy.toml")


def test_numbers_in_dutch_and_english() -> None:
    assert number(15644, "nl") == "15.644" and number(15644, "en") == "15,644"
    assert number(4788.75, "nl", 1) == "4.788,8"
    assert percent(95.83, "nl") == "95,8%" and percent(-15.6, "en", sign=True) == "-15.6%"
    assert percent(3, "nl", 0, sign=True) == "+3%"
    assert localise("14,992 done (95.8%) by 2028Q3 in 2028", "nl") == \
        "14.992 done (95,8%) by 2028Q3 in 2028"
    assert localise("14,992 done (95.8%)", "en") == "14,992 done (95.8%)"


def test_language_from_the_locale(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)
    assert default_lang() == "en"
    monkeypatch.setenv("LANG", "nl_NL.UTF-8")
    assert default_lang() == "nl"
    monkeypatch.setenv("LC_ALL", "en_GB.UTF-8")
    assert default_lang() == "en"


def test_plan_in_dutch(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                       monkeypatch: pytest.MonkeyPatch) -> None:
    """The toy (README): 2,000 of 2,500 done by the end of 2026 (80.0%), not met; in Dutch
    2.000, 80,0% and the Dutch words, in the terminal and the workbook."""
    code, out, _ = run(capsys, monkeypatch, "plan", TOY, "--lang", "nl", "--no-ledger",
                       "--out", str(tmp_path / "o"))
    assert code == 0
    assert "productie per jaar (opgave 2.500)" in out
    assert "Streefjaar 2026: 2.000 gereed aan het eind (80,0%), niet gehaald" in out
    assert "Mijlpalen: p50 2026, p95 2027, gereed 2027" in out
    book = load_workbook(tmp_path / "o" / "plan.xlsx")
    assert book.sheetnames[0] == "overzicht"
    assert [c.value for c in book["verloop"][1]][:3] == [
        "jaar", "gereed (adressen)", "cumulatief (adressen)"]
    code, out, _ = run(capsys, monkeypatch, "plan", TOY, "--lang", "en", "--no-ledger")
    assert "Deadline 2026: 2,000 done by its end (80.0%), not met" in out


def test_letters_wording_from_its_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The shipped wording, then an edited copy: the sentence follows the file."""
    assert letters.sentences("2027Q2", "2027Q3", 2036) == (
        "Naar verwachting wordt uw woning tussen het 2e kwartaal van 2027 en het 3e kwartaal "
        "van 2027 versterkt.",
        "We expect your home to be strengthened between the 2nd quarter of 2027 and the 3rd "
        "quarter of 2027.")
    edited = tmp_path / "letters.toml"
    edited.write_text(letters.WORDING.read_text(encoding="utf-8").replace(
        "Naar verwachting wordt uw woning {when} versterkt.",
        "Wij verwachten uw woning {when} te versterken."), encoding="utf-8")
    monkeypatch.setattr(letters, "WORDING", edited)
    letters.wording.cache_clear()
    try:
        assert letters.sentence("nl", "2027Q2", "2027Q2", 2036) == (
            "Wij verwachten uw woning in het 2e kwartaal van 2027 te versterken.")
    finally:
        letters.wording.cache_clear()
