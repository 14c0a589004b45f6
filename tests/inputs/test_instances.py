"""Shipped instances: every figure cites docs/sources.md or is marked as an assumption, and the
Groningen instance reproduces the regulator's figures it is built on."""

from __future__ import annotations

import fnmatch
import re
from typing import Any

import pytest

from builders import INSTANCES
from capplan.inputs.load import load

# The horizon, the objective and identifiers are choices of the run, not facts.
EXEMPT_KEYS = {"start", "horizon_end", "terms", "id"}


@pytest.mark.parametrize("path", sorted(INSTANCES.glob("*.toml")), ids=lambda p: p.name)
def test_every_number_is_cited(path) -> None:  # type: ignore[no-untyped-def]
    """A line that sets a number carries `docs/sources.md` or `assumption:` on it."""
    uncited = []
    for number, line in enumerate(path.read_text().splitlines(), 1):
        code, _, comment = line.partition("#")
        key = code.partition("=")[0].strip().strip('"')
        if "=" not in code or not re.search(r"\d", code.partition("=")[2]):
            continue
        if key in EXEMPT_KEYS or "docs/sources.md" in comment or "assumption" in comment:
            continue
        uncited.append(f"{path.name}:{number}: {line.strip()}")
    assert not uncited, "\n".join(uncited)


def test_groningen_matches_the_letter() -> None:
    """Scope 15,644 (MJVP), 5,858 done by the end of 2024 (SodM table), so 9,786 remain;
    Eemsdelta holds more than half; medium + heavy = 3,200 (measure 28); scope-17500 gives
    17,500; scenario lead times 230 / 430 / 480 days."""
    base = load(INSTANCES / "groningen-2024.toml").instance
    assert base.scope == 15644 and base.history.total == 5858 and base.remaining == 9786
    eems = sum(s.count for s in base.segment if s.region == "Eemsdelta")
    assert eems > base.remaining / 2
    assert sum(s.count for s in base.segment if s.name.endswith(("-medium", "-heavy"))) == 3200
    assert load(INSTANCES / "groningen-2024.toml", "scope-17500").instance.scope == 17500
    for scenario, days in (("mjvp", 230), (None, 430), ("pessimistic", 480)):
        inst = load(INSTANCES / "groningen-2024.toml", scenario).instance
        assert {s.engineering_days for s in inst.segment} == {days}



def _values_at(raw: dict[str, Any], path: str) -> set[float]:
    """The instance's values at a risk's path (`segment.*.engineering_days`)."""
    block, pattern, *keys = path.split(".")
    name = {"segment": "name", "measure": "id"}[block]
    values = set()
    for item in raw[block]:
        if fnmatch.fnmatchcase(str(item[name]), pattern):
            node: Any = item
            for key in keys:
                node = node[key]
            values.add(float(node))
    return values


def test_groningen_risks_are_centred_or_say_why() -> None:
    """A drawn figure has the instance's own value as its mean, within a day: the engineering
    lead time triangular 380/430/480 (mean 430, the instance's 430), measure 28's months
    uniform 152-183 (mean 167.5, the instance's 167). The risks whose draws are not centred
    say why in the instance: scope, m29 and eemsdelta-tail are one-sided by their sources;
    m6-m28-months draws measure 6's published 91-183 days (mean 137) while the instance is
    calibrated to the letter's claims at 117."""
    loaded = load(INSTANCES / "groningen-2024.toml")
    blocks = {re.search(r'id = "([^"]+)"', b)[1]: b  # type: ignore[index]
              for b in (INSTANCES / "groningen-2024.toml").read_text().split("[[risk]]")[1:]}
    off_centre = set()
    for risk in loaded.instance.risk:
        for effect in risk.effect:
            if effect.triangular is not None:
                mean = sum(effect.triangular) / 3
            elif effect.uniform is not None:
                mean = sum(effect.uniform) / 2
            else:
                continue
            values = _values_at(loaded.raw, effect.path)
            if len(values) != 1 or abs(mean - values.pop()) > 1.0:
                off_centre.add(risk.id)
    assert off_centre == {"scope", "m29", "eemsdelta-tail", "m6-m28-months"}
    for risk_id in off_centre - {"m6-m28-months"}:
        assert "One-sided:" in blocks[risk_id], risk_id
    assert "Calibrated:" in blocks["m6-m28-months"]
    assert "One-sided:" not in blocks["lead-time"] + blocks["m6-m28-months"]
