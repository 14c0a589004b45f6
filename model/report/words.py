"""The words and numbers of every output in Dutch or English.

`lang` is `"nl"` or `"en"`; `default_lang()` takes it from the locale (`LC_ALL`,
`LC_MESSAGES`, `LANG`: a value starting with `nl` gives Dutch, anything else English).
`word(key, lang)` is a label of a chart, table or workbook; `number(value, lang)` writes a
count as people of that language read it (15.644 in Dutch, 15,644 in English), `percent` a
share with one decimal (95,8% / 95.8%). The annex's sentences live in template files
(`capplan/report/templates/annex.<lang>.*`) that a communications team can edit.

The sentences the commands print (verdicts, explanations, a re-plan's moves, notes) and the
labels in their tables are written in English where they are made; `localise(text, "nl")`
turns them into Dutch with the phrase book `capplan/report/templates/phrases.nl.toml`: each
`[[phrase]]` gives an English form with `{placeholders}` and its Dutch form. A text that
matches a phrase whole is rewritten, and each placeholder's text is translated again (so a
sentence can be built from smaller phrases); a placeholder spans no "; " unless written
`{name*}` (a list, or a tail that may be empty). `[terms]` gives single words and labels.
Text no phrase matches (a segment's or region's name, a period) is kept as it is.
"""

from __future__ import annotations

import functools
import os
import re
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

LANGS = ("nl", "en")

WORDS: dict[str, tuple[str, str]] = {
    # key: (nl, en)
    "realised": ("gerealiseerd", "realised"),
    "plan": ("plan", "plan"),
    "planned": ("gepland", "planned"),
    "year": ("jaar", "year"),
    "year_end": ("jaar (stand aan het eind van het jaar)", "year (as at the end of the year)"),
    "cumulative_done": ("gereed, cumulatief (adressen)", "completed, cumulative (items)"),
    "done_in_year": ("gereed in het jaar (adressen)", "completed in the year (items)"),
    "scope": ("opgave", "scope"),
    "p95_level": ("95% van de opgave", "95% of the scope"),
    "deadline": ("streefjaar", "deadline"),
    "end_of": ("eind", "end of"),
    "cumulative_title": ("cumulatief gereed", "cumulative completions"),
    "markers": ("cirkel = 95%, vierkant = 100%", "circle = 95%, square = finish"),
    "yearly_targets": ("jaarlijkse doelen", "yearly targets"),
    "reached_by": ("bereikt in (eind van de periode)", "reached by (end of period)"),
    "by": ("gereed in", "by"),
    "same_as": ("gelijk aan", "same as"),
    "given_targets": ("opgegeven doelen", "given targets"),
    "optimal_plan": ("optimaal plan", "optimal plan"),
    "targets_vs_plan": ("doelen tegenover het optimale plan (cumulatief)",
                        "targets against the optimal plan (cumulative)"),
    "baseline": ("basisplan", "baseline"),
    "replan": ("herplanning", "re-plan"),
    "band": ("bandbreedte van de scenario's", "range of the scenarios"),
    "fan_band": ("P10-P90 van de trekkingen", "P10-P90 of the samples"),
    "median": ("mediaan (P50)", "median (P50)"),
    "plan_without_risks": ("plan zonder risico's", "plan without risks"),
    "larger_scope_note": ("trekkingen met een grotere opgave komen erboven uit",
                          "samples that draw a larger scope rise above it"),
    "finished": ("gereed", "finished"),
    "likelihood": ("kans", "likelihood"),
    "impact": ("effect op de P50-einddatum", "impact on the P50 finish"),
    "swing": ("maanden dat de P50-einddatum verschuift als het risico optreedt",
              "months the P50 finish moves when the risk occurs"),
    "least_peak": ("kleinste piekcapaciteit", "least peak capacity"),
    "least_cost": ("kleinste capaciteitskosten", "least capacity cost"),
    "least_capacity_years": ("kleinste capaciteitsjaren", "least capacity-years"),
    "capacity_needed": ("benodigde capaciteit per datum", "capacity needed per date"),
    "tail_title": ("wie vormen de staart (% per segment)", "who makes up the tail (% by segment)"),
    "last_5": ("laatste 5%", "last 5%"),
    "last_1": ("laatste 1%", "last 1%"),
    "variance_title": ("plan tegenover realisatie", "plan against actuals"),
    "engineering": ("engineering", "engineering"),
    "execution": ("uitvoering", "execution"),
    "milestones": ("mijlpalen", "milestones"),
    "verdict": ("oordeel", "verdict"),
    "met": ("gehaald", "met"),
    "not_met": ("niet gehaald", "not met"),
    "beyond": ("na de horizon", "beyond the horizon"),
    "item": ("onderdeel", "item"),
    "value": ("waarde", "value"),
}
"""Labels: key -> (Dutch, English)."""


COLUMNS_NL = {
    "year": "jaar", "period": "periode", "completed": "gereed", "cumulative": "cumulatief",
    "share": "aandeel", "realised": "gerealiseerd", "remaining": "resterend",
    "segment": "segment", "region": "regio", "stage": "fase", "planned": "gepland",
    "actual": "gerealiseerd", "target": "doel", "optimal": "optimaal",
    "difference": "verschil", "variant": "variant", "status": "status",
    "finish": "gereed (100%)", "milestone": "mijlpaal", "by": "in", "change": "wijziging",
    "waiting": "wachten", "scope": "opgave", "addresses": "adressen", "started": "begonnen",
    "postponed": "uitgesteld", "engineering": "engineering", "execution": "uitvoering",
    "year total": "jaartotaal", "through": "tot en met",
    "eng. planned": "eng. gepland", "eng. realised": "eng. gerealiseerd",
    "exec. planned": "uitv. gepland", "exec. realised": "uitv. gerealiseerd", "exec. %": "uitv. %",
    "eng. %": "eng. %", "p50": "p50", "p95": "p95",
    "tail_quarters": "staart (kwartalen)", "peak_production": "piekproductie",
    "peak_engineering": "piek engineering", "peak_execution": "piek uitvoering",
    "finish_delta_months": "verschil gereed (mnd)",
    "p95_delta_months": "verschil p95 (mnd)",
    "finish_vs_scenario_months": "gereed vs. scenario (mnd)",
    "p95_vs_scenario_months": "p95 vs. scenario (mnd)",
    "last_5": "laatste 5%", "last_1": "laatste 1%", "last_5_share": "aandeel laatste 5%",
    "last_1_share": "aandeel laatste 1%", "segment_or_region": "segment of regio",
    "limit": "grens", "finish_gain_months": "winst gereed (mnd)",
    "p95_gain_months": "winst p95 (mnd)", "waiting_saved": "minder wachten",
    "periods_later": "perioden later", "least_peak_execution": "kleinste piek uitvoering",
    "least_peak_engineering": "kleinste piek engineering",
    "least_capacity_years": "kleinste capaciteitsjaren",
    "least_capacity_cost": "kleinste capaciteitskosten",
    "difference_pct": "verschil", "risk": "risico", "likelihood": "kans",
    "P50 finish off": "P50 gereed zonder", "P50 finish on": "P50 gereed met",
    "swing_months": "uitslag (mnd)", "description": "omschrijving", "sample": "trekking",
    "plan": "plan", "claim": "claim", "claims": "claims", "holds": "klopt", "require": "eis",
    "path": "pad", "from": "van", "to": "naar", "the model": "het model",
    "with": "met", "without": "zonder", "scenario": "scenario",
    "id": "id", "command": "opdracht", "recorded_at": "vastgelegd", "recorded": "vastgelegd",
    "instance": "instantie",
    "input_sha256": "sha256 invoer", "solver": "solver", "seconds": "seconden",
    "name": "naam", "value": "waarde", "count": "aantal", "items": "adressen",
    "eng_start": "eng. begonnen", "eng_done": "eng. gereed", "exec_start": "uitv. begonnen",
    "exec_done": "uitv. gereed", "backlog": "werkvoorraad", "ready": "gereed voor uitvoering",
    "in_engineering": "in engineering", "in_execution": "in uitvoering",
    "capacity": "capaciteit", "quarter": "kwartaal", "month": "maand",
    "10% by": "10% in", "50% by": "50% in", "90% by": "90% in",
    "all by": "100% in", "assumption": "aanname", "range": "bereik", "kind": "soort",
    "same": "gelijk", "item": "onderdeel",
}
"""Dutch names of the columns that most tables share; others keep their names."""


def column(name: str, lang: str) -> str:
    """A table column's name in `lang`."""
    return COLUMNS_NL.get(name, name) if lang == "nl" else name


def label(name: str, lang: str) -> str:
    """A column's or row's name in `lang`: its Dutch column name, else the phrase book's
    (`localise`), never both (a Dutch name is not looked up again)."""
    if lang != "nl":
        return name
    return COLUMNS_NL[name] if name in COLUMNS_NL else localise(name, lang)


SHEETS_NL = {"tradeoff": "afweging", "marginal": "marginaal", "tornado": "tornado",
             "fan": "waaier", "samples": "trekkingen", "robust_targets": "robuuste doelen",
             "checked": "getoetst", "residents": "bewoners", "letters": "brieven"}
"""Dutch names of workbook sheets that the phrase book does not give."""


def default_lang() -> str:
    """`nl` when the locale is Dutch (LC_ALL, LC_MESSAGES or LANG starting with `nl`), else
    `en`."""
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(name, "")
        if value:
            return "nl" if value.lower().startswith("nl") else "en"
    return "en"


SPEAKING: ContextVar[str | None] = ContextVar("capplan_lang", default=None)
"""The language chosen for the outputs made inside `speaking(...)` (`--lang`)."""


@contextmanager
def speaking(lang: str | None) -> Iterator[None]:
    """Within the block, outputs made without a language of their own are in `lang` (None:
    the locale's)."""
    token = SPEAKING.set(lang)
    try:
        yield
    finally:
        SPEAKING.reset(token)


def checked(lang: str | None) -> str:
    """`lang`, else the one chosen by `speaking`, else the locale's; ValueError for anything
    but nl or en."""
    chosen = lang or SPEAKING.get() or default_lang()
    if chosen not in LANGS:
        raise ValueError(f"language {chosen!r}: choose nl or en")
    return chosen


def word(key: str, lang: str = "en") -> str:
    """A label in `lang`."""
    nl, en = WORDS[key]
    return nl if lang == "nl" else en


def number(value: Any, lang: str = "en", digits: int = 0) -> str:
    """A number with thousands separators as `lang` writes them: 15.644 and 95,8 in Dutch,
    15,644 and 95.8 in English; blank for None or NaN."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    text = f"{float(value):,.{digits}f}" if digits else f"{round(float(value)):,}"
    if lang == "nl":
        text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return text


def percent(value: Any, lang: str = "en", digits: int = 1, sign: bool = False) -> str:
    """A percentage (95.8 -> `95.8%`, Dutch `95,8%`); with `sign` always signed (`+3.0%`)."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    text = number(abs(float(value)) if sign else value, lang, digits)
    if sign:
        text = ("-" if float(value) < 0 else "+") + text
    return text + "%"


_NUMBER = re.compile(r"(?<![\w.,])-?\d{1,3}(?:,\d{3})+(?:\.\d+)?(?![\w])"
                     r"|(?<![\w.,])-?\d+\.\d+(?![\w.])")


def localise(text: str, lang: str) -> str:
    """A text capplan wrote in English, in `lang`: for nl its words through the phrase book
    (`translated`) and its English-formatted numbers (15,644 and 95.8) written the Dutch way
    (15.644 and 95,8); period labels such as 2028Q3 are left alone. English text is returned
    unchanged."""
    if lang != "nl":
        return text
    return dutch_numbers(translated(text))


def dutch_numbers(text: str) -> str:
    """English-formatted numbers inside a text (15,644, 95.8, -3.2%) written the Dutch way
    (15.644, 95,8, -3,2%)."""
    return _NUMBER.sub(lambda m: m.group(0).replace(",", "\0").replace(".", ",")
                       .replace("\0", "."), text)


PHRASES = Path(__file__).parent / "templates" / "phrases.nl.toml"
"""The phrase book: English forms of capplan's sentences and labels and their Dutch."""
_PLACEHOLDER = re.compile(r"\{(\w+)(\*?)\}")


@functools.cache
def phrase_book(path: Path | None = None) -> tuple[list[tuple[re.Pattern[str], str]],
                                                    dict[str, str]]:
    """The phrases (a pattern matching the English form whole, and the Dutch form) in the
    file's order, and the terms (English -> Dutch), from `path` (default: PHRASES)."""
    data = tomllib.loads((path or PHRASES).read_text(encoding="utf-8"))
    phrases = []
    for entry in data.get("phrase", []):
        english, dutch = str(entry["en"]), str(entry["nl"])
        parts = _PLACEHOLDER.split(english)  # text, name, star, text, name, star, ...
        pattern = "".join(
            re.escape(part) if k % 3 == 0
            else (f"(?P<{part}>.*?)" if parts[k + 1] else f"(?P<{part}>(?:(?!; ).)+?)")
            if k % 3 == 1 else "" for k, part in enumerate(parts))
        phrases.append((re.compile(pattern, re.DOTALL), dutch))
    terms = {str(k): str(v) for k, v in data.get("terms", {}).items()}
    return phrases, terms


@functools.lru_cache(maxsize=8192)
def translated(text: str, depth: int = 0) -> str:
    """`text` in Dutch through the phrase book (numbers still written the English way): a
    term, else the first phrase matching it whole with its placeholders translated in turn,
    else the text unchanged."""
    phrases, terms = phrase_book()
    if not text or depth > 12:
        return text
    found = terms.get(text)
    if found is not None:
        return found
    stripped = text.strip()
    if stripped != text:
        at = text.index(stripped[:1]) if stripped else 0
        return text[:at] + translated(stripped, depth) + text[at + len(stripped):]
    for pattern, dutch in phrases:
        match = pattern.fullmatch(text)
        if match is not None:
            parts = {k: translated(v, depth + 1) for k, v in match.groupdict().items()}
            return _filled(dutch, parts)
    return text


def _filled(form: str, parts: dict[str, str]) -> str:
    """A phrase's Dutch form with its placeholders replaced by their (translated) text."""

    def part(found: re.Match[str]) -> str:
        return parts.get(found.group(1), found.group(0))

    return _PLACEHOLDER.sub(part, form)
