"""report.files."""

from __future__ import annotations

import datetime as dt
import errno
import io
import json
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from capplan.core.backends import Status
from capplan.core.results import Plan
from capplan.errors import InputError, OutputError
from capplan.version import __version__

if TYPE_CHECKING:
    import pandas as pd


def results_workbook(tables: dict[str, pd.DataFrame], front: dict[str, Any]) -> bytes:
    """Result tables as an .xlsx workbook: a front sheet (input, scenario, overrides, version,
    time) and one sheet per table."""
    import pandas as pd

    from capplan.inputs.workbook import cell_text

    buffer = io.BytesIO()
    info = {"capplan": __version__,
            "written": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC"), **front}
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        pd.DataFrame({"item": list(info), "value": [cell_text(v) for v in info.values()]}).to_excel(
            writer, sheet_name="about", index=False)
        for name, frame in tables.items():
            frame.to_excel(writer, sheet_name=name[:31], index=False)
    return buffer.getvalue()


def trajectory_csv(plan: Plan) -> str:
    """The yearly trajectory as CSV text."""
    return str(plan.trajectory.to_csv(index=False, float_format="%.2f"))


def capacity_csv(plan: Plan) -> str:
    """Per period: completions, cumulative curve, remaining and capacity, as CSV text."""
    return str(plan.periods.to_csv(index=False, float_format="%.3f"))


def write_out(folder: Path, doc: dict[str, Any], plan: Plan,
              charts: dict[str, bytes] | None = None) -> list[Path]:
    """Write trajectory.csv, capacity.csv, plan.json and the charts into `folder`, all or
    nothing."""
    files: dict[str, str | bytes] = {"plan.json": json.dumps(doc, indent=2) + "\n"}
    if plan.status == Status.OPTIMAL:
        files["trajectory.csv"] = trajectory_csv(plan)
        files["capacity.csv"] = capacity_csv(plan)
    files.update(charts or {})
    return write_files(folder, files)


def write_files(folder: Path, files: dict[str, str | bytes]) -> list[Path]:
    """Write files into `folder` all or nothing: each to a temporary name first, then all
    renamed once every one is written (see `Staged`)."""
    return stage_files(folder, files).publish()


def _umask() -> int:
    """The process's umask (read by setting it and setting it back)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _refuse(folder: Path, problem: str) -> InputError:
    return InputError(str(folder), [("", problem)])


def _os_problem(folder: Path, exc: OSError) -> Exception:
    """An OSError of writing into `folder` as the error the user sees: a full disk is the
    machine's (OutputError), a read-only or missing folder the user's (InputError)."""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return OutputError(f"{folder}: the disk is full (no space left); nothing was written")
    if isinstance(exc, PermissionError) or exc.errno in (errno.EROFS, errno.EACCES):
        return _refuse(folder, "cannot write here (permission denied or a read-only file "
                               "system); nothing was written")
    if isinstance(exc, FileExistsError | NotADirectoryError):
        return _refuse(folder, "is a file, not a folder; nothing was written")
    return OutputError(f"{folder}: cannot write ({exc.strerror or type(exc).__name__}); "
                       "nothing was written")


class Staged:
    """Files written under temporary names in their folder, not yet visible under their own
    names: `publish()` renames them all into place (restoring the files they replaced if one
    rename fails), `discard()` removes them. New files get the mode the user's umask gives
    (0644 under umask 022), as a plain `open` would."""

    def __init__(self, folder: Path, entries: list[tuple[Path, Path]]) -> None:
        self.folder = folder
        self.entries = entries

    def add(self, name: str, content: str | bytes) -> None:
        """Stage one more file."""
        self.entries += stage_files(self.folder, {name: content}).entries

    def mark(self, run: dict[str, Any]) -> None:
        """Add `"run": run` (the ledger record: id, ledger, hash) to every staged JSON document
        (an object with a `"schema"`), so a published output names the record it comes
        from."""
        for tmp, final in self.entries:
            if final.suffix != ".json":
                continue
            try:
                doc = json.loads(tmp.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            if isinstance(doc, dict) and "schema" in doc:
                doc["run"] = run
                tmp.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")

    def publish(self) -> list[Path]:
        """Rename every staged file into place, all or nothing."""
        saved: list[tuple[Path, Path | None]] = []
        try:
            for tmp, final in self.entries:
                backup = None
                if final.exists():
                    backup = final.with_name(f".{final.name}.{os.getpid()}.previous")
                    os.link(final, backup)
                saved.append((final, backup))
                os.replace(tmp, final)
        except OSError as exc:
            for final, backup in reversed(saved):
                if backup is not None:
                    os.replace(backup, final)
                else:
                    final.unlink(missing_ok=True)
            self.discard()
            raise _os_problem(self.folder, exc) from None
        for _, backup in saved:
            if backup is not None:
                backup.unlink(missing_ok=True)
        published = [final for _, final in self.entries]
        self.entries = []
        return published

    def discard(self) -> None:
        """Remove every staged file; nothing is published."""
        for tmp, _ in self.entries:
            tmp.unlink(missing_ok=True)
        self.entries = []


def stage_files(folder: Path, files: dict[str, str | bytes]) -> Staged:
    """Write `files` under temporary names in `folder` (created if missing). InputError, with
    nothing left behind, when the folder is a file or cannot be written, or a name to write
    exists as a folder; OutputError when the disk is full."""
    for name in files:
        target = folder / name
        if target.is_dir() or (target.exists() and not target.is_file()):
            raise _refuse(folder, f"{name} exists and is not a file (a folder?); nothing was "
                                  "written")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _os_problem(folder, exc) from None
    mode = 0o666 & ~_umask()
    staged = Staged(folder, [])
    try:
        for name, content in files.items():
            handle, tmp = tempfile.mkstemp(dir=folder, prefix=f".{name}.")
            staged.entries.append((Path(tmp), folder / name))
            with os.fdopen(handle, "wb") as fh:
                fh.write(content.encode("utf-8") if isinstance(content, str) else content)
            os.chmod(tmp, mode)
    except OSError as exc:
        staged.discard()
        raise _os_problem(folder, exc) from None
    return staged
