"""The plan form: an instance's editable figures as fields named by their `--set` path, and the
fields a planner changed as `PATH=VALUE` overrides.

Nothing is validated here: every override goes through the instance's own schema when the
API loads it, and its message (file, key, problem) is shown next to the field of that key.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

VALUE = re.compile(r"^[0-9A-Za-z .,_+\-]{0,40}$")
"""What a form field may hold: a number or a word, never TOML tables or text that spans lines."""
TERMS = re.compile(r"^[a-z0-9_]+( *, *[a-z0-9_]+)*$")
"""Objective terms as the form takes them: `finish, p95, waiting`."""


@dataclass(frozen=True)
class FormField:
    """One field of the plan form: its `--set` path, the instance's value, its group."""

    path: str
    value: str
    group: str
    label: str
    choices: tuple[str, ...] = ()


def shown(value: Any) -> str:
    """A figure as the form shows it: 3200.0 -> 3200, None -> empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def plan_fields(instance: Any) -> list[FormField]:
    """The editable figures of an instance: capacity levels and ramps per stage, lead times
    per segment, each measure's mode and the deadline."""
    fields = []
    for stage in ("engineering", "execution"):
        spec = getattr(instance.capacity, stage)
        if spec is None:
            continue
        for key in ("initial", "max", "ramp_up", "ramp_down"):
            fields.append(FormField(f"capacity.{stage}.{key}", shown(getattr(spec, key)),
                                    f"capacity.{stage}", key))
    for seg in instance.segment:
        for stage in ("engineering", "execution"):
            fields.append(FormField(f"segment.{seg.name}.{stage}_days",
                                    shown(getattr(seg, f"{stage}_days")), "lead_times", stage))
    for m in instance.measure:
        fields.append(FormField(f"measure.{m.id}.mode", str(m.mode), "measures",
                                f"{m.id}: {m.name or ''}".strip(": "),
                                ("in", "out", "choose")))
    p = instance.programme
    fields.append(FormField("programme.deadline", shown(p.deadline), "deadline", "deadline"))
    fields.append(FormField("programme.hard_deadline", shown(bool(p.hard_deadline)),
                            "deadline", "hard_deadline", ("false", "true")))
    return fields


def overrides(form: dict[str, str], fields: list[FormField]) -> tuple[list[str], list[tuple[
        str, str]]]:
    """The fields changed from the instance's values, as `PATH=VALUE`; and the problems of
    values a form field may not hold (key, problem)."""
    settings, problems = [], []
    objective = form.get("objective", "").strip()
    if objective and not TERMS.match(objective):
        problems.append(("objective", "expected terms separated by commas, such as "
                                      "finish,p95,waiting"))
    for f in fields:
        if f.path not in form:
            continue
        given = str(form[f.path]).strip()
        if f.path == "programme.hard_deadline":
            given = "true" if given in ("true", "on") else "false"
        if given == f.value or (given == "" and f.value == ""):
            continue
        if given == "":
            problems.append((f.path, "a value is needed"))
        elif not VALUE.match(given):
            problems.append((f.path, "expected a number or a word"))
        elif f.choices and given not in f.choices:
            problems.append((f.path, f"expected one of {', '.join(f.choices)}"))
        else:
            settings.append(f"{f.path}={given}")
    return settings, problems
