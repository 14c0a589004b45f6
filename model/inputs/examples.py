"""The shipped examples: instances, claims files, target tables and actuals, installed as the
package data of `capplan.examples` (the files of instances/).

`examples()` lists them; `resolve()` turns a shipped name such as `groningen-2024` into the
path of its file, so a command accepts either a file or a shipped name.
"""

from __future__ import annotations

import atexit
import tomllib
from contextlib import ExitStack
from dataclasses import dataclass
from importlib.resources import as_file, files
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Literal

from capplan.errors import InputError

PACKAGE = "capplan.examples"

Kind = Literal["instance", "claims", "targets", "actuals"]
KINDS: tuple[Kind, ...] = ("instance", "claims", "targets", "actuals")
SUFFIXES: dict[str, str] = {"instance": ".toml", "claims": ".toml", "targets": ".csv",
                            "actuals": ".csv"}
PLURALS: dict[str, str] = {"instance": "instances", "claims": "claims files",
                           "targets": "targets", "actuals": "actuals"}

# The header row of a CSV tells its kind: targets are `year,completed` (see
# questions/evaluate.py), actuals start with `period,segment` (see cycle/actuals.py).
TARGETS_HEADER = "year,completed"
ACTUALS_HEADER_START = "period,segment,"


@dataclass(frozen=True)
class Example:
    """One shipped file: `name` is its stem, `description` the first line of its leading
    comment, `programme` an instance's `programme.name` (None for a CSV)."""

    name: str
    kind: Kind
    path: Path
    description: str
    programme: str | None = None


def examples() -> list[Example]:
    """Every shipped example, instances first, then claims files, targets and actuals, each by
    name.

    Cheap: reads each file's text, and parses an instance's TOML only for `programme.name`;
    nothing is validated. A file whose kind cannot be told is not an example and is left out.
    """
    found = []
    for resource in files(PACKAGE).iterdir():
        suffix = Path(resource.name).suffix
        if suffix not in (".toml", ".csv") or not resource.is_file():
            continue
        text = resource.read_text(encoding="utf-8")
        kind = _kind(suffix, text)
        if kind is None:
            continue
        programme = None
        if kind == "instance":
            declared = tomllib.loads(text).get("programme", {}).get("name")
            programme = str(declared) if declared is not None else None
        found.append(Example(Path(resource.name).stem, kind, _filesystem_path(resource),
                             _first_comment_line(text), programme))
    return sorted(found, key=lambda e: (KINDS.index(e.kind), e.name))


def resolve(name_or_path: str | Path, kind: str = "instance") -> Path:
    """The file to read: an existing file is returned as given; otherwise a shipped name of
    that kind, with or without its suffix (`groningen-2024`, `toy.toml`, `sodm-2024-targets`),
    gives the path of the packaged file.

    Raises InputError naming the argument and listing the shipped names of that kind (or
    saying that it is a folder); a name with a folder in it is a path, never a shipped name.
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)} (got {kind!r})")
    given = Path(name_or_path)
    if given.is_file():
        return name_or_path if isinstance(name_or_path, Path) else given
    if given.is_dir():
        also = " or a filled .xlsx template" if kind == "instance" else ""
        raise InputError(str(name_or_path), [
            ("", f"is a folder, not a file: give the {kind} file itself (a {SUFFIXES[kind]} "
                 f"file{also})")])
    if given.exists():  # a device, a pipe, a socket: nothing to read as a file
        raise InputError(str(name_or_path), [("", f"is not a regular file: give the {kind} "
                                                  f"file itself (a {SUFFIXES[kind]} file)")])
    shipped = [e for e in examples() if e.kind == kind]
    stem = given.name.removesuffix(SUFFIXES[kind])
    if len(given.parts) == 1:
        for example in shipped:
            if example.name == stem:
                return example.path
    names = ", ".join(e.name for e in shipped)
    raise InputError(str(name_or_path), [
        ("", f"file not found, nor a shipped example (shipped {PLURALS[kind]}: {names})")])


def _kind(suffix: str, text: str) -> Kind | None:
    """For TOML, claims when it holds `[[claim]]` blocks (questions/claims.py), else instance;
    for CSV, what its header row says (None: neither)."""
    if suffix == ".toml":
        return "claims" if "claim" in tomllib.loads(text) else "instance"
    header = next((line.strip().replace(" ", "") for line in text.splitlines()
                   if line.strip() and not line.startswith("#")), "")
    if header == TARGETS_HEADER:
        return "targets"
    if header.startswith(ACTUALS_HEADER_START):
        return "actuals"
    return None


def _first_comment_line(text: str) -> str:
    """The first line of the file, without its `#`, when it is a comment; else ""."""
    first = text.splitlines()[0] if text else ""
    return first.lstrip("#").strip() if first.startswith("#") else ""


# Files extracted from a zipped install stay until the interpreter exits.
_extracted = ExitStack()
atexit.register(_extracted.close)


def _filesystem_path(resource: Traversable) -> Path:
    """A real path for a packaged file: the file itself when the package is installed as
    files (the usual case), else a copy that lives as long as the process."""
    if isinstance(resource, Path):
        return resource
    return _extracted.enter_context(as_file(resource))
