"""Every command in Dutch: with `--lang nl` no English word of capplan's own remains in what
it prints, in its workbook or in its charts, numbers are written the Dutch way (15.644,
95,8%, -15,6%), and `--lang en` prints what it always printed.

Each command is run once with `--lang nl` through the command line (the real solve); the same
result is then printed with `--lang en` (the API function returns the result just made, so no
second solve). Groningen is planned by year to keep the solves short. The English words
checked are those the outputs used to show in Dutch; names that come from the instance or the
claims file (the programme's name, segments, risks, a claim's own text) are data, not
capplan's words, and are taken out before looking."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

import capplan
from builders import INSTANCES
from builders import run_cli as run
from capplan.report import style
from capplan.report.words import localise, translated

TOY = str(INSTANCES / "toy.toml")
GRONINGEN = str(INSTANCES / "groningen-2024.toml")
BY_YEAR = ("--set", "programme.granularity=year")

ENGLISH = ("the", "and", "with", "without", "moved", "stays", "accounts", "shortfall",
           "excess", "planned", "realised", "finish", "finishes", "samples", "Probability",
           "Baseline", "Milestones", "Deadline", "Objective", "Scope", "items", "capacity",
           "months", "waiting", "continued", "comparison", "targets", "segments", "regions",
           "binding", "changes", "yearly", "optimal", "yes", "no", "by", "solves", "building",
           "done", "remaining", "valid", "columns", "rows", "objective", "cannot", "reached",
           "earliest", "least", "peak", "tail", "share", "year", "limit", "change", "risk",
           "likelihood", "swing", "addresses", "postponement", "written", "hold", "needs",
           "assumed", "ceiling", "release", "lead", "days", "note", "Note", "ramp",
           "verdict", "command", "programme", "instance", "overrides", "measures",
           "actuals", "seed", "deadline", "milestones", "baseline", "variance", "trajectory",
           "flows", "periods", "quarter", "month", "target", "cumulative", "completed",
           "difference", "against", "more", "less", "from", "falls", "rises", "earlier",
           "short", "at", "most", "all", "scope")
"""English words that Dutch outputs used to show (whole words; not those Dutch writes too,
such as of, later, in, plan, per)."""
WORD = re.compile(r"\b(" + "|".join(sorted(set(ENGLISH), key=len, reverse=True)) + r")\b")
ENGLISH_NUMBER = re.compile(r"(?<![\w.,])\d{1,3}(?:,\d{3})+(?![\w,.]*\d)"
                            r"|(?<![\w.,])[-+]?\d+\.\d{1,2}(?![\w.])")
"""15,644 or 95.8 or -15.6 (English), never 15.644, 95,8 or 2028Q3."""
DATA = ("programme.granularity=quarter", "Groningen strengthening operation", "groningen-2024",
        "groningen-actuals-2025",
        "sodm-2024-targets", "eemsdelta-tail", "lead-time", "m6-m28-months", "toy", "houses",
        "town", "capplan", "granularity year")
"""Names from the instances and examples (and their files) and settings (`granularity
year`), not capplan's words."""


def english_left(text: str, data: tuple[str, ...] = ()) -> list[str]:
    """The English words and English-formatted numbers left in a Dutch text, data taken out
    (and the solver's seconds, written with three decimals)."""
    for name in (*DATA, *data):
        text = text.replace(name, " ")
    text = re.sub(r"(?m)^.*\bSolver:.*(\n  .*)*$", " ", text)  # with its wrapped lines
    text = re.sub(r"(/[\w.\-]+)+", " ", text)  # paths
    text = re.sub(r"\b[\w.*]+=[\w.,]+", " ", text)  # overrides and variant labels
    text = re.sub(r"\"[^\"]*\"", " ", text)  # a claim's own text, quoted
    found = WORD.findall(text) + ENGLISH_NUMBER.findall(text)
    for word in found:  # where each was found, for the failure message
        at = re.search(rf"\b{re.escape(word)}\b", text)
        print("english:", word, "|", text[max(0, at.start() - 60):at.end() + 40] if at else "")
    return found


def both(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, api: str,
         *args: str, out: Path | None = None, figures: list[Any] | None = None
         ) -> tuple[str, str]:
    """`capplan ARGS --lang nl` (its result kept), then the same result printed with
    `--lang en`; each with `--out` (out/nl, out/en) when `out` is given. Returns both
    standard outputs; `figures` (the fixture's list) keeps only the Dutch run's charts."""
    real: Callable[..., Any] = getattr(capplan, api)
    made: list[Any] = []

    def keep(*a: Any, **k: Any) -> Any:
        made.append(real(*a, **k))
        return made[-1]

    monkeypatch.setattr(capplan, api, keep)
    if figures is not None:
        figures.clear()
    outputs = []
    dutch: list[Any] = []
    for lang in ("nl", "en"):
        extra = ("--out", str(out / lang)) if out is not None else ()
        code, text, err = run(capsys, monkeypatch, *args, "--lang", lang, *extra)
        assert code == 0, err
        outputs.append(text)
        monkeypatch.setattr(capplan, api, lambda *a, **k: made[0])
        if figures is not None and lang == "nl":
            dutch = list(figures)
    if figures is not None:
        figures[:] = dutch
    return outputs[0], outputs[1]


def workbook_text(path: Path) -> str:
    """Every sheet name, header and text cell of a workbook, one per line."""
    book = load_workbook(path)
    lines = list(book.sheetnames)
    for sheet in book.worksheets:
        for row in sheet.iter_rows(values_only=True):
            lines += [str(v) for v in row if isinstance(v, str)]
    return "\n".join(lines)


@pytest.fixture
def figures(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """The matplotlib figures of every chart written while the test runs."""
    made: list[Any] = []
    png = style.png

    def keep(fig: Any) -> bytes:
        made.append(fig)
        return png(fig)

    monkeypatch.setattr(style, "png", keep)
    return made


def figure_text(figs: list[Any]) -> str:
    """Every title, axis label, tick label, legend entry and annotation of the figures."""
    from matplotlib.text import Text

    return "\n".join(t.get_text() for fig in figs for t in fig.findobj(Text) if t.get_text())


def test_phrase_book_keeps_placeholders_and_english_alone() -> None:
    """Every phrase's Dutch form uses exactly its English form's placeholders; English text
    is never changed; a name no phrase knows stays as it is."""
    import tomllib

    from capplan.report.words import PHRASES, phrase_book

    for entry in tomllib.loads(PHRASES.read_text(encoding="utf-8"))["phrase"]:
        names = set(re.findall(r"\{(\w+\*?)\}", entry["en"]))
        assert names == set(re.findall(r"\{(\w+\*?)\}", entry["nl"])), entry["en"]
    assert phrase_book()[0]
    sentence = "P95 moved from 2028Q3 to 2029Q1 (+6 months)"
    assert localise(sentence, "en") == sentence
    assert translated("eemsdelta-heavy") == "eemsdelta-heavy"
    assert localise(sentence, "nl") == "P95 verschoof van 2028Q3 naar 2029Q1 (+6 maanden)"
    assert localise("the Eemsdelta ceiling of 1,700 a year in 2028", "nl") == \
        "het plafond van Eemsdelta van 1.700 per jaar in 2028"
    assert localise("eng. %: -15.6%", "nl") == "eng. %: -15,6%"


def test_wording_from_the_phrase_book(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An edited copy of the phrase book: the Dutch follows the file."""
    from capplan.report import words

    edited = tmp_path / "phrases.nl.toml"
    edited.write_text(words.PHRASES.read_text(encoding="utf-8").replace(
        'nl = "{name} blijft op {at}"', 'nl = "{name} staat nog steeds op {at}"'),
        encoding="utf-8")
    monkeypatch.setattr(words, "PHRASES", edited)
    words.phrase_book.cache_clear()
    words.translated.cache_clear()
    try:
        assert localise("Finish stays at 2030Q1", "nl") == "Gereed staat nog steeds op 2030Q1"
    finally:
        words.phrase_book.cache_clear()
        words.translated.cache_clear()


def test_plan_and_validate(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
                           tmp_path: Path, figures: list[Any]) -> None:
    """Groningen by year: 15,644 addresses in scope (docs/sources.md), in Dutch 15.644."""
    nl, en = both(capsys, monkeypatch, "plan", "plan", GRONINGEN, *BY_YEAR, "--no-ledger",
                  out=tmp_path, figures=figures)
    assert english_left(nl) == []
    assert "opgave 15.644" in nl and "Mijlpalen: p50" in nl and "gereed" in nl
    assert "Doelfunctie: gereed" in nl and "keer opgelost" in nl and "s in totaal" in nl
    assert "Milestones: p50" in en and "scope 15,644" in en and "Objective: finish" in en
    assert "s in all" in en and "Mijlpalen" not in en
    assert english_left(workbook_text(tmp_path / "nl" / "plan.xlsx")) == []
    assert "trajectory" in workbook_text(tmp_path / "en" / "plan.xlsx")
    assert len(figures) == 2 and english_left(figure_text(figures)) == []
    assert "cumulatief gereed" in figure_text(figures)
    code, nl, _ = run(capsys, monkeypatch, "validate", GRONINGEN, "--lang", "nl")
    scenarios = tuple(capplan.load(GRONINGEN).instance.scenarios)
    assert code == 0 and english_left(nl, scenarios) == []
    assert "opgave 15.644" in nl and "per kwartaal" in nl
    code, en, _ = run(capsys, monkeypatch, "validate", GRONINGEN, "--lang", "en")
    assert "scope 15,644" in en and "by quarter" in en


def test_plan_in_the_dutch_locale(capsys: pytest.CaptureFixture[str],
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """No --lang, a Dutch locale: the toy (README) in Dutch, its coarse-step note too."""
    monkeypatch.setenv("LC_ALL", "nl_NL.UTF-8")
    code, nl, _ = run(capsys, monkeypatch, "plan", TOY, "--no-ledger")
    assert code == 0
    assert english_left(nl) == []
    assert "Opmerking: granularity year is grof" in nl and "2.000 gereed" in nl


def test_compare_and_whatif(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
                            tmp_path: Path, figures: list[Any]) -> None:
    nl, en = both(capsys, monkeypatch, "compare", "compare", GRONINGEN, *BY_YEAR, "-s", "mjvp",
                  "-s", "pessimistic", "--no-ledger", out=tmp_path / "c")
    assert english_left(nl, ("mjvp", "pessimistic")) == []
    assert "staart (kwartalen)" in nl
    assert "compare: vergelijking" in nl and "optimaal" in nl
    assert "compare: comparison" in en and "optimal" in en and "optimaal" not in en
    assert english_left(workbook_text(tmp_path / "c" / "nl" / "compare.xlsx"),
                        ("mjvp", "pessimistic")) == []
    nl, en = both(capsys, monkeypatch, "whatif", "whatif", GRONINGEN, *BY_YEAR,
                  "--add", "execution=+500@2026", "--no-ledger", out=tmp_path / "w",
                  figures=figures)
    assert english_left(nl) == []
    assert "Met 500 meer capaciteit voor uitvoering vanaf 2026: het vroegste gereed" in nl
    assert "With 500 more execution capacity from 2026: the earliest finish" in en
    front = workbook_text(tmp_path / "w" / "nl" / "whatif.xlsx")
    assert english_left(front) == [] and "toegevoegde capaciteit" in front
    charts = figure_text(figures)
    assert english_left(charts) == [] and "zonder" in charts and "met (gelijk aan" in charts


def test_explain_and_tradeoff(capsys: pytest.CaptureFixture[str],
                              monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                              figures: list[Any]) -> None:
    nl, en = both(capsys, monkeypatch, "explain", "explain", GRONINGEN, *BY_YEAR,
                  out=tmp_path / "e", figures=figures)
    assert english_left(nl) == []
    assert "van de laatste 5%" in nl and "adressen" in nl
    assert "of the last 5%" in en and "van de laatste" not in en
    assert english_left(workbook_text(tmp_path / "e" / "nl" / "explain.xlsx")) == []
    assert english_left(figure_text(figures)) == [] and "staart" in figure_text(figures)
    nl, en = both(capsys, monkeypatch, "tradeoff", "tradeoff", GRONINGEN, *BY_YEAR,
                  "--periods", "1", out=tmp_path / "t", figures=figures)
    assert english_left(nl) == []
    assert "kleinste piek" in nl and "least_peak_execution" in en
    assert english_left(workbook_text(tmp_path / "t" / "nl" / "tradeoff.xlsx")) == []
    assert english_left(figure_text(figures)) == [] and "benodigde" in figure_text(figures)


def test_evaluate(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
                  tmp_path: Path, figures: list[Any]) -> None:
    """SodM's targets on the calibrated instance: every one can be delivered, and held to
    them p95 is 3 months later than optimal; the cumulative 14,908 of 2028 in Dutch 14.908."""
    nl, en = both(capsys, monkeypatch, "evaluate", "evaluate", GRONINGEN, "--targets",
                  "sodm-2024-targets", "--no-ledger", out=tmp_path, figures=figures)
    assert english_left(nl) == []
    assert "kunnen elk doel leveren" in nl and "+3 maanden" in nl and "14.908" in nl
    assert "can deliver every target" in en and "+3 months" in en and "14,908" in en
    assert english_left(workbook_text(tmp_path / "nl" / "evaluate.xlsx")) == []
    assert len(figures) == 2 and english_left(figure_text(figures)) == []


def test_replan(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
                tmp_path: Path, figures: list[Any]) -> None:
    """The example actuals (execution 1,550 of 2,000 planned in 2025): the moves, the baseline
    line and the signed percentages of the variance in Dutch (-22,5%)."""
    nl, en = both(capsys, monkeypatch, "replan", "replan", GRONINGEN, "--actuals",
                  "groningen-actuals-2025", "--as-of", "2025", "--no-ledger", out=tmp_path,
                  figures=figures)
    segments = tuple(s.name for s in capplan.load(GRONINGEN).instance.segment)
    assert english_left(nl, segments) == []
    assert "Basisplan: het plan nu opgelost" in nl and "-22,5%" in nl and "-22.5%" not in nl
    assert "verschoof van" in nl and "1.550" in nl
    assert "Baseline: the plan solved now" in en and "-22.5%" in en and "moved from" in en
    book = workbook_text(tmp_path / "nl" / "replan.xlsx")
    assert english_left(book, segments) == [] and "basisplan" in book
    assert len(figures) == 3 and english_left(figure_text(figures)) == []


def test_sweep(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
               tmp_path: Path, figures: list[Any]) -> None:
    nl, en = both(capsys, monkeypatch, "sweep", "sweep", GRONINGEN, *BY_YEAR, "--samples",
                  "4", "--tornado-samples", "2", "--workers", "1", "--no-ledger", out=tmp_path,
                  figures=figures)
    risks = ("scope", "m29")
    assert english_left(nl, risks) == []
    assert "Kans om gereed te zijn aan het eind van 2028" in nl
    assert "Probability of finishing by the end of 2028" in en
    assert english_left(workbook_text(tmp_path / "nl" / "sweep.xlsx"), risks) == []
    charts = figure_text(figures)
    assert english_left(charts, risks) == [] and "4 trekkingen" in charts
    assert "0.5" not in charts and "0,5" not in charts  # whole months on the tornado


def test_residents(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
                   tmp_path: Path, pseudonym_key: None) -> None:
    register = tmp_path / "register.csv"
    code, _, err = run(capsys, monkeypatch, "register", "synth", GRONINGEN, "--out",
                       str(register), *BY_YEAR)
    assert code == 0, err
    nl, en = both(capsys, monkeypatch, "residents", "residents", GRONINGEN, *BY_YEAR,
                  "--register", str(register), "--no-ledger", out=tmp_path)
    segments = tuple(s.name for s in capplan.load(GRONINGEN).instance.segment)
    assert english_left(nl, (*segments, "Eemsdelta", "Overig")) == []
    assert "bewoners: per segment" in nl and "9.786 adressen" in nl
    assert "9,786 addresses" in en


def test_claims_and_runs(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
                         tmp_path: Path) -> None:
    """The shipped claims on Groningen by year (the two claims on quarters left out): the
    SodM target of 2,000 in 2025 does not hold as the instance is; the calibration in
    Dutch."""
    shipped = (INSTANCES / "groningen-2024-claims.toml").read_text(encoding="utf-8")
    blocks = re.split(r"(?m)^(?=\[\[)", shipped)
    kept = [b for b in blocks if not re.search(r'(?m)^require = "p\d+ <= \d{4}Q', b)]
    claims = tmp_path / "claims.toml"
    claims.write_text("".join(kept), encoding="utf-8")
    nl, en = both(capsys, monkeypatch, "claims", "claims", GRONINGEN, "--claims",
                  str(claims), *BY_YEAR, out=tmp_path)
    ids = ("ncg-mitigated", "ncg-pessimistic", "ncg-3000-a-year", "sodm-2024", "sodm-2025",
           "sodm-2026", "sodm-2027", "sodm-2028", "sodm-2029", "pessimistic",
           "peak production", "production")  # the claims file's own words
    assert english_left(nl, ids) == []
    assert "claims kloppen op de instantie" in nl
    assert "claims hold on the instance" in en
    assert english_left(workbook_text(tmp_path / "nl" / "claims.xlsx"), ids) == []
    code, nl, _ = run(capsys, monkeypatch, "runs", "list", "--lang", "nl")
    assert code == 0 and "vastgelegd" in nl and english_left(nl) == []
    code, en, _ = run(capsys, monkeypatch, "runs", "list", "--lang", "en")
    assert "recorded" in en
    code, nl, _ = run(capsys, monkeypatch, "runs", "diff", "1", "2", "--lang", "nl")
    assert code == 0 and "invoer en resultaten" in nl and "onderdeel" in nl  # claims: no years
    code, nl, _ = run(capsys, monkeypatch, "runs", "verify", "--lang", "nl")
    assert code == 0 and "2 records, keten intact; verankerd tot en met record 2" in nl
