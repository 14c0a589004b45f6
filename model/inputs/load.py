"""Load an instance: read the file once, apply a scenario and overrides, validate; and vary a
loaded instance in memory (another scenario or more overrides) without reading it again."""

from __future__ import annotations

import copy
import hashlib
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from capplan.errors import InputError, check_nesting, check_unzipped_size, decode, read_input
from capplan.inputs.examples import resolve
from capplan.inputs.overrides import apply_override, apply_scenario, set_path
from capplan.inputs.schema import Instance, validate
from capplan.inputs.size import check_size


@dataclass(frozen=True)
class Loaded:
    """A validated instance with where it came from (for the report and reproducibility).

    `raw` is the mapping that was validated (scenario and overrides applied); `original` the
    file's mapping as read, from which `vary` derives other variants in memory; `where` maps
    keys to workbook cells for messages (empty for TOML); `content` the bytes read, the very
    bytes that were hashed and parsed (the ledger records them); `allow_large`: the model may
    exceed the size budget (`inputs.size`)."""

    instance: Instance
    path: Path
    sha256: str
    scenario: str | None
    overrides: list[str] = field(default_factory=list)
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    original: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    where: dict[str, str] = field(default_factory=dict, repr=False, compare=False)
    content: bytes = field(default=b"", repr=False, compare=False)
    allow_large: bool = field(default=False, repr=False, compare=False)


def load(
    path: str | Path, scenario: str | None = None, overrides: Sequence[str] | None = None,
    *, allow_large: bool = False,
) -> Loaded:
    """Read, apply the scenario then the overrides, and validate an instance file: TOML, or
    an Excel workbook (.xlsx, see inputs/workbook.py) whose messages also name sheet, row and
    column. `path` may also name a shipped example (`groningen-2024`).

    The file is read once: its bytes are hashed and parsed (a workbook from a copy of those
    bytes), so an edit while capplan runs changes nothing. The model's estimated size must
    stay within the budget of `inputs.size` unless `allow_large`.

    Raises InputError (file, key, problem) on any fault.
    """
    path = resolve(path)
    source = str(path)
    data = read_input(path)
    where: dict[str, str] = {}
    if path.suffix.lower() == ".xlsx":
        raw, where = _read_workbook_bytes(data, path)
    else:
        text = decode(data, source)
        check_nesting(text, source)
        try:
            raw = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise InputError(source, [("", f"TOML syntax: {exc}")]) from None
        except (RecursionError, MemoryError):
            raise InputError(source, [("", "nested too deeply to read")]) from None
    return _derive(raw, path, hashlib.sha256(data).hexdigest(), scenario, list(overrides or []),
                   where, data, allow_large)


def _read_workbook_bytes(data: bytes, path: Path) -> tuple[dict[str, Any], dict[str, str]]:
    """A workbook read from the bytes already read (a private copy, so the file on disk is not
    opened again), once its inflated size is checked; messages name the original file."""
    import tempfile

    from capplan.inputs.workbook import read_workbook

    with tempfile.TemporaryDirectory() as folder:
        copy_path = Path(folder) / path.name
        copy_path.write_bytes(data)
        try:
            check_unzipped_size(copy_path)
            return read_workbook(copy_path)
        except InputError as exc:
            raise InputError(str(path), exc.problems) from None


def vary(loaded: Loaded, scenario: str | None, overrides: Sequence[str] = ()) -> Loaded:
    """The same input with another scenario and overrides, derived in memory from the mapping
    read by `load` (the file is not read again; its hash stays that of the bytes read)."""
    return _derive(loaded.original, loaded.path, loaded.sha256, scenario, list(overrides),
                   loaded.where, loaded.content, loaded.allow_large)


def _derive(original: dict[str, Any], path: Path, sha256: str, scenario: str | None,
            settings: list[str], where: dict[str, str], content: bytes,
            allow_large: bool) -> Loaded:
    """Apply the scenario, then the overrides, to a copy of `original`, and validate."""
    source = str(path)
    raw = apply_scenario(copy.deepcopy(original), scenario, source)
    for setting in settings:
        raw = apply_override(raw, setting, source)
    try:
        instance = validate(raw, source)
    except InputError as exc:
        if not where:
            raise
        from capplan.inputs.workbook import locate

        raise InputError(source, locate(exc.problems, where)) from None
    check_size(instance, source, allow_large)
    return Loaded(instance, path, sha256, scenario, settings, raw, original, where, content,
                  allow_large)


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
