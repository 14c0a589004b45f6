"""The ledger anchored: a forger who drops the triggers, edits records and recomputes every later
hash is still caught; so are removed last records, renumbering, back-dating and NULL -> "";
the record holds the bytes that were solved; every recorded command can be reproduced."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from pathlib import Path

import pytest

import capplan
from builders import INSTANCES, run_cli, write_file
from capplan.cycle.ledger import GENESIS, anchor_path, record_hash, runs, verify

TOY = str(INSTANCES / "toy.toml")

Cap = pytest.CaptureFixture[str]
Patch = pytest.MonkeyPatch


@pytest.fixture(autouse=True)
def _no_outside_anchor(monkeypatch: Patch) -> None:
    monkeypatch.delenv("CAPPLAN_LEDGER_ANCHOR", raising=False)
    monkeypatch.delenv("CAPPLAN_LEDGER_KEY_FILE", raising=False)


def _plans(capsys: Cap, monkeypatch: Patch, count: int = 3) -> None:
    for k in range(count):
        code, _, err = run_cli(capsys, monkeypatch, "plan", TOY, "-f", "json", "--set",
                               f"capacity.execution.max={1000 + k}")
        assert code == 0, err


def _forge(ledger: Path, sql: str = "", rechain: bool = True) -> None:
    """Drop the triggers, run `sql`, then (rechain) recompute every id's links and hashes in
    order, as a forger who knows the hashing would."""
    con = sqlite3.connect(ledger)
    con.row_factory = sqlite3.Row
    con.executescript("DROP TRIGGER runs_no_update; DROP TRIGGER runs_no_delete; " + sql)
    if rechain:
        prev = GENESIS
        for row in [dict(r) for r in con.execute("SELECT * FROM runs ORDER BY id")]:
            digest = record_hash(row["id"], row, prev)
            con.execute("UPDATE runs SET prev_hash = ?, hash = ? WHERE id = ?",
                        (prev, digest, row["id"]))
            prev = digest
    con.commit()
    con.close()


def _broken(capsys: Cap, monkeypatch: Patch, *extra: str) -> str:
    code, out, _ = run_cli(capsys, monkeypatch, "runs", "verify", *extra)
    assert code == 1, out
    assert "is broken" in out
    return out


@pytest.mark.parametrize(("sql", "why"), [
    ("UPDATE runs SET status = 'infeasible' WHERE id = 2", "rewritten"),
    ("DELETE FROM runs WHERE id = 3", "removed"),
    ("DELETE FROM runs", "removed"),
    ("DELETE FROM runs WHERE id = 2; UPDATE runs SET id = 2 WHERE id = 3", "rewritten"),
    ("UPDATE runs SET scenario = '' WHERE id = 1", "rewritten"),
])
def test_a_rechained_forgery_is_caught_by_the_anchor(capsys: Cap, monkeypatch: Patch,
                                                     _ledger_in_tmp: Path, sql: str,
                                                     why: str) -> None:
    """The chain alone is consistent after the forger recomputed it; the anchored heads are
    not in it."""
    _plans(capsys, monkeypatch)
    _forge(_ledger_in_tmp, sql)
    assert why in _broken(capsys, monkeypatch)


def test_null_to_empty_breaks_the_hash(capsys: Cap, monkeypatch: Patch,
                                       _ledger_in_tmp: Path) -> None:
    """A NULL (no scenario) made "" is a different record: the hash no longer matches."""
    _plans(capsys, monkeypatch, 1)
    assert runs(_ledger_in_tmp)[0]["scenario"] is None
    _forge(_ledger_in_tmp, "UPDATE runs SET scenario = '' WHERE id = 1", rechain=False)
    assert verify(_ledger_in_tmp)[1:] == (1, "its content does not match its hash")


def test_a_back_dated_record_is_caught(capsys: Cap, monkeypatch: Patch,
                                       _ledger_in_tmp: Path) -> None:
    """Record 3 dated a year before record 2 (and the chain recomputed): refused by the
    chain itself, whatever the anchor says."""
    _plans(capsys, monkeypatch)
    _forge(_ledger_in_tmp, "UPDATE runs SET recorded_at = '2025-01-01T00:00:00.000000+00:00' "
                           "WHERE id = 3")
    assert "back-dated" in _broken(capsys, monkeypatch)


def test_an_edited_anchor_is_caught_by_its_hmac(capsys: Cap, monkeypatch: Patch,
                                                _ledger_in_tmp: Path, tmp_path: Path) -> None:
    """With a ledger key kept apart, the forger who also rewrites the anchor file cannot
    write heads with a valid HMAC."""
    key = write_file(tmp_path / "..", "ledger-key", "a-ledger-key-kept-apart-0123456789")
    monkeypatch.setenv("CAPPLAN_LEDGER_KEY_FILE", str(key))
    _plans(capsys, monkeypatch)
    code, out, _ = run_cli(capsys, monkeypatch, "runs", "verify")
    assert code == 0 and "with an HMAC" in out
    _forge(_ledger_in_tmp, "UPDATE runs SET status = 'infeasible' WHERE id = 2")
    heads = [{"id": r["id"], "hash": r["hash"], "recorded_at": r["recorded_at"]}
             for r in runs(_ledger_in_tmp)]
    anchor_path(_ledger_in_tmp).write_text("".join(json.dumps(h) + "\n" for h in heads))
    assert "HMAC" in _broken(capsys, monkeypatch)


def test_a_published_head_catches_a_forger_who_rewrote_everything(
        capsys: Cap, monkeypatch: Patch, _ledger_in_tmp: Path) -> None:
    """`runs anchor` prints the head; the forger rewrites the ledger and the anchor file (no
    key); the head published earlier is no longer in the chain."""
    _plans(capsys, monkeypatch)
    code, out, _ = run_cli(capsys, monkeypatch, "runs", "anchor")
    assert code == 0
    published = out.strip()
    head_id, digest = published.split(":")
    assert head_id == "3" and len(digest) == 64
    _forge(_ledger_in_tmp, "UPDATE runs SET status = 'infeasible' WHERE id = 2")
    anchor_path(_ledger_in_tmp).write_text("".join(
        json.dumps({"id": r["id"], "hash": r["hash"]}) + "\n" for r in runs(_ledger_in_tmp)))
    code, out, _ = run_cli(capsys, monkeypatch, "runs", "verify")
    assert code == 0  # consistent on its own ...
    assert "published head 3:" in _broken(capsys, monkeypatch, "--head", published)


def test_removing_the_anchor_is_caught(capsys: Cap, monkeypatch: Patch,
                                       _ledger_in_tmp: Path) -> None:
    _plans(capsys, monkeypatch, 1)
    anchor_path(_ledger_in_tmp).unlink()
    assert "no anchor" in _broken(capsys, monkeypatch)


def test_verify_prints_the_head(capsys: Cap, monkeypatch: Patch, _ledger_in_tmp: Path) -> None:
    _plans(capsys, monkeypatch, 2)
    code, out, _ = run_cli(capsys, monkeypatch, "runs", "verify")
    last = runs(_ledger_in_tmp)[-1]
    assert code == 0 and "2 records, chain intact; anchored up to record 2" in out
    assert f"head: 2:{last['hash']}" in out


def test_ledger_and_anchor_are_private(capsys: Cap, monkeypatch: Patch,
                                       _ledger_in_tmp: Path) -> None:
    old = os.umask(0o022)
    try:
        _plans(capsys, monkeypatch, 1)
    finally:
        os.umask(old)
    for path in (_ledger_in_tmp, anchor_path(_ledger_in_tmp)):
        assert path.stat().st_mode & 0o077 == 0, path


def test_the_record_holds_the_bytes_solved(_ledger_in_tmp: Path, tmp_path: Path) -> None:
    """The instance is edited after it was read and before the run is recorded: the record
    holds the bytes that were solved, which match the recorded hash and reproduce the plan."""
    path = tmp_path / "toy.toml"
    original = Path(TOY).read_bytes()
    path.write_bytes(original)
    result = capplan.plan(path)
    path.write_bytes(original.replace(b"count = 2000", b"count = 1999"))
    run_id = capplan.record(result, _ledger_in_tmp, ["capplan", "plan", str(path)])
    recorded = runs(_ledger_in_tmp)[0]
    assert recorded["instance_content"] == original
    assert hashlib.sha256(recorded["instance_content"]).hexdigest() == recorded[
        "instance_sha256"]
    assert verify(_ledger_in_tmp) == (1, None, "")
    assert capplan.reproduce(run_id, _ledger_in_tmp).same


@pytest.mark.parametrize("args", [
    ["compare", TOY, "--vary", "capacity.execution.max=800,1000"],
    ["whatif", TOY, "--add", "execution=+100@2026"],
    ["evaluate", TOY, "--targets", "{targets}"],
])
def test_every_command_reproduces(capsys: Cap, monkeypatch: Patch, _ledger_in_tmp: Path,
                                  tmp_path: Path, args: list[str]) -> None:
    targets = write_file(tmp_path, "t.csv", "year,completed\n2025,500\n2026,1000\n2027,500\n")
    code, _, err = run_cli(capsys, monkeypatch,
                           *[a.replace("{targets}", str(targets)) for a in args])
    assert code == 0, err
    code, out, _ = run_cli(capsys, monkeypatch, "runs", "reproduce", "1")
    assert code == 0 and f"run 1 ({args[0]}): identical results" in out, out
    _forge(_ledger_in_tmp, "UPDATE runs SET document = replace(document, '2027', '2028')")
    code, out, _ = run_cli(capsys, monkeypatch, "runs", "reproduce", "1")
    assert code == 1 and "differs" in out
