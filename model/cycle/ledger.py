"""The run ledger: every published plan reproducible from a recorded run.

An embedded SQLite database (default `./capplan-runs.sqlite`, or `CAPPLAN_LEDGER`, or
`--ledger PATH`). Each run records time, command line, capplan version, solver and its
version, the instance file's content and sha256, scenario and overrides, status, objective
values, milestones, trajectory and capacity tables, and the command's whole JSON document.

Append-only and tamper-evident: triggers refuse UPDATE and DELETE, and each record holds the
hash of the previous one; its own hash covers its id, its fields and that previous hash, so a
changed, removed or reordered record breaks the chain at that point (`verify`). Writers take
the database's write lock (`BEGIN IMMEDIATE`, WAL journal) before reading the last hash, so
concurrent runs append one after another; a crash mid-write rolls the transaction back.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DEFAULT = "capplan-runs.sqlite"
GENESIS = "0" * 64
FIELDS = ("recorded_at", "command", "capplan_version", "solver", "solver_version",
          "instance_path", "instance_sha256", "instance_content", "scenario", "overrides",
          "status", "objective", "milestones", "trajectory", "capacity", "document")

SCHEMA = f"""
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY,
    {", ".join(f"{f} {'BLOB' if f == 'instance_content' else 'TEXT'}" for f in FIELDS)},
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE TRIGGER IF NOT EXISTS runs_no_update BEFORE UPDATE ON runs
BEGIN SELECT RAISE(ABORT, 'the run ledger is append-only'); END;
CREATE TRIGGER IF NOT EXISTS runs_no_delete BEFORE DELETE ON runs
BEGIN SELECT RAISE(ABORT, 'the run ledger is append-only'); END;
"""


def ledger_path(option: Path | None) -> Path:
    """--ledger, else CAPPLAN_LEDGER, else ./capplan-runs.sqlite."""
    if option is not None:
        return option
    return Path(os.environ.get("CAPPLAN_LEDGER") or DEFAULT)


def _connect(path: Path) -> sqlite3.Connection:
    con = sqlite3.connect(path, timeout=60.0, isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA busy_timeout=60000")
    con.executescript(SCHEMA)
    return con


def record_hash(run_id: int, values: dict[str, Any], prev_hash: str) -> str:
    """sha256 over the previous hash, the id and every field (content as its sha256)."""
    digest = hashlib.sha256()
    digest.update(prev_hash.encode())
    digest.update(str(run_id).encode())
    for name in FIELDS:
        value = values.get(name)
        if isinstance(value, bytes | memoryview):
            value = hashlib.sha256(bytes(value)).hexdigest()
        digest.update(f"\x1f{name}\x1e{'' if value is None else value}".encode())
    return digest.hexdigest()


@dataclass(frozen=True)
class RunInput:
    """What a command hands the ledger."""

    command: list[str]
    version: str
    solver: str | None
    solver_version: str | None
    instance_path: Path
    instance_sha256: str
    scenario: str | None
    overrides: list[str]
    status: str
    objective: dict[str, Any]
    milestones: dict[str, Any]
    trajectory: list[dict[str, Any]]
    capacity: list[dict[str, Any]]
    document: dict[str, Any]


def record(path: Path, run: RunInput) -> int:
    """Append one run; returns its id."""
    content = run.instance_path.read_bytes()
    values: dict[str, Any] = {
        "recorded_at": dt.datetime.now(dt.UTC).isoformat(timespec="microseconds"),
        "command": json.dumps(run.command), "capplan_version": run.version,
        "solver": run.solver, "solver_version": run.solver_version,
        "instance_path": str(run.instance_path), "instance_sha256": run.instance_sha256,
        "instance_content": content, "scenario": run.scenario,
        "overrides": json.dumps(run.overrides), "status": run.status,
        "objective": json.dumps(run.objective), "milestones": json.dumps(run.milestones),
        "trajectory": json.dumps(run.trajectory), "capacity": json.dumps(run.capacity),
        "document": json.dumps(run.document, sort_keys=True),
    }
    con = _connect(path)
    try:
        con.execute("BEGIN IMMEDIATE")
        last = con.execute("SELECT id, hash FROM runs ORDER BY id DESC LIMIT 1").fetchone()
        run_id, prev = (last[0] + 1, last[1]) if last else (1, GENESIS)
        con.execute(
            f"INSERT INTO runs (id, {', '.join(FIELDS)}, prev_hash, hash) "
            f"VALUES ({', '.join('?' * (len(FIELDS) + 3))})",
            (run_id, *(values[f] for f in FIELDS), prev, record_hash(run_id, values, prev)),
        )
        con.execute("COMMIT")
        return int(run_id)
    except BaseException:
        if con.in_transaction:
            con.execute("ROLLBACK")
        raise
    finally:
        con.close()


def _rows(path: Path, where: str = "", args: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    con = _connect(path)
    con.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in con.execute(f"SELECT * FROM runs {where} ORDER BY id", args)]
    finally:
        con.close()


def runs(path: Path) -> list[dict[str, Any]]:
    """Every run, oldest first."""
    return _rows(path)


def run(path: Path, run_id: int) -> dict[str, Any] | None:
    """One run by id."""
    found = _rows(path, "WHERE id = ?", (run_id,))
    return found[0] if found else None


def verify(path: Path) -> tuple[int, int | None, str]:
    """Recompute the chain: (records checked, first broken id or None, what is wrong)."""
    prev, expected_id = GENESIS, 1
    rows = runs(path)
    for row in rows:
        if row["id"] != expected_id:
            return len(rows), expected_id, f"record {expected_id} is missing"
        if row["prev_hash"] != prev:
            return len(rows), row["id"], "its link to the previous record does not match"
        if record_hash(row["id"], row, row["prev_hash"]) != row["hash"]:
            return len(rows), row["id"], "its content does not match its hash"
        prev, expected_id = row["hash"], expected_id + 1
    return len(rows), None, ""


def latest_plan(path: Path, sha256: str, scenario: str | None, overrides: list[str],
                before: dt.datetime, replan_before: tuple[int, int]) -> dict[str, Any] | None:
    """The last solved `plan` or `replan` run of the same instance file, scenario and
    overrides recorded before `before`: the plan in force then. A `replan` run counts only
    if its as-of (year, last quarter) is earlier than `replan_before`."""
    found = None
    for row in _rows(path, "WHERE instance_sha256 = ? AND status = 'optimal'", (sha256,)):
        command = json.loads(str(row["command"]))[1:2]
        if command not in (["plan"], ["replan"]) or row["scenario"] != scenario:
            continue
        if json.loads(str(row["overrides"])) != overrides:
            continue
        if dt.datetime.fromisoformat(str(row["recorded_at"])) >= before:
            continue
        document = json.loads(str(row["document"]))
        if command == ["replan"] and tuple(document.get("as_of_order", (9999, 4))) >= (
                replan_before):
            continue
        found = row
    return found
