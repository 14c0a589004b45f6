"""inputs.load."""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from capplan.errors import InputError, read_input
from capplan.inputs.overrides import apply_override, apply_scenario, set_path
from capplan.inputs.schema import Instance, validate

# --- loading --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Loaded:
    """A validated instance with where it came from (for the report and reproducibility)."""

    instance: Instance
    path: Path
    sha256: str
    scenario: str | None
    overrides: list[str] = field(default_factory=list)
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)


def load(
    path: str | Path, scenario: str | None = None, overrides: list[str] | None = None
) -> Loaded:
    """Read, apply the scenario then the overrides, and validate an instance file: TOML, or
    an Excel workbook (.xlsx, see inputs/workbook.py) whose messages also name sheet, row and
    column.

    Raises InputError (file, key, problem) on any fault.
    """
    path = Path(path)
    source = str(path)
    data = read_input(path)
    where: dict[str, str] = {}
    if path.suffix.lower() == ".xlsx":
        from capplan.inputs.workbook import read_workbook

        raw, where = read_workbook(path)
    else:
        try:
            raw = tomllib.loads(data.decode("utf-8"))
        except UnicodeDecodeError:
            raise InputError(source, [("", "is not UTF-8 text")]) from None
        except tomllib.TOMLDecodeError as exc:
            raise InputError(source, [("", f"TOML syntax: {exc}")]) from None
    raw = apply_scenario(raw, scenario, source)
    settings = overrides or []
    for setting in settings:
        raw = apply_override(raw, setting, source)
    try:
        instance = validate(raw, source)
    except InputError as exc:
        if not where:
            raise
        from capplan.inputs.workbook import locate

        raise InputError(source, locate(exc.problems, where)) from None
    return Loaded(instance, path, hashlib.sha256(data).hexdigest(), scenario, list(settings),
                  raw)


def check_risk_paths(raw: dict[str, Any], instance: Instance, source: str) -> None:
    """Every risk effect's path must name something and take its distribution's values: each
    is applied alone (with its low end or first choice) and the instance validated again.
    Checked by `sweep` and `validate`; a risk of likelihood 0 never applies and is not
    checked (a scenario that fixes what a risk varies switches it off so)."""
    problems: list[tuple[str, str]] = []
    for risk in instance.risk:
        if risk.likelihood == 0:
            continue
        for k, effect in enumerate(risk.effect):
            key = f"risk.{risk.id}.effect[{k}]"
            try:
                validate(set_path(raw, effect.path, effect.representative(), source, key),
                         source)
            except InputError as exc:
                problems += [(key, f"{effect.path}: {p}" if not p.startswith(effect.path)
                              else p) for _, p in exc.problems]
    if problems:
        raise InputError(source, problems)
