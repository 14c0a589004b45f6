"""`capplan claims`: the typed result, its JSON document `capplan/claims/1`, tables, sentences
and output files."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from capplan.inputs.load import Loaded
from capplan.questions.claims import Checked
from capplan.questions.claims_calibration import Calibration, Lever
from capplan.questions.claims_write import number
from capplan.report.documents import schema

if TYPE_CHECKING:
    import pandas as pd

_WORDS = {
    "in_progress.ready": "designs ready at the start",
    "in_progress.engineering": "designs in engineering at the start",
    "in_progress.execution": "addresses in execution at the start",
    "count": "addresses",
    "engineering_days": "days of engineering lead time",
    "execution_days": "days of execution lead time",
    "extra_days.engineering": "days of extra engineering lead time",
    "extra_days.execution": "days of extra execution lead time",
    "execution_max": "execution ceiling",
    "max": "capacity at most",
    "initial": "capacity before the start",
    "ramp_up": "capacity growth a year",
    "ramp_down": "capacity decline a year",
    "min": "capacity at least",
    "share": "as the share of the addresses",
}


def path_words(path: str) -> str:
    """What a path holds, in words: `segment.eemsdelta-light.in_progress.ready` -> `designs
    ready at the start in eemsdelta-light`; `capacity.execution.max` -> `capacity at most in
    execution`; another path is named as it is."""
    parts = path.split(".")
    if parts[0] in ("segment", "region", "measure") and len(parts) > 2:
        rest = ".".join(parts[2:])
        return f"{_WORDS[rest]} in {parts[1]}" if rest in _WORDS else f"of {path}"
    if parts[0] == "capacity" and len(parts) == 3 and parts[2] in _WORDS:
        return f"{_WORDS[parts[2]]} in {parts[1]}"
    return f"of {path}"


@dataclass
class ClaimsResult:
    """`capplan claims`: each claim checked on the instance, and the calibration of its
    assumptions (or the conflict) under which they hold together."""

    kind: ClassVar[str] = "claims"
    loaded: Loaded
    claims_file: str
    checked: list[Checked]
    calibration: Calibration
    written: str | None = None
    solver: tuple[str | None, str | None] = (None, None)

    def _ids(self, indices: list[int]) -> list[str]:
        return [self.checked[i].claim.id for i in indices]

    def changes(self) -> list[dict[str, Any]]:
        """The changed assumptions: assumption, path, from, to, and the claims needing it."""
        out = []
        for lever, value in self.calibration.changes():
            out.append({"assumption": lever.assumption, "path": lever.path,
                        "from": _plain(lever.value), "to": _plain(value),
                        "range": [_plain(lever.low), _plain(lever.high)],
                        "claims": self._ids(self.calibration.needs.get(lever.path, []))})
        return out

    def to_dict(self) -> dict[str, Any]:
        c = self.calibration
        return {
            "schema": schema(self.kind),
            "status": c.status,
            "instance": str(self.loaded.path),
            "scenario": self.loaded.scenario,
            "overrides": self.loaded.overrides,
            "claims_file": self.claims_file,
            "claims": [{"id": k.claim.id, "holds": k.holds, "model_value": _figure(k.figure),
                        "model_says": k.words, "require": k.claim.require,
                        "scenario": k.claim.scenario, "set": list(k.claim.set),
                        "text": k.claim.text, "source": k.claim.source}
                       for k in self.checked],
            "calibration": {
                "status": c.status,
                "changes": self.changes(),
                "conflict": self._ids(c.conflict),
                "stopped_by": [{"assumption": b.assumption, "path": b.path,
                                "range": [_plain(b.low), _plain(b.high)],
                                "needed": round(b.needed, 1)} for b in c.beyond],
                "held": self._ids(c.held),
                "left_out": self._ids(c.dropped),
                "searched": c.searched,
                "verified": c.verified,
            },
            "sentences": self.sentences(),
            "written": self.written,
            "input_sha256": self.loaded.sha256,
        }

    def tables(self) -> dict[str, pd.DataFrame]:
        import pandas as pd

        claims = pd.DataFrame(
            [{"claim": k.claim.id, "scenario": k.claim.scenario or "", "require": k.claim.require,
              "holds": "yes" if k.holds else "no", "the model": k.words} for k in self.checked],
            columns=["claim", "scenario", "require", "holds", "the model"])
        changes = pd.DataFrame(
            [{"path": ch["path"], "from": ch["from"], "to": ch["to"],
              "claims": ", ".join(ch["claims"])} for ch in self.changes()],
            columns=["path", "from", "to", "claims"])
        return {"checked": claims, "changes": changes}

    def charts(self) -> dict[str, bytes]:
        return {}

    def sentences(self) -> list[str]:
        """The calibration in planning sentences."""
        c = self.calibration
        lines = []
        holding = [k.claim.id for k in self.checked if k.holds]
        lines.append(f"{len(holding)} of {len(self.checked)} claims hold on the instance as it "
                     "is" + (f" ({', '.join(holding)})." if holding else "."))
        if c.status == "impossible":
            stop = "; ".join(f"they would need {number(round(b.needed, 1))} "
                             f"{path_words(b.path)} (range {number(b.low)}-{number(b.high)})"
                             for b in c.beyond)
            lines.append(f"No assumptions within their ranges make all claims hold: "
                         f"{', '.join(self._ids(c.conflict))} cannot hold together"
                         + (f"; {stop}." if stop else " (no assumption's range stops them "
                                                      "alone)."))
            lines.append(f"Calibrated to the largest consistent set, leaving out "
                         f"{', '.join(self._ids(c.dropped))}.")
        changes = self.changes()
        if not changes:
            lines.append("No assumption needs to change." if c.status == "found"
                         else "The consistent claims need no change.")
        for ch in changes:
            who = _who(self, ch["claims"])
            more = ch["to"] > ch["from"]
            lines.append(f"{who} {'needs' if len(ch['claims']) == 1 else 'need'} "
                         f"{'at least' if more else 'at most'} {_shown(ch['to'])} "
                         f"{path_words(ch['path'])} (assumed {_shown(ch['from'])}).")
        if not c.verified:
            lines.append("Warning: with the calibrated values the claims held were not "
                         "confirmed on the model itself.")
        if self.written:
            lines.append(f"Calibrated instance written to {self.written}.")
        return lines


def _who(result: ClaimsResult, ids: list[str]) -> str:
    texts = {k.claim.id: k.claim.text for k in result.checked}
    if len(ids) == 1:
        text = texts.get(ids[0])
        return f"{ids[0]} (\"{text}\")" if text else ids[0]
    return ", ".join(ids)


def _figure(value: str | float | None) -> str | int | float | None:
    """A figure as the JSON shows it: a period label, or a whole number of items."""
    return _plain(value) if isinstance(value, float) else value


def _plain(value: float) -> float | int:
    return int(value) if float(value).is_integer() else round(float(value), 4)


def _shown(value: float | int) -> str:
    return f"{value:,}" if isinstance(value, int) else f"{value:,.4g}"


def lever_words(lever: Lever) -> str:
    """A lever as a planner reads it."""
    return path_words(lever.path)


def claims_files(result: ClaimsResult) -> dict[str, str | bytes]:
    """What `--out` writes: the tables as CSV and one workbook (a front sheet with the
    headline and the sentences, formats, units; in the chosen language), and the JSON
    document."""
    from capplan.report.words import checked
    from capplan.report.workbook import headline, results_workbook

    lang = checked(None)
    doc = result.to_dict()
    tables = result.tables()
    files: dict[str, str | bytes] = {f"{name}.csv": frame.to_csv(index=False)
                                     for name, frame in tables.items()}
    files["claims.json"] = json.dumps(doc, indent=2) + "\n"
    files["claims.xlsx"] = results_workbook(tables, headline(result, lang), lang)
    return files
