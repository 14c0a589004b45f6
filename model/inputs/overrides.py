"""inputs.overrides."""

from __future__ import annotations

import copy
import fnmatch
import tomllib
from typing import Any

from capplan.errors import MAX_DEPTH, InputError, check_nesting

# --- scenarios and overrides ----------------------------------------------------------------

LIST_BLOCKS = {"segment": "name", "measure": "id", "region": "name", "risk": "id"}


def apply_scenario(raw: dict[str, Any], scenario: str | None, source: str) -> dict[str, Any]:
    """Apply the overrides of `[scenarios.NAME]` in the order written."""
    if scenario is None:
        return raw
    scenarios = raw.get("scenarios", {})
    if not isinstance(scenarios, dict) or scenario not in scenarios:
        known = ", ".join(sorted(scenarios)) if isinstance(scenarios, dict) else ""
        raise InputError(
            source, [(f"scenarios.{scenario}", f"no such scenario (known: {known or 'none'})")]
        )
    block = scenarios[scenario]
    if not isinstance(block, dict):
        raise InputError(source, [(f"scenarios.{scenario}", "must be a table of path = value")])
    for path, value in block.items():
        raw = set_path(raw, path, value, source, f"scenarios.{scenario}.{path}")
    return raw


def apply_override(raw: dict[str, Any], setting: str, source: str) -> dict[str, Any]:
    """Apply one `PATH=VALUE`; VALUE is read as a TOML value, else taken as a string."""
    path, sep, text = setting.partition("=")
    if not sep or not path.strip():
        raise InputError(source, [(f"--set {setting}", "expected PATH=VALUE")])
    origin = f"--set {path.strip()}"
    return set_path(raw, path.strip(), parse_value(text.strip(), source, origin), source,
                    origin)


def parse_value(text: str, source: str = "--set", origin: str = "") -> Any:
    """`480` -> 480, `true` -> True, `["a", "b"]` -> list, `in` -> 'in'; InputError for a
    value nested deeper than the reading policy allows."""
    check_nesting(text, source, origin or text)
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


def set_path(
    raw: dict[str, Any], path: str, value: Any, source: str, origin: str,
    in_place: bool = False,
) -> dict[str, Any]:
    """A copy of `raw` (or `raw` itself, `in_place`) with `path` set to `value`.

    `segment.NAME.KEY`, `measure.ID.KEY` and `region.NAME.KEY` select blocks by name (NAME may
    be a glob); other parts are table keys, created where missing.
    """
    parts = path.split(".")
    if len(parts) > MAX_DEPTH:
        raise InputError(source, [(origin, f"a path of {len(parts)} parts; at most "
                                           f"{MAX_DEPTH} are read")])
    out = raw if in_place else copy.deepcopy(raw)
    if parts[0] in LIST_BLOCKS:
        if len(parts) < 3:
            raise InputError(source, [(origin, f"expected {parts[0]}.NAME.KEY")])
        blocks = out.get(parts[0])
        key = LIST_BLOCKS[parts[0]]
        targets = [
            b
            for b in (blocks if isinstance(blocks, list) else [])
            if isinstance(b, dict) and fnmatch.fnmatchcase(str(b.get(key, "")), parts[1])
        ]
        if not targets:
            raise InputError(source, [(origin, f"{parts[0]} '{parts[1]}' matches nothing")])
        rest = parts[2:]
    else:
        targets, rest = [out], parts
    for node in targets:
        for part in rest[:-1]:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                raise InputError(source, [(origin, f"'{part}' is not a table")])
        node[rest[-1]] = copy.deepcopy(value)
    return out
