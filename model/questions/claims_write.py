"""The calibrated instance as text: the instance file with each calibrated value changed in
place, comments and layout kept, and each changed line marked `# calibrated: <claim ids>`.

The file is edited line by line (the instance format's tables, arrays of tables and inline
tables), then read back: the result must parse to the instance's mapping with exactly the
calibrated values changed, or nothing is written.
"""

from __future__ import annotations

import copy
import re
import tomllib
from dataclasses import dataclass
from typing import Any

from capplan.inputs.overrides import LIST_BLOCKS, set_path

_HEADER = re.compile(r"^\s*(\[\[?)\s*([A-Za-z0-9_.\-\"]+)\s*\]\]?")
_KEY = r'(?:"{key}"|{key})'
_VALUE = r"-?\d[\d_]*(?:\.\d+)?(?:[eE][+-]?\d+)?"


@dataclass(frozen=True)
class Change:
    """A path set to a calibrated value, and the claims that need it."""

    path: str
    value: float
    claims: tuple[str, ...]


def number(value: float) -> str:
    """812.0 -> '812', 0.0845 -> '0.0845'."""
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.4f}".rstrip("0").rstrip(".")


@dataclass
class _Section:
    header: list[str]
    array: bool
    start: int
    end: int
    name: str | None


def _sections(lines: list[str]) -> list[_Section]:
    out: list[_Section] = [_Section([], False, 0, len(lines), None)]
    for i, line in enumerate(lines):
        match = _HEADER.match(line)
        if match is None or line.lstrip().startswith("#"):
            continue
        out[-1].end = i
        header = [p.strip('"') for p in match[2].split(".")]
        out.append(_Section(header, match[1] == "[[", i, len(lines), None))
    for section in out:
        if section.array and section.header and section.header[0] in LIST_BLOCKS:
            key = LIST_BLOCKS[section.header[0]]
            for line in lines[section.start + 1:section.end]:
                if m := re.match(rf'^\s*{key}\s*=\s*"([^"]*)"', line):
                    section.name = m[1]
                    break
    return out


def _locate(sections: list[_Section], parts: list[str]) -> tuple[_Section, list[str]]:
    if parts[0] in LIST_BLOCKS:
        for s in sections:
            if s.array and s.header == [parts[0]] and s.name == parts[1]:
                return s, parts[2:]
        raise KeyError(".".join(parts))
    best: tuple[_Section, list[str]] | None = None
    for s in sections:
        if not s.array and parts[:len(s.header)] == s.header and len(parts) > len(s.header) and (
                best is None or len(s.header) > len(best[0].header)):
            best = (s, parts[len(s.header):])
    if best is None:
        raise KeyError(".".join(parts))
    return best


def _mark(line: str, ids: tuple[str, ...]) -> str:
    mark = f"# calibrated: {', '.join(ids)}"
    return f"{line.rstrip()}  {mark}" if mark not in line else line


def rewrite(text: str, changes: list[Change]) -> str:
    """The instance text with every change made and its line marked; ValueError when a change
    cannot be written so that the text reads back as intended."""
    lines = text.split("\n")
    marks: dict[int, tuple[str, ...]] = {}
    for change in changes:
        sections = _sections(lines)
        parts = change.path.split(".")
        section, keys = _locate(sections, parts)
        value = number(change.value)
        head = re.escape(keys[0])
        found = None
        for i in range(section.start + (1 if section.header else 0), section.end):
            if re.match(rf"^\s*{_KEY.format(key=head)}\s*=", lines[i]):
                found = i
                break
        if found is None:
            body = value if len(keys) == 1 else "{ " + " = ".join(
                [f'"{k}"' if not re.fullmatch(r"[A-Za-z_][\w\-]*", k) else k for k in keys[1:]]
                + [value]) + " }"
            last = section.end
            while last > section.start + 1 and not lines[last - 1].strip():
                last -= 1
            lines.insert(last, f"{keys[0]} = {body}")
            found = last
            marks = {(k + 1 if k >= last else k): v for k, v in marks.items()}
        elif len(keys) == 1:
            lines[found] = re.sub(rf"^(\s*{_KEY.format(key=head)}\s*=\s*){_VALUE}",
                                  rf"\g<1>{value}", lines[found], count=1)
        else:
            sub = re.escape(keys[1])
            pattern = rf"([{{,]\s*{_KEY.format(key=sub)}\s*=\s*){_VALUE}"
            if re.search(pattern, lines[found]):
                lines[found] = re.sub(pattern, rf"\g<1>{value}", lines[found], count=1)
            else:
                name = keys[1] if re.fullmatch(r"[A-Za-z_][\w\-]*", keys[1]) else f'"{keys[1]}"'
                lines[found] = re.sub(r"=\s*\{\s*", f"= {{ {name} = {value}, ",
                                      lines[found], count=1)
        marks[found] = tuple(dict.fromkeys([*marks.get(found, ()), *change.claims]))
    for i, ids in marks.items():
        lines[i] = _mark(lines[i], ids)
    out = "\n".join(lines)
    _check(text, out, changes)
    return out


def _check(before: str, after: str, changes: list[Change]) -> None:
    expected: dict[str, Any] = copy.deepcopy(tomllib.loads(before))
    for change in changes:
        value: float | int = int(change.value) if float(change.value).is_integer() else \
            change.value
        expected = set_path(expected, change.path, value, "", change.path)
    try:
        got = tomllib.loads(after)
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"the calibrated text does not read as TOML: {exc}") from None
    if got != expected:
        raise ValueError("the calibrated text does not read back as the calibrated values")
