"""Plain sentences for residents, in Dutch and in English, ready for a mail merge.

A completion is a quarter (`2027Q2`), a year at yearly granularity (`2027`), or `None` beyond
the plan's horizon. The sentence says when the home is expected to be strengthened: in one
quarter, or between two; that the works have started, for an address already in execution;
that the plan does not reach that far, beyond the horizon; and that it was the resident's own
choice, after a postponement. The wording is in `letters.toml` next to this module, where a
communications team can change it without touching the code.
"""

from __future__ import annotations

import functools
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_LABEL = re.compile(r"^(\d{4})(?:Q([1-4]))?$")
_EN_ORDINAL = {1: "1st", 2: "2nd", 3: "3rd", 4: "4th"}
WORDING = Path(__file__).with_name("letters.toml")
"""The letters' wording in Dutch and English, editable (placeholders in braces)."""


@functools.cache
def wording() -> dict[str, dict[str, str]]:
    """The sentences of letters.toml per language (read once)."""
    return tomllib.loads(WORDING.read_text(encoding="utf-8"))


def _say(lang: str, key: str, **values: Any) -> str:
    return wording()[lang][key].format(**values)


@dataclass(frozen=True)
class Moment:
    """A year and, when known, a quarter."""

    year: int
    quarter: int | None

    @staticmethod
    def parse(label: str | None) -> Moment | None:
        """`2027Q2` or `2027`; None (beyond the horizon) for anything else."""
        match = _LABEL.match(label or "")
        if match is None:
            return None
        return Moment(int(match[1]), int(match[2]) if match[2] else None)

    def said(self, lang: str) -> str:
        """The moment in words: a year, or its quarter (`het 2e kwartaal van 2027`)."""
        if self.quarter is None:
            return str(self.year)
        return _say(lang, "quarter", quarter=self.quarter, year=self.year,
                    ordinal=_EN_ORDINAL[self.quarter])

    def nl(self) -> str:
        return self.said("nl")

    def en(self) -> str:
        return self.said("en")


def _when(lang: str, first: Moment, last: Moment) -> str:
    if first == last:
        return _say(lang, "in_one", first=first.said(lang))
    return _say(lang, "between", first=first.said(lang), last=last.said(lang))


def sentence(lang: str, first: str | None, last: str | None, horizon_end: int,
             started: bool = False, postponed: bool = False) -> str:
    """The sentence in `lang` (nl or en) for a completion window from `first` to `last`
    (labels; None beyond the horizon ending in `horizon_end`). `started`: the works are under
    way; `postponed`: the resident chose a later start."""
    a, b = Moment.parse(first), Moment.parse(last)
    lead = _say(lang, "postponed") if postponed else ""
    if a is None:
        text = _say(lang, "started_beyond" if started else "beyond", horizon_end=horizon_end)
    elif b is None:
        text = _say(lang, "started_open" if started else "planned_open",
                    first=a.said(lang), horizon_end=horizon_end)
    else:
        text = _say(lang, "started" if started else "planned", when=_when(lang, a, b))
    return lead + text


def sentences(first: str | None, last: str | None, horizon_end: int, started: bool = False,
              postponed: bool = False) -> tuple[str, str]:
    """The Dutch and English sentence for a completion window (see `sentence`)."""
    return (sentence("nl", first, last, horizon_end, started, postponed),
            sentence("en", first, last, horizon_end, started, postponed))


def change_sentences(moved: int | None, reason_nl: str, reason_en: str) -> tuple[str, str]:
    """How the window's end moved since the last letter, in quarters (None: no earlier
    letter), with the reason."""
    if moved is None:
        return "", ""
    if moved == 0:
        return _say("nl", "same"), _say("en", "same")
    count = abs(moved)

    def said(lang: str, reason: str) -> str:
        return _say(lang, "moved", count=count,
                    quarters=_say(lang, "quarter_one" if count == 1 else "quarter_many"),
                    direction=_say(lang, "later" if moved > 0 else "earlier"), reason=reason)

    return said("nl", reason_nl), said("en", reason_en)
