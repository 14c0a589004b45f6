"""`capplan residents` and `capplan register synth` on the command line: per-address quarters on
the toy, the risk rule, postponements and moves since the last letter, privacy of what is
written and recorded, synthetic registers, windows over samples."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pandas as pd
import pytest

from builders import INSTANCES, PSEUDONYM_KEY, pseudo, run_cli, toy_register
from capplan.inputs.load import load
from capplan.residents.register import expected_counts, read_register, synthetic

pytestmark = pytest.mark.usefixtures("pseudonym_key")

TOY = INSTANCES / "toy.toml"
GRONINGEN = INSTANCES / "groningen-2024.toml"


def read_csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


# --- the command on the toy instance ----------------------------------------------------------


def test_toy_residents_by_hand(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                               monkeypatch: pytest.MonkeyPatch) -> None:
    """The toy plan completes 500 in 2025, 1,000 in 2026, 500 in 2027 (README worked example).
    The 500 ready houses complete in 2025. The 1,500 released ones all start engineering in
    2025 (no engineering limit), finish it in 2026 (365 days = 1 year); first in, first out,
    the oldest 1,000 complete in 2026 and the newest 500 in 2027. Letters at yearly
    granularity name the year."""
    reg = toy_register(tmp_path / "reg.csv")
    code, out, err = run_cli(capsys, monkeypatch, "residents", str(TOY), "--register",
                             str(reg), "--out", str(tmp_path / "out"))
    assert code == 0, err
    table = read_csv(tmp_path / "out" / "residents.csv").set_index("pseudonym")
    assert len(table) == 2000
    assert (table.loc[[pseudo(f"r{k:04d}") for k in range(1, 501)], "completion"] == "2025").all()
    oldest = [pseudo(f"a{k:04d}") for k in range(1, 1001)]
    newest = [pseudo(f"a{k:04d}") for k in range(1001, 1501)]
    assert (table.loc[oldest, "completion"] == "2026").all()
    assert (table.loc[newest, "completion"] == "2027").all()
    assert (table.loc[oldest, "engineering_start"] == "2025").all()
    assert (table.loc[[pseudo("r0001")], "engineering_start"] == "").all()
    letters = read_csv(tmp_path / "out" / "letters.csv").set_index("pseudonym")
    assert letters.at[pseudo("a1500"), "nl"] == (
        "Naar verwachting wordt uw woning in 2027 versterkt.")
    regions = read_csv(tmp_path / "out" / "regions.csv")
    assert regions.iloc[-1].to_dict()["all by"] == "2027"
    assert "2,000 addresses" in out


def test_toy_risk_rule(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                       monkeypatch: pytest.MonkeyPatch) -> None:
    """With --rule risk the 100 newest released houses (risk class 3) go first in the queues,
    so they complete in 2026, and 100 of the middle ones (the newest of class 1) take 2027."""
    reg = toy_register(tmp_path / "reg.csv")
    code, _, err = run_cli(capsys, monkeypatch, "residents", str(TOY), "--register", str(reg),
                           "--out", str(tmp_path / "out"), "--rule", "risk")
    assert code == 0, err
    table = read_csv(tmp_path / "out" / "residents.csv").set_index("pseudonym")
    urgent = [pseudo(f"a{k:04d}") for k in range(1401, 1501)]
    assert (table.loc[urgent, "completion"] == "2026").all()
    assert (table.loc[[pseudo(f"a{k:04d}") for k in range(901, 1001)], "completion"]
            == "2027").all()
    assert (table["completion"] == "2026").sum() == 1000


def test_toy_postponement_and_moves(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """a0001 (the oldest released, 2026) asks for 2027: its 2026 place goes to the next in line,
    a1001 (2027 -> 2026); a0001 completes in 2027. Compared with the first run's file, a0001 is
    1 quarter... 4 quarters (one year) later by postponement, a1001 4 quarters earlier (the plan
    was updated), the rest the same. Postponing by pseudonym works as by external id."""
    reg = toy_register(tmp_path / "reg.csv")
    first = tmp_path / "first"
    assert run_cli(capsys, monkeypatch, "residents", str(TOY), "--register", str(reg),
                   "--out", str(first))[0] == 0
    post = tmp_path / "post.csv"
    post.write_text(f"id,earliest\na0001,2027\n{pseudo('a0002')},2026\n", encoding="utf-8")
    code, out, err = run_cli(capsys, monkeypatch, "residents", str(TOY), "--register",
                             str(reg), "--out", str(tmp_path / "second"), "--postpone",
                             str(post), "--previous", str(first / "residents.csv"))
    assert code == 0, err
    table = read_csv(tmp_path / "second" / "residents.csv").set_index("pseudonym")
    assert table.at[pseudo("a0001"), "completion"] == "2027"
    assert table.at[pseudo("a0001"), "postponed_to"] == "2027"
    assert table.at[pseudo("a1001"), "completion"] == "2026"
    assert table.at[pseudo("a0001"), "movement"] == "later by 4 quarters"
    assert table.at[pseudo("a0001"), "reason"] == "postponement at your request"
    assert table.at[pseudo("a1001"), "movement"] == "earlier by 4 quarters"
    assert (table["movement"] == "same").sum() == 1998
    letters = read_csv(tmp_path / "second" / "letters.csv").set_index("pseudonym")
    assert str(letters.at[pseudo("a0001"), "nl"]).startswith("Op uw verzoek is de versterking")
    assert letters.at[pseudo("a0001"), "change_nl"] == (
        "Dat is 4 kwartalen later dan in onze vorige brief (uitstel op uw verzoek).")
    doc = json.loads((tmp_path / "second" / "residents.json").read_text())
    assert doc["postponement_check"] == {"asked": 2, "applied": 1, "others": 1999,
                                         "later_than_without": 0}
    assert any("change nothing" in n for n in doc["notes"])  # a0002 was due in 2026 anyway
    assert "later than without postponements: 0" in out


def test_behind_plan_and_scope_change(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """A year on, nothing moved (still 500 ready, 1,500 released) although the first letter
    expected all released houses in engineering in 2025: the houses' segment is behind plan,
    the reason for everyone later. Re-planned from 2026 everything is a year later."""
    reg = toy_register(tmp_path / "reg.csv")
    first = tmp_path / "first"
    assert run_cli(capsys, monkeypatch, "residents", str(TOY), "--register", str(reg),
                   "--out", str(first))[0] == 0
    later = tmp_path / "toy2026.toml"
    later.write_text(TOY.read_text().replace("start = 2025", "start = 2026")
                     .replace('completed = { "2024" = 500 }',
                              'completed = { "2024" = 500, "2025" = 0 }'), encoding="utf-8")
    code, _, err = run_cli(capsys, monkeypatch, "residents", str(later), "--register",
                           str(reg), "--out", str(tmp_path / "second"), "--previous",
                           str(first / "residents.csv"))
    assert code == 0, err
    table = read_csv(tmp_path / "second" / "residents.csv").set_index("pseudonym")
    assert table.at[pseudo("a0001"), "movement"] == "later by 4 quarters"
    assert table.at[pseudo("a0001"), "reason"] == "progress in your area is behind plan"


def test_previous_of_another_key(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """A previous file whose pseudonyms match nothing was made with another key: exit 2."""
    reg = toy_register(tmp_path / "reg.csv")
    assert run_cli(capsys, monkeypatch, "residents", str(TOY), "--register", str(reg),
                   "--out", str(tmp_path / "first"))[0] == 0
    monkeypatch.setenv("CAPPLAN_PSEUDONYM_KEY", "another-key-of-enough-length")
    code, _, err = run_cli(capsys, monkeypatch, "residents", str(TOY), "--register", str(reg),
                           "--out", str(tmp_path / "second"), "--previous",
                           str(tmp_path / "first" / "residents.csv"))
    assert code == 2 and "another pseudonym key" in err
    assert not (tmp_path / "second").exists()


# --- privacy ----------------------------------------------------------------------------------


def test_nothing_identifying_is_written_or_recorded(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        _ledger_in_tmp: Path) -> None:
    """External ids appear in no output file and not in the run ledger; pseudonyms appear in
    the per-address files only, not in the JSON document or the ledger."""
    reg = toy_register(tmp_path / "reg.csv")
    code, out, err = run_cli(capsys, monkeypatch, "residents", str(TOY), "--register",
                             str(reg), "--out", str(tmp_path / "out"))
    assert code == 0, err
    ledger = _ledger_in_tmp.read_bytes()
    for path in (tmp_path / "out").iterdir():
        assert b"a0001" not in path.read_bytes(), path
    assert b"a0001" not in ledger and pseudo("a0001").encode() not in ledger
    assert pseudo("a0001") not in (tmp_path / "out" / "residents.json").read_text()
    assert "a0001" not in out + err
    with sqlite3.connect(_ledger_in_tmp) as db:
        assert db.execute("select count(*) from runs").fetchone()[0] == 1


@pytest.mark.parametrize("column", ["postcode", "Straatnaam", "naam", "e-mail", "huisnummer"])
def test_identifying_columns_are_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                         monkeypatch: pytest.MonkeyPatch, column: str) -> None:
    """A column that looks like personal data: exit 2 naming it, nothing written; allowed
    with --allow-column, and then still written nowhere."""
    reg = tmp_path / "reg.csv"
    lines = toy_register(reg).read_text().splitlines()
    reg.write_text("\n".join([lines[0] + f",{column}"] + [f"{x},secret" for x in lines[1:]])
                   + "\n", encoding="utf-8")
    code, _, err = run_cli(capsys, monkeypatch, "residents", str(TOY), "--register", str(reg),
                           "--out", str(tmp_path / "out"))
    assert code == 2 and f"column {column}" in err and "personal data" in err
    assert not (tmp_path / "out").exists()
    code, _, err = run_cli(capsys, monkeypatch, "residents", str(TOY), "--register", str(reg),
                           "--out", str(tmp_path / "out"), "--allow-column", column)
    assert code == 0, err
    assert all(b"secret" not in p.read_bytes() for p in (tmp_path / "out").iterdir())


def test_no_key_no_run(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                       monkeypatch: pytest.MonkeyPatch) -> None:
    """Without a key, or with a short one, nothing runs (exit 2); a key file works."""
    reg = toy_register(tmp_path / "reg.csv")
    monkeypatch.delenv("CAPPLAN_PSEUDONYM_KEY")
    args = ["residents", str(TOY), "--register", str(reg), "--out", str(tmp_path / "out")]
    code, _, err = run_cli(capsys, monkeypatch, *args)
    assert code == 2 and "CAPPLAN_PSEUDONYM_KEY" in err
    monkeypatch.setenv("CAPPLAN_PSEUDONYM_KEY", "short")
    code, _, err = run_cli(capsys, monkeypatch, *args)
    assert code == 2 and "at least 16" in err
    key = tmp_path / "key.txt"
    key.write_text(PSEUDONYM_KEY + "\n", encoding="utf-8")
    assert run_cli(capsys, monkeypatch, *args, "--key-file", str(key))[0] == 0
    assert read_csv(tmp_path / "out" / "residents.csv")["pseudonym"].isin(
        [pseudo("a0001")]).any()


def test_bad_postponements(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                           monkeypatch: pytest.MonkeyPatch) -> None:
    """An unknown id, a malformed quarter, a request twice: exit 2 naming the rows."""
    reg = toy_register(tmp_path / "reg.csv")
    post = tmp_path / "post.csv"
    post.write_text("id,earliest\nnobody,2027\na0001,soon\na0002,2027\na0002,2028\n",
                    encoding="utf-8")
    code, _, err = run_cli(capsys, monkeypatch, "residents", str(TOY), "--register", str(reg),
                           "--out", str(tmp_path / "out"), "--postpone", str(post))
    assert code == 2
    assert "row 2, id: not in the register" in err and "row 3, earliest" in err
    assert "row 5, id: asked twice (first on row 4)" in err
    assert not (tmp_path / "out").exists()


# --- synthetic registers, shipped instances ---------------------------------------------------


def test_synthetic_register_matches_the_instance(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """`register synth` writes one row per remaining item, with the instance's work in progress
    per segment and stage; the same seed gives the same file; it reads back with tolerance 0."""
    out = tmp_path / "reg.csv"
    code, _, err = run_cli(capsys, monkeypatch, "register", "synth", str(GRONINGEN), "--out",
                           str(out), "--seed", "4")
    assert code == 0, err
    instance = load(GRONINGEN).instance
    table = read_csv(out)
    assert len(table) == instance.remaining
    counts = table.groupby(["segment", "stage"]).size().to_dict()
    assert {k: v for k, v in expected_counts(instance).items() if v} == counts
    assert synthetic(instance, 4).astype(str).equals(table)
    assert len(read_register(out, instance, PSEUDONYM_KEY.encode(), tolerance=0.0)) == len(table)


def test_windows_from_a_fixed_risk_equal_that_plan(tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """A risk that always occurs and fixes execution max at 750: every sample is the plan with
    that override, so each window is one period and equals the quarter of a run with
    --set capacity.execution.max=750."""
    inst = tmp_path / "toy.toml"
    inst.write_text(TOY.read_text() + '\n[[risk]]\nid = "slow"\nlikelihood = 1.0\n'
                    'effect = [{ path = "capacity.execution.max", fixed = 750 }]\n',
                    encoding="utf-8")
    reg = toy_register(tmp_path / "reg.csv")
    code, _, err = run_cli(capsys, monkeypatch, "residents", str(inst), "--register",
                           str(reg), "--out", str(tmp_path / "w"), "--samples", "3",
                           "--workers", "1")
    assert code == 0, err
    code, _, err = run_cli(capsys, monkeypatch, "residents", str(inst), "--register",
                           str(reg), "--out", str(tmp_path / "p"), "--set",
                           "capacity.execution.max=750")
    assert code == 0, err
    windowed = read_csv(tmp_path / "w" / "residents.csv")
    fixed = read_csv(tmp_path / "p" / "residents.csv")
    assert windowed["completion_from"].equals(fixed["completion"])
    assert windowed["completion_to"].equals(fixed["completion"])
    assert (windowed["completion"] != windowed["completion_to"]).any()  # the plan is faster
