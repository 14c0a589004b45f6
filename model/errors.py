"""Errors that reach the user as one clear message (exit code 2)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pydantic import ValidationError


class InputError(Exception):
    """Bad input: names the file, the key and what is wrong.

    `problems` holds one (key, problem) pair per fault; the message shows them all at once.
    """

    def __init__(self, source: str, problems: list[tuple[str, str]]) -> None:
        self.source = source
        self.problems = problems
        super().__init__(self.message())

    def message(self) -> str:
        """One message: `source: key: problem`, or a short list when there are several."""
        if len(self.problems) == 1:
            key, problem = self.problems[0]
            return f"{self.source}: {key}: {problem}" if key else f"{self.source}: {problem}"
        lines = [f"{self.source}: {len(self.problems)} problems"]
        lines += [f"  {key}: {problem}" if key else f"  {problem}"
                  for key, problem in self.problems]
        return "\n".join(lines)


def read_input(path: Path) -> bytes:
    """The bytes of an input file; InputError naming it when it is missing or unreadable."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise InputError(str(path), [("", "file not found")]) from None
    except OSError as exc:
        raise InputError(str(path), [("", f"cannot read: {exc.strerror}")]) from None


def row_problems(line: int, exc: ValidationError, hidden: tuple[str, ...] = (),
                 hints: dict[str, str] | None = None) -> list[tuple[str, str]]:
    """A row schema's validation errors as (`row LINE, COLUMN`, problem) pairs: the value
    given is shown except for `hidden` columns; `hints` replaces the message for an error
    type (e.g. a pattern mismatch)."""
    out = []
    for err in exc.errors():
        column = str(err["loc"][0]) if err["loc"] else ""
        message = (hints or {}).get(err["type"],
                                    str(err["msg"]).replace("Input should be", "should be"))
        shown = "" if column in hidden else f" (got {err.get('input')!r})"
        out.append((f"row {line}, {column}", f"{message}{shown}"))
    return out
