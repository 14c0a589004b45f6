"""The run ledger: recorded runs, the hash chain, tampering, reproduce, concurrent writers."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from builders import INSTANCES, ROOT, run_cli
from capplan.cycle.ledger import runs, verify

TOY = str(INSTANCES / "toy.toml")


def _plan(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
          *extra: str) -> None:
    code, _, err = run_cli(capsys, monkeypatch, "plan", TOY, "-f", "json", *extra)
    assert code == 0, err


def _tamper(ledger: Path, sql: str) -> None:
    """Edit the database behind capplan's back (dropping its append-only triggers)."""
    con = sqlite3.connect(ledger)
    con.executescript("DROP TRIGGER runs_no_update; DROP TRIGGER runs_no_delete; " + sql)
    con.commit()
    con.close()


def test_runs_are_recorded_and_chained(_ledger_in_tmp: Path, capsys: pytest.CaptureFixture[str],
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    _plan(capsys, monkeypatch)
    _plan(capsys, monkeypatch, "--set", "capacity.execution.max=2000")
    recorded = runs(_ledger_in_tmp)
    assert [r["id"] for r in recorded] == [1, 2]
    assert recorded[1]["prev_hash"] == recorded[0]["hash"]
    assert json.loads(recorded[1]["overrides"]) == ["capacity.execution.max=2000"]
    assert recorded[0]["instance_content"] == Path(TOY).read_bytes()
    assert json.loads(recorded[0]["milestones"])["finish"] == "2027"
    assert json.loads(recorded[0]["trajectory"])[1]["completed"] == 500
    assert recorded[0]["solver"] == "highs" and recorded[0]["solver_version"] == "1.12.0"
    assert verify(_ledger_in_tmp) == (2, None, "")
    code, out, _ = run_cli(capsys, monkeypatch, "runs", "verify")
    assert code == 0 and "2 records, chain intact" in out


def test_no_ledger_and_ledger_option(tmp_path: Path, _ledger_in_tmp: Path,
                                     capsys: pytest.CaptureFixture[str],
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    _plan(capsys, monkeypatch, "--no-ledger")
    assert not _ledger_in_tmp.exists()
    other = tmp_path / "other.sqlite"
    _plan(capsys, monkeypatch, "--ledger", str(other))
    assert len(runs(other)) == 1 and not _ledger_in_tmp.exists()


def test_ledger_is_append_only(_ledger_in_tmp: Path, capsys: pytest.CaptureFixture[str],
                               monkeypatch: pytest.MonkeyPatch) -> None:
    _plan(capsys, monkeypatch)
    con = sqlite3.connect(_ledger_in_tmp)
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        con.execute("UPDATE runs SET status = 'x'")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        con.execute("DELETE FROM runs")
    con.close()


@pytest.mark.parametrize(("sql", "broken", "why"), [
    ("UPDATE runs SET status = 'infeasible' WHERE id = 2", 2, "content does not match"),
    ("DELETE FROM runs WHERE id = 2", 2, "record 2 is missing"),
    ("UPDATE runs SET prev_hash = hash WHERE id = 3", 3, "link to the previous record"),
])
def test_tampering_is_detected(sql: str, broken: int, why: str, _ledger_in_tmp: Path,
                               capsys: pytest.CaptureFixture[str],
                               monkeypatch: pytest.MonkeyPatch) -> None:
    for _ in range(3):
        _plan(capsys, monkeypatch)
    _tamper(_ledger_in_tmp, sql)
    checked, first_broken, what = verify(_ledger_in_tmp)
    assert checked >= 2 and first_broken == broken and why in what
    code, out, _ = run_cli(capsys, monkeypatch, "runs", "verify")
    assert code == 1 and f"record {broken} is broken" in out


def test_reproduce(_ledger_in_tmp: Path, capsys: pytest.CaptureFixture[str],
                   monkeypatch: pytest.MonkeyPatch) -> None:
    """A recorded plan re-solves to the identical trajectory; a record whose trajectory was
    altered does not (exit 1)."""
    _plan(capsys, monkeypatch, "--set", "capacity.execution.ramp_up=300")
    code, out, _ = run_cli(capsys, monkeypatch, "runs", "reproduce", "1")
    assert code == 0 and "identical" in out
    _tamper(_ledger_in_tmp, "UPDATE runs SET trajectory = "
                            "replace(trajectory, '\"completed\": 500', '\"completed\": 501')")
    code, out, _ = run_cli(capsys, monkeypatch, "runs", "reproduce", "1")
    assert code == 1 and "differs" in out


def test_runs_list_show_diff(_ledger_in_tmp: Path, capsys: pytest.CaptureFixture[str],
                             monkeypatch: pytest.MonkeyPatch) -> None:
    _plan(capsys, monkeypatch)
    _plan(capsys, monkeypatch, "--set", "capacity.execution.max=2000",
          "--set", "capacity.execution.ramp_up=1000")
    code, out, _ = run_cli(capsys, monkeypatch, "runs", "list")
    assert code == 0 and "2027" in out and "2026" in out
    code, out, _ = run_cli(capsys, monkeypatch, "runs", "show", "2")
    shown = json.loads(out)
    assert shown["milestones"]["finish"] == "2026" and "instance_content" not in shown
    code, out, _ = run_cli(capsys, monkeypatch, "runs", "diff", "1", "2")
    assert code == 0 and "yearly production" in out


@pytest.mark.parametrize(("args", "message"), [
    (["runs", "show", "9"], "run 9: no such run"),
    (["runs", "list", "--ledger", "nowhere.sqlite"], "no run ledger here"),
])
def test_runs_bad_input(args: list[str], message: str, capsys: pytest.CaptureFixture[str],
                        monkeypatch: pytest.MonkeyPatch) -> None:
    _plan(capsys, monkeypatch)
    code, _, err = run_cli(capsys, monkeypatch, *args)
    assert code == 2 and message in err


@pytest.mark.parametrize("command", [["whatif", TOY, "--add", "execution=+1@2026"],
                                     ["explain", TOY], ["tradeoff", TOY, "--periods", "1"]])
def test_reproduce_other_commands(command: list[str], capsys: pytest.CaptureFixture[str],
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """A whatif, explain or tradeoff run of the command line is recorded, and replayed on its
    recorded instance gives the same document."""
    code, _, err = run_cli(capsys, monkeypatch, *command)
    assert code == 0 and "recorded as run 1" in err, err
    code, out, err = run_cli(capsys, monkeypatch, "runs", "reproduce", "1")
    assert code == 0 and f"run 1 ({command[0]}): identical results" in out, err


def test_concurrent_writers(_ledger_in_tmp: Path) -> None:
    """Four processes plan at once into one ledger: all four records land, chain intact."""
    command = [sys.executable, str(ROOT / "cli.py"), "plan", TOY, "-f", "json",
               "--ledger", str(_ledger_in_tmp)]
    procs = [subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
             for _ in range(4)]
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
    assert [r["id"] for r in runs(_ledger_in_tmp)] == [1, 2, 3, 4]
    assert verify(_ledger_in_tmp) == (4, None, "")


def test_crash_mid_write_leaves_the_ledger_valid(_ledger_in_tmp: Path,
                                                 capsys: pytest.CaptureFixture[str],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """A writer that dies inside its transaction (here: a process killed after inserting a
    half-made record, before COMMIT) leaves nothing behind; the chain stays intact and the
    next run appends as record 2."""
    _plan(capsys, monkeypatch)
    script = (
        "import os, sqlite3, sys\n"
        "con = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
        "con.execute('BEGIN IMMEDIATE')\n"
        "con.execute(\"INSERT INTO runs (id, status, prev_hash, hash) \"\n"
        "            \"VALUES (2, 'half', 'x', 'y')\")\n"
        "os._exit(9)\n"
    )
    crashed = subprocess.run([sys.executable, "-c", script, str(_ledger_in_tmp)], timeout=60)
    assert crashed.returncode == 9
    assert verify(_ledger_in_tmp) == (1, None, "")
    _plan(capsys, monkeypatch)
    assert verify(_ledger_in_tmp) == (2, None, "")
    assert runs(_ledger_in_tmp)[1]["status"] == "optimal"


def test_unwritable_ledger_is_an_error(capsys: pytest.CaptureFixture[str],
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    code, _, err = run_cli(capsys, monkeypatch, "plan", TOY, "--ledger",
                           "/no/such/folder/runs.sqlite")
    assert code == 1 and "could not record the run in /no/such/folder/runs.sqlite" in err
