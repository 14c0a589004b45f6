"""Errors that reach the user as one clear message (exit code 2)."""

from __future__ import annotations

import codecs
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pydantic import ValidationError

MAX_PROBLEMS = 12
"""Problems listed in one message; the rest are counted (`... and N more`)."""

MAX_SHOWN = 80
"""Characters of a value or key shown in a message; a longer one is shortened."""

MAX_LINE = 400
"""Characters of one problem shown in a message."""

MAX_DEPTH = 50
"""The deepest nesting of tables, arrays and dotted keys an input may hold."""


MAX_UNZIPPED = 200 * 2**20
"""The most bytes a workbook (.xlsx, a zip archive) may inflate to: 200 MiB, some 50 times a
full Groningen workbook; a small file that inflates further is refused before it is opened."""

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def escape(text: str) -> str:
    """`text` with control characters (ANSI escapes, carriage returns, NUL) written as `\\xNN`
    so that a message cannot move the cursor, recolour or clear the user's terminal; a newline
    stays a newline."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def shorten(text: str, limit: int = MAX_SHOWN) -> str:
    """`text`, or its first `limit` characters and how many more there are; control characters
    escaped."""
    if len(text) <= limit:
        return escape(text)
    return f"{escape(text[:limit])}... ({len(text) - limit} more characters)"


def shown(value: Any) -> str:
    """A value as a message shows it: its repr, shortened."""
    return shorten(repr(value))


class InputError(Exception):
    """Bad input: names the file, the key and what is wrong.

    `problems` holds one (key, problem) pair per fault; the message shows them all at once.
    """

    def __init__(self, source: str, problems: list[tuple[str, str]]) -> None:
        self.source = source
        self.problems = problems
        super().__init__(self.message())

    def message(self) -> str:
        """One message: `source: key: problem`, or a short list when there are several (at
        most MAX_PROBLEMS, then `... and N more`); long keys and problems are shortened."""
        source = shorten(self.source, MAX_LINE).replace("\n", " ")
        problems = [(shorten(key).replace("\n", " "), shorten(problem, MAX_LINE)) for key, problem
                    in self.problems[:MAX_PROBLEMS]]
        if len(self.problems) == 1:
            key, problem = problems[0]
            return f"{source}: {key}: {problem}" if key else f"{source}: {problem}"
        lines = [f"{source}: {len(self.problems)} problems"]
        lines += [f"  {key}: {problem}" if key else f"  {problem}" for key, problem in problems]
        if len(self.problems) > MAX_PROBLEMS:
            lines.append(f"  ... and {len(self.problems) - MAX_PROBLEMS} more")
        return "\n".join(lines)


class OutputError(Exception):
    """Output that cannot be written for a reason of the machine, not of the input (a full
    disk): one message, exit code 1, nothing written half."""


def read_input(path: Path) -> bytes:
    """The bytes of an input file; InputError naming it when it is missing, a directory or
    unreadable."""
    if path.is_dir():
        raise InputError(str(path), [("", "is a directory, not a file")])
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise InputError(str(path), [("", "file not found")]) from None
    except IsADirectoryError:
        raise InputError(str(path), [("", "is a directory, not a file")]) from None
    except PermissionError:
        raise InputError(str(path), [("", "cannot read it: permission denied")]) from None
    except OSError:
        raise InputError(str(path), [("", "cannot read it (not a regular, readable file)")]
                         ) from None


def check_unzipped_size(path: Path, limit: int | None = None) -> None:
    """InputError when a workbook is not a zip archive or would inflate beyond `limit` bytes
    (default MAX_UNZIPPED):
    the sizes its directory declares are added up, and each member is inflated at most up to
    the rest of the budget, so that a member lying about its size is caught too. Cheap: nothing
    is kept."""
    import zipfile
    import zlib

    source = str(path)
    limit = MAX_UNZIPPED if limit is None else limit
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            declared = sum(m.file_size for m in members)
            if declared > limit:
                raise InputError(source, [("", f"inflates to {declared:,} bytes; at most "
                                               f"{limit:,} are read (a zip bomb or not a "
                                               "capplan workbook)")])
            budget = limit
            for member in members:
                with archive.open(member) as stream:
                    while chunk := stream.read(min(2**20, budget + 1)):
                        budget -= len(chunk)
                        if budget < 0:
                            raise InputError(source, [("", f"inflates to more than {limit:,} "
                                                           "bytes; at most that is read")])
    except (zipfile.BadZipFile, zlib.error):
        raise InputError(source, [("", "not a readable .xlsx workbook (not a zip archive, or "
                                       "a damaged one)")]) from None
    except (zipfile.LargeZipFile, NotImplementedError, RuntimeError, EOFError, ValueError):
        raise InputError(source, [("", "not a readable .xlsx workbook (an unsupported or "
                                       "encrypted zip archive)")]) from None
    except OSError as exc:
        raise InputError(source, [("", f"cannot read: {exc.strerror or 'damaged archive'}")]
                         ) from None


def decode(data: bytes, source: str) -> str:
    """Input bytes as text: UTF-8, with or without a byte-order mark. Anything else (latin-1,
    UTF-16, a binary file) is an InputError naming the file and the offset of the first byte
    that is not UTF-8 text."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise InputError(source, [("", "is UTF-16 text; save it as UTF-8")])
    body = data.removeprefix(codecs.BOM_UTF8)
    offset = len(data) - len(body)
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(source, [("", f"is not UTF-8 text: byte 0x{body[exc.start]:02x} at "
                                       f"offset {offset + exc.start}; save it as UTF-8")]
                         ) from None
    nul = body.find(b"\0")
    if nul >= 0:
        raise InputError(source, [("", f"is not a text file: a NUL byte at offset "
                                       f"{offset + nul}")])
    return text


def read_text(path: Path) -> tuple[str, bytes]:
    """An input file's text (see `decode`) and its bytes."""
    data = read_input(path)
    return decode(data, str(path)), data


def toml_nesting(text: str) -> tuple[int, int]:
    """(depth, line) of the deepest nesting in TOML text: arrays and inline tables opened
    and dotted-key parts on one line, outside strings and comments; a float's point is no
    nesting. Cheap, so that a hostile file is refused before the parser recurses."""
    deepest, where, line, depth, dots = 0, 1, 1, 0, 0
    quote = ""
    k, n = 0, len(text)
    while k < n:
        c = text[k]
        if quote:
            if c == "\\" and quote in ('"', '"""'):
                k += 2
                continue
            if text.startswith(quote, k):
                k += len(quote)
                quote = ""
                continue
            if c == "\n":
                line += 1
                dots = 0
            k += 1
            continue
        if c in "\"'":
            quote = c * 3 if text.startswith(c * 3, k) else c
            k += len(quote)
            continue
        if c == "#":
            end = text.find("\n", k)
            k = n if end < 0 else end
            continue
        if c == "\n":
            line += 1
            dots = 0
        elif c in "[{":
            depth += 1
        elif c in "]}":
            depth = max(depth - 1, 0)
        elif c == "." and not (text[k - 1:k].isdigit() and text[k + 1:k + 2].isdigit()):
            dots += 1
        if depth + dots > deepest:
            deepest, where = depth + dots, line
        k += 1
    return deepest, where


def check_nesting(text: str, source: str, key: str = "") -> None:
    """InputError when TOML text nests deeper than MAX_DEPTH levels."""
    depth, line = toml_nesting(text)
    if depth > MAX_DEPTH:
        where = f"line {line}: " if not key else ""
        raise InputError(source, [(key, f"{where}nested {depth} levels deep (tables, arrays "
                                        f"or dotted-key parts); at most {MAX_DEPTH} are read")])


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
        value = "" if column in hidden else f" (got {shown(err.get('input'))})"
        out.append((f"row {line}, {column}", f"{message}{value}"))
    return out
