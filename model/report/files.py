"""report.files."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from capplan.core.backends import Status
from capplan.core.results import Plan
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
    renamed once every one is written."""
    folder.mkdir(parents=True, exist_ok=True)
    staged: list[tuple[str, Path]] = []
    try:
        for name, content in files.items():
            handle, tmp = tempfile.mkstemp(dir=folder, prefix=f".{name}.")
            staged.append((tmp, folder / name))
            with os.fdopen(handle, "wb") as fh:
                fh.write(content.encode("utf-8") if isinstance(content, str) else content)
    except OSError:
        for tmp, _ in staged:
            Path(tmp).unlink(missing_ok=True)
        raise
    for tmp, final in staged:
        os.replace(tmp, final)
    return [final for _, final in staged]
