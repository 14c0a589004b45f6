"""The words and numbers of every output in Dutch or English.

`lang` is `"nl"` or `"en"`; `default_lang()` takes it from the locale (`LC_ALL`,
`LC_MESSAGES`, `LANG`: a value starting with `nl` gives Dutch, anything else English).
`word(key, lang)` is a label of a chart, table or workbook; `number(value, lang)` writes a
count as people of that language read it (15.644 in Dutch, 15,644 in English), `percent` a
share with one decimal (95,8% / 95.8%). The annex's sentences live in template files
(`capplan/report/templates/annex.<lang>.*`) that a communications team can edit.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
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
}
"""Dutch names of the columns that most tables share; others keep their names."""


def column(name: str, lang: str) -> str:
    """A table column's name in `lang`."""
    return COLUMNS_NL.get(name, name) if lang == "nl" else name


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
    """English-formatted numbers inside a text (15,644 and 95.8) written the Dutch way
    (15.644 and 95,8) when `lang` is nl; period labels such as 2028Q3 are left alone."""
    if lang != "nl":
        return text
    return _NUMBER.sub(lambda m: m.group(0).replace(",", "\0").replace(".", ",")
                       .replace("\0", "."), text)
