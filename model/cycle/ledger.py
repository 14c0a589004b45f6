"""The run ledger: every published plan reproducible from a recorded run.

An embedded SQLite database (default `./capplan-runs.sqlite`, or `CAPPLAN_LEDGER`, or
`--ledger PATH`). Each run records time, command line, capplan version, solver and its
version, the instance file's content and sha256, scenario and overrides, status, objective
values, milestones, trajectory and capacity tables, and the command's whole JSON document.

Append-only and tamper-evident: triggers refuse UPDATE and DELETE, and each record holds the
hash of the previous one; its own hash covers its id, its fields (a missing value differs from
an empty one) and that previous hash, so a changed, removed or reordered record breaks the
chain at that point (`verify`), and so does a record dated before the one it follows.

The chain is anchored outside the database: every write appends the new head (id and hash) to
the anchor file (`LEDGER.anchor`, or `$CAPPLAN_LEDGER_ANCHOR`: keep it on another disk or an
append-only store), and with a key (`$CAPPLAN_LEDGER_KEY_FILE`) each anchored head carries an
HMAC. Someone who drops the triggers, edits a record and recomputes every later hash leaves a
chain that no longer reaches the anchored heads; removing the last records or all of them
leaves anchored heads without their record. `runs anchor` prints the head to publish or sign;
`verify(..., heads=...)` checks such published heads too.

Writers take the database's write lock (`BEGIN IMMEDIATE`, WAL journal) before reading the
last hash, so concurrent runs append one after another; a crash mid-write rolls the
transaction back. The ledger and its anchor are readable by their owner only (mode 0600).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import os
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from capplan.errors import InputError, decode, read_input

DEFAULT = "capplan-runs.sqlite"
GENESIS = "0" * 64
HASH_VERSION = "capplan-ledger/2"
"""Mixed into every record hash: version 2 tells a missing value (NULL) from an empty one."""
ANCHOR_ENV = "CAPPLAN_LEDGER_ANCHOR"
KEY_ENV = "CAPPLAN_LEDGER_KEY_FILE"
PRIVATE = 0o600
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


def anchor_path(ledger: Path) -> Path:
    """Where the chain's heads are kept: $CAPPLAN_LEDGER_ANCHOR, else LEDGER.anchor."""
    return Path(os.environ.get(ANCHOR_ENV) or f"{ledger}.anchor")


def _private(path: Path) -> None:
    """Owner-only access for a file capplan made (the ledger holds the instance files)."""
    for name in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        try:
            if name.exists() and name.stat().st_mode & 0o077:
                name.chmod(PRIVATE)
        except OSError:  # a file another user owns: left as it is
            pass


def _connect(path: Path) -> sqlite3.Connection:
    if not path.exists():  # made owner-only before SQLite writes anything into it
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, PRIVATE))
    con = sqlite3.connect(path, timeout=60.0, isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA busy_timeout=60000")
    con.executescript(SCHEMA)
    _private(path)
    return con


def record_hash(run_id: int, values: dict[str, Any], prev_hash: str) -> str:
    """sha256 over the version tag, the previous hash, the id and every field (content as its
    sha256; a NULL written `\\x00`, so it never equals an empty text)."""
    digest = hashlib.sha256()
    digest.update(HASH_VERSION.encode())
    digest.update(prev_hash.encode())
    digest.update(str(run_id).encode())
    for name in FIELDS:
        value = values.get(name)
        if isinstance(value, bytes | memoryview):
            value = "b" + hashlib.sha256(bytes(value)).hexdigest()
        else:
            value = "\x00" if value is None else "t" + str(value)
        digest.update(f"\x1f{name}\x1e{value}".encode())
    return digest.hexdigest()


def ledger_key() -> bytes | None:
    """The anchor's HMAC key: the content of $CAPPLAN_LEDGER_KEY_FILE (keep it apart from the
    ledger), or None when not set."""
    name = os.environ.get(KEY_ENV)
    if not name:
        return None
    text = decode(read_input(Path(name)), KEY_ENV).strip()
    if len(text) < 16 or len(set(text)) < 6:
        raise InputError(KEY_ENV, [("", "the ledger key needs at least 16 characters, 6 of "
                                        "them different")])
    return text.encode()


def head_mac(key: bytes, run_id: int, digest: str) -> str:
    """HMAC-SHA256 of an anchored head (`ID:HASH`) under the ledger key."""
    return hmac.new(key, f"{run_id}:{digest}".encode(), hashlib.sha256).hexdigest()


def _anchor(ledger: Path, run_id: int, digest: str, at: str, key: bytes | None) -> None:
    """Append the new head to the anchor file (owner-only), flushed to disk."""
    line: dict[str, Any] = {"id": run_id, "hash": digest, "recorded_at": at}
    if key is not None:
        line["mac"] = head_mac(key, run_id, digest)
    path = anchor_path(ledger)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, PRIVATE)
    try:
        os.write(fd, (json.dumps(line) + "\n").encode())
        os.fsync(fd)
    finally:
        os.close(fd)


def anchored_heads(ledger: Path) -> list[dict[str, Any]]:
    """Every head written to the anchor file, oldest first (empty when there is none)."""
    path = anchor_path(ledger)
    if not path.exists():
        return []
    heads = []
    for number, line in enumerate(decode(read_input(path), str(path)).splitlines(), start=1):
        if not line.strip():
            continue
        try:
            head = json.loads(line)
            heads.append({"id": int(head["id"]), "hash": str(head["hash"]),
                          "mac": head.get("mac"), "line": number})
        except (ValueError, KeyError, TypeError):
            heads.append({"id": None, "hash": "", "mac": None, "line": number})
    return heads


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
    instance_content: bytes | None = field(default=None, repr=False)
    """The bytes that were solved (read once by `inputs.load`); None: read the file now."""


def record(path: Path, run: RunInput) -> int:
    """Append one run, then anchor the new head; returns its id."""
    key = ledger_key()
    content = (run.instance_content if run.instance_content is not None
               else run.instance_path.read_bytes())
    values: dict[str, Any] = {
        "recorded_at": "",
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
        # dated under the write lock, so the chain's times never run backwards
        values["recorded_at"] = dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")
        con.execute(
            f"INSERT INTO runs (id, {', '.join(FIELDS)}, prev_hash, hash) "
            f"VALUES ({', '.join('?' * (len(FIELDS) + 3))})",
            (run_id, *(values[f] for f in FIELDS), prev, digest := record_hash(run_id, values,
                                                                                prev)),
        )
        con.execute("COMMIT")
    except BaseException:
        if con.in_transaction:
            con.execute("ROLLBACK")
        raise
    finally:
        con.close()
    _anchor(path, int(run_id), digest, values["recorded_at"], key)
    return int(run_id)


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


def run_hash(path: Path, run_id: int) -> str:
    """The hash of one recorded run (what its outputs' `run.json` names)."""
    found = run(path, run_id)
    return str(found["hash"]) if found else ""


@dataclass(frozen=True)
class Verification:
    """What `verify` found: records checked, the first broken record (None: intact) and why,
    the head (last id and hash), how many records the anchor covers, and whether its heads
    carry a valid HMAC."""

    checked: int
    broken: int | None
    why: str
    head_id: int | None
    head_hash: str
    anchored: int
    keyed: bool


def verify(path: Path, heads: tuple[tuple[int, str], ...] = ()) -> tuple[int, int | None, str]:
    """Recompute the chain and check it against the anchor file and the published `heads`
    (id, hash): (records checked, first broken id or None, what is wrong)."""
    found = verification(path, heads)
    return found.checked, found.broken, found.why


def verification(path: Path, heads: tuple[tuple[int, str], ...] = ()) -> Verification:
    """The whole check of `verify`, with the head and what the anchor covers."""
    rows = runs(path)
    key = ledger_key()
    head_id = rows[-1]["id"] if rows else None
    head_hash = str(rows[-1]["hash"]) if rows else GENESIS

    def broken(at: int | None, why: str, anchored: int = 0) -> Verification:
        return Verification(len(rows), at, why, head_id, head_hash, anchored, key is not None)

    prev, expected_id, when = GENESIS, 1, ""
    for row in rows:
        if row["id"] != expected_id:
            return broken(expected_id, f"record {expected_id} is missing")
        if row["prev_hash"] != prev:
            return broken(row["id"], "its link to the previous record does not match")
        if record_hash(row["id"], row, row["prev_hash"]) != row["hash"]:
            return broken(row["id"], "its content does not match its hash")
        stamp = str(row["recorded_at"])
        if stamp < when:
            return broken(row["id"], f"it is dated {stamp[:19]}, before the record it follows "
                                     f"({when[:19]}): back-dated")
        prev, expected_id, when = row["hash"], expected_id + 1, stamp
    by_id = {int(r["id"]): str(r["hash"]) for r in rows}
    anchor = anchor_path(path)
    lines = anchored_heads(path)
    if rows and not lines:
        return broken(1, f"no anchor at {anchor}: the chain's head was never recorded outside "
                         "the ledger (or the anchor was removed)")
    covered, last = 0, 0
    for head in lines:
        where = f"{anchor}, line {head['line']}"
        if head["id"] is None:
            return broken(None if not rows else 1, f"{where} cannot be read")
        if key is not None and head["mac"] != head_mac(key, head["id"], head["hash"]):
            return broken(head["id"], f"{where}: its HMAC does not match the ledger key (the "
                                      "anchor was written without the key, or edited)")
        if head["id"] not in by_id:
            return broken(head["id"], f"record {head['id']} was anchored ({where}) but is not "
                                      "in the ledger: records were removed")
        if by_id[head["id"]] != head["hash"]:
            return broken(head["id"], f"its hash differs from the one anchored ({where}): the "
                                      "record or an earlier one was rewritten")
        last = max(last, head["id"])
        covered = last
    for run_id, digest in heads:
        if by_id.get(run_id) != digest:
            return broken(run_id, f"the published head {run_id}:{digest[:12]}... is not in the "
                                  "ledger")
    return Verification(len(rows), None, "", head_id, head_hash, covered, key is not None)


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
