"""Plain sentences for residents, in Dutch and in English, ready for a mail merge.

A completion is a quarter (`2027Q2`), a year at yearly granularity (`2027`), or `None` beyond
the plan's horizon. The sentence says when the home is expected to be strengthened: in one
quarter, or between two; that the works have started, for an address already in execution;
that the plan does not reach that far, beyond the horizon; and that it was the resident's own
choice, after a postponement.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_LABEL = re.compile(r"^(\d{4})(?:Q([1-4]))?$")
_EN_ORDINAL = {1: "1st", 2: "2nd", 3: "3rd", 4: "4th"}


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

    def nl(self) -> str:
        if self.quarter is None:
            return str(self.year)
        return f"het {self.quarter}e kwartaal van {self.year}"

    def en(self) -> str:
        if self.quarter is None:
            return str(self.year)
        return f"the {_EN_ORDINAL[self.quarter]} quarter of {self.year}"


def _when_nl(first: Moment, last: Moment) -> str:
    return f"in {first.nl()}" if first == last else f"tussen {first.nl()} en {last.nl()}"


def _when_en(first: Moment, last: Moment) -> str:
    return f"in {first.en()}" if first == last else f"between {first.en()} and {last.en()}"


def sentences(first: str | None, last: str | None, horizon_end: int, started: bool = False,
              postponed: bool = False) -> tuple[str, str]:
    """The Dutch and English sentence for a completion window from `first` to `last` (labels;
    None beyond the horizon ending in `horizon_end`). `started`: the works are under way;
    `postponed`: the resident chose a later start."""
    a, b = Moment.parse(first), Moment.parse(last)
    lead_nl = "Op uw verzoek is de versterking uitgesteld. " if postponed else ""
    lead_en = "At your request the strengthening has been postponed. " if postponed else ""
    if started:
        subject_nl = "De versterking van uw woning is begonnen; naar verwachting is die klaar"
        subject_en = "The strengthening of your home has started; we expect it to be finished"
    else:
        subject_nl = "Naar verwachting wordt uw woning"
        subject_en = "We expect your home to be strengthened"
    done_nl = "" if started else " versterkt"
    if a is None:
        nl = (f"Naar verwachting wordt uw woning niet vóór het einde van {horizon_end} "
              "versterkt; wij laten u meer weten zodra de planning verder reikt.")
        en = (f"We do not expect your home to be strengthened before the end of {horizon_end}; "
              "we will tell you more as soon as the plan reaches further.")
        if started:
            nl = (f"De versterking van uw woning is begonnen; naar verwachting is die niet vóór "
                  f"het einde van {horizon_end} klaar.")
            en = (f"The strengthening of your home has started; we do not expect it to be "
                  f"finished before the end of {horizon_end}.")
    elif b is None:
        nl = (f"{subject_nl} niet eerder dan {a.nl()}{done_nl}, mogelijk pas na "
              f"{horizon_end}.")
        en = f"{subject_en} no sooner than {a.en()}, possibly only after {horizon_end}."
    else:
        nl = f"{subject_nl} {_when_nl(a, b)}{done_nl}."
        en = f"{subject_en} {_when_en(a, b)}."
    return lead_nl + nl, lead_en + en


def change_sentences(moved: int | None, reason_nl: str, reason_en: str) -> tuple[str, str]:
    """How the window's end moved since the last letter, in quarters (None: no earlier
    letter), with the reason."""
    if moved is None:
        return "", ""
    if moved == 0:
        return ("Dat is hetzelfde als in onze vorige brief.",
                "That is the same as in our previous letter.")
    count = abs(moved)
    nl_q = "kwartaal" if count == 1 else "kwartalen"
    en_q = "quarter" if count == 1 else "quarters"
    nl_dir, en_dir = ("later", "later") if moved > 0 else ("eerder", "earlier")
    return (f"Dat is {count} {nl_q} {nl_dir} dan in onze vorige brief ({reason_nl}).",
            f"That is {count} {en_q} {en_dir} than in our previous letter ({reason_en}).")
