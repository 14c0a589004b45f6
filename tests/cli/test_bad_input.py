"""Bad input, tried as a new user would: every case ends in exit 2 with one short `error:`
message naming the file and the key (or a clean answer), never a traceback, an internal error
or a nonsense plan; nothing is written half."""

from __future__ import annotations

import errno
import json
import os
import zipfile
from pathlib import Path

import pytest

import capplan
from builders import INSTANCES, run_cli, write_file
from capplan.errors import MAX_PROBLEMS, InputError

TOY = str(INSTANCES / "toy.toml")

Cap = pytest.CaptureFixture[str]
Patch = pytest.MonkeyPatch


def _refused(code: int, err: str) -> None:
    """Exit 2 with one `error:` message, short, no traceback."""
    assert code == 2, err
    assert err.startswith("error:"), err
    assert "Traceback" not in err and "internal error" not in err
    assert len(err.splitlines()) <= MAX_PROBLEMS + 3


# --- numbers -----------------------------------------------------------------------------------


@pytest.mark.parametrize("setting", [
    "capacity.execution.extra={2026=nan}",
    "history.completed.2024=9223372036854775807",
    "history.completed_before=1000000000000000000",
    "segment.houses.engineering_days=inf",
    "segment.houses.execution_days=9223372036854775808",
    "objective.tolerance.finish=1e300",
    "capacity.execution.ramp_down_rel=1.5",
])
def test_non_finite_and_huge_numbers(capsys: Cap, monkeypatch: Patch, setting: str) -> None:
    code, _, err = run_cli(capsys, monkeypatch, "plan", TOY, "--no-ledger", "--set", setting)
    _refused(code, err)
    assert setting.split("=")[0].split("{")[0] in err


def test_nan_value_of_a_chosen_measure(capsys: Cap, monkeypatch: Patch) -> None:
    """`measure.M29.value=nan` under m29-choose: the value is refused, no invented cause."""
    code, _, err = run_cli(capsys, monkeypatch, "validate", "groningen-2024", "-s",
                           "m29-choose", "--set", "measure.M29.value=nan")
    _refused(code, err)
    assert "measure.M29.value: must be a finite number" in err


def test_evaluate_never_calls_a_target_of_1e30_deliverable(capsys: Cap, monkeypatch: Patch,
                                                          tmp_path: Path) -> None:
    targets = write_file(tmp_path, "t.csv", "year,completed\n2025,"
                                            "1000000000000000000000000000000\n")
    code, out, err = run_cli(capsys, monkeypatch, "evaluate", TOY, "--targets", str(targets),
                             "--no-ledger")
    _refused(code, err)
    assert "deliverable" not in out


# --- files -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "data"), [
    ("latin1.csv", "year,completed\n2025,500\n# caf\xe9\n".encode("latin-1")),
    ("utf16.csv", "year,completed\n2025,500\n".encode("utf-16")),
    ("binary.csv", bytes(range(256))),
])
def test_targets_in_another_encoding(capsys: Cap, monkeypatch: Patch, tmp_path: Path,
                                     name: str, data: bytes) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    code, _, err = run_cli(capsys, monkeypatch, "evaluate", TOY, "--targets", str(path),
                           "--no-ledger")
    _refused(code, err)
    assert "UTF" in err or "text" in err


@pytest.mark.parametrize("name", ["latin1", "utf16"])
def test_actuals_in_another_encoding(capsys: Cap, monkeypatch: Patch, tmp_path: Path,
                                     name: str) -> None:
    text = "period,segment,engineering_done,execution_done\n2025,*,1,1\n# \xe9\n"
    path = tmp_path / "a.csv"
    path.write_bytes(text.encode("latin-1" if name == "latin1" else "utf-16"))
    code, _, err = run_cli(capsys, monkeypatch, "replan", TOY, "--actuals", str(path),
                           "--as-of", "2025", "--no-ledger")
    _refused(code, err)
    assert str(path) in err


@pytest.mark.parametrize("args", [
    ["validate", "{dir}"],
    ["evaluate", TOY, "--targets", "{dir}", "--no-ledger"],
    ["replan", TOY, "--actuals", "{dir}", "--as-of", "2025", "--no-ledger"],
])
def test_a_folder_given_as_a_file(capsys: Cap, monkeypatch: Patch, tmp_path: Path,
                                  args: list[str]) -> None:
    code, _, err = run_cli(capsys, monkeypatch,
                           *[a.replace("{dir}", str(tmp_path)) for a in args])
    _refused(code, err)
    assert "folder" in err or "directory" in err
    assert "Errno" not in err


def test_the_key_file_is_a_folder(capsys: Cap, monkeypatch: Patch, tmp_path: Path) -> None:
    register = write_file(tmp_path, "r.csv", "id,segment,stage\na1,houses,engineering\n")
    code, _, err = run_cli(capsys, monkeypatch, "residents", TOY, "--register", str(register),
                           "--key-file", str(tmp_path), "--out", str(tmp_path / "o"),
                           "--no-ledger")
    _refused(code, err)
    assert "Errno" not in err and "directory" in err


def test_a_world_readable_key_file_is_a_warning(capsys: Cap, monkeypatch: Patch,
                                                tmp_path: Path) -> None:
    key = write_file(tmp_path, "key", "a-long-key-0123456789abcdef\n")
    key.chmod(0o644)
    register = write_file(tmp_path, "r.csv", "id,segment,stage\na1,houses,engineering\n")
    _, _, err = run_cli(capsys, monkeypatch, "residents", TOY, "--register", str(register),
                        "--key-file", str(key), "--out", str(tmp_path / "o"), "--no-ledger")
    assert "warning:" in err and "key" in err


def test_deep_nesting_and_long_dotted_keys(capsys: Cap, monkeypatch: Patch,
                                           tmp_path: Path) -> None:
    deep = write_file(tmp_path, "deep.toml", "x = " + "[" * 5000 + "]" * 5000 + "\n")
    code, _, err = run_cli(capsys, monkeypatch, "validate", str(deep))
    _refused(code, err)
    dotted = write_file(tmp_path, "dotted.toml", ".".join(["a"] * 100_000) + " = 1\n")
    code, _, err = run_cli(capsys, monkeypatch, "validate", str(dotted))
    _refused(code, err)
    code, _, err = run_cli(capsys, monkeypatch, "validate", TOY, "--set",
                           ".".join(["a"] * 100_000) + "=1")
    _refused(code, err)


def test_a_corrupt_register_workbook(capsys: Cap, monkeypatch: Patch, tmp_path: Path) -> None:
    monkeypatch.setenv("CAPPLAN_PSEUDONYM_KEY", "a-long-key-0123456789abcdef")
    bad = tmp_path / "r.xlsx"
    bad.write_bytes(b"PK\x03\x04 not really a zip")
    code, _, err = run_cli(capsys, monkeypatch, "residents", TOY, "--register", str(bad),
                           "--out", str(tmp_path / "o"), "--no-ledger")
    _refused(code, err)
    assert "r.xlsx" in err


def _bomb(path: Path, megabytes: int) -> None:
    """An archive of `megabytes` MiB of zeros (it compresses a thousandfold)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive, \
            archive.open("xl/worksheets/sheet1.xml", "w") as member:
        for _ in range(megabytes):
            member.write(bytes(2**20))


def test_a_workbook_that_inflates_too_far(capsys: Cap, monkeypatch: Patch,
                                          tmp_path: Path) -> None:
    """A small .xlsx inflating past the limit is refused before openpyxl reads it (the limit
    is lowered to 1 MiB here; it is 200 MiB)."""
    monkeypatch.setattr("capplan.errors.MAX_UNZIPPED", 2**20)
    bomb = tmp_path / "bomb.xlsx"
    _bomb(bomb, 3)
    assert bomb.stat().st_size < 2**20 // 50
    code, _, err = run_cli(capsys, monkeypatch, "validate", str(bomb))
    _refused(code, err)
    assert "bomb.xlsx" in err and "inflates" in err
    monkeypatch.setenv("CAPPLAN_PSEUDONYM_KEY", "a-long-key-0123456789abcdef")
    code, _, err = run_cli(capsys, monkeypatch, "residents", TOY, "--register", str(bomb),
                           "--out", str(tmp_path / "o"), "--no-ledger")
    _refused(code, err)


# --- messages ----------------------------------------------------------------------------------


def test_long_values_are_shortened(capsys: Cap, monkeypatch: Patch) -> None:
    code, _, err = run_cli(capsys, monkeypatch, "plan", TOY, "--no-ledger", "--scenario",
                           "x" * 10_000)
    _refused(code, err)
    assert len(err) < 600 and "more characters" in err


def test_a_huge_targets_file_gives_a_capped_message(capsys: Cap, monkeypatch: Patch,
                                                    tmp_path: Path) -> None:
    rows = "".join(f"{1900 + k % 300},x\n" for k in range(100_000))
    targets = write_file(tmp_path, "t.csv", "year,completed\n" + rows)
    code, _, err = run_cli(capsys, monkeypatch, "evaluate", TOY, "--targets", str(targets),
                           "--no-ledger")
    _refused(code, err)
    assert "more" in err


def test_control_characters_never_reach_the_terminal(capsys: Cap, monkeypatch: Patch) -> None:
    name = "programme.name=evil\x1b[31mred\x1b[2J"
    code, out, err = run_cli(capsys, monkeypatch, "plan", TOY, "--no-ledger", "--set", name)
    assert code == 0, err
    assert "\x1b" not in out and "\\x1b" in out
    code, _, err = run_cli(capsys, monkeypatch, "plan", TOY, "--no-ledger", "--scenario",
                           "a\x1b[2Jb\rc")
    _refused(code, err)
    assert "\x1b" not in err and "\r" not in err and "\\x1b" in err
    code, out, err = run_cli(capsys, monkeypatch, "plan", TOY, "--no-ledger", "--set",
                             "programme.name=a:smile:[bold]b")
    assert code == 0 and "a:smile:[bold]b" in out, err


def test_usage_errors_start_with_error(capsys: Cap, monkeypatch: Patch) -> None:
    code, _, err = run_cli(capsys, monkeypatch, "plan", TOY, "--no-such-option")
    assert code == 2 and err.startswith("error:") and "--no-such-option" in err
    code, _, err = run_cli(capsys, monkeypatch, "plan", TOY, "--time-limit", "abc")
    assert code == 2 and err.startswith("error:")


def test_internal_errors_start_with_error(capsys: Cap, monkeypatch: Patch) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom\x1b[2J")

    monkeypatch.setattr("capplan.plan", broken)
    code, _, err = run_cli(capsys, monkeypatch, "plan", TOY, "--no-ledger")
    assert code == 1 and err.startswith("error: internal error: RuntimeError: boom")
    assert "\x1b" not in err


# --- the cost guard ----------------------------------------------------------------------------


def _many_segments(tmp_path: Path, count: int, granularity: str = "quarter") -> Path:
    segments = "".join(f'[[segment]]\nname = "s{k}"\ncount = 10\nengineering_days = 100\n'
                       f"execution_days = 100\n" for k in range(count))
    return write_file(tmp_path, "many.toml",
                      f'[programme]\nname = "many"\nstart = 2025\nhorizon_end = 2040\n'
                      f'granularity = "{granularity}"\n{segments}')


def test_validate_refuses_a_model_of_millions_of_columns(capsys: Cap, monkeypatch: Patch,
                                                         tmp_path: Path) -> None:
    """5,000 segments x 64 quarters: 4 x 5,000 x 64 = 1,280,000 flow columns and (5,000
    undone + 1 total + 2 change) x 64 = 320,192 more: 1,600,192, over the budget of 1 million;
    refused before anything is built."""
    path = _many_segments(tmp_path, 5000)
    monkeypatch.setattr("capplan.core.build.build", None)  # never reached
    code, _, err = run_cli(capsys, monkeypatch, "validate", str(path))
    _refused(code, err)
    assert "about 1,600,192 columns" in err and "--allow-large" in err


def test_allow_large_lets_a_model_past_the_budget(monkeypatch: Patch, tmp_path: Path) -> None:
    """The toy has 52 columns as a yearly model (estimated 54); with a budget of 50 it is
    refused, unless allow_large."""
    monkeypatch.setattr("capplan.inputs.size.MAX_COLUMNS", 50)
    with pytest.raises(InputError, match="54 columns"):
        capplan.validate("toy")
    assert capplan.validate("toy", allow_large=True).columns == 52
    assert capplan.plan("toy", allow_large=True).milestones["finish"] == "2027"


def test_many_measures_to_choose_are_refused(capsys: Cap, monkeypatch: Patch,
                                             tmp_path: Path) -> None:
    """11 measures in mode choose: 2,048 scope choices to enumerate; at most 10."""
    measures = "".join(f'[[measure]]\nid = "M{k}"\nsegments = ["houses"]\nshare = 0.5\n'
                       f'mode = "choose"\n' for k in range(11))
    path = write_file(tmp_path, "m.toml", Path(TOY).read_text() + measures)
    code, _, err = run_cli(capsys, monkeypatch, "plan", str(path), "--no-ledger")
    _refused(code, err)
    assert "11 measures in mode choose" in err and "2,048" in err


# --- output ------------------------------------------------------------------------------------


def _listing(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}


def test_an_output_name_that_is_a_folder(capsys: Cap, monkeypatch: Patch,
                                         tmp_path: Path) -> None:
    """plan.json exists as a folder: nothing is replaced, no temporary file is left."""
    out = tmp_path / "o"
    code, _, err = run_cli(capsys, monkeypatch, "plan", TOY, "--no-ledger", "--out", str(out))
    assert code == 0, err
    (out / "trajectory.csv").write_text("mine\n")
    (out / "plan.json").unlink()
    (out / "plan.json").mkdir()
    before = _listing(out)
    code, _, err = run_cli(capsys, monkeypatch, "plan", TOY, "--no-ledger", "--out", str(out))
    _refused(code, err)
    assert "plan.json" in err
    assert _listing(out) == before


def test_out_is_a_file(capsys: Cap, monkeypatch: Patch, tmp_path: Path) -> None:
    out = write_file(tmp_path, "o", "not a folder")
    code, _, err = run_cli(capsys, monkeypatch, "plan", TOY, "--no-ledger", "--out", str(out))
    _refused(code, err)
    assert out.read_text() == "not a folder"


def test_a_read_only_folder(capsys: Cap, monkeypatch: Patch, tmp_path: Path) -> None:
    """A folder that cannot be written (simulated: the test may run as root, who writes
    anywhere): exit 2, nothing left."""
    def refuse(*args: object, **kwargs: object) -> None:
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr("tempfile.mkstemp", refuse)
    out = tmp_path / "o"
    out.mkdir()
    code, _, err = run_cli(capsys, monkeypatch, "plan", TOY, "--no-ledger", "--out", str(out))
    _refused(code, err)
    assert "permission denied" in err and list(out.iterdir()) == []


def test_a_full_disk(capsys: Cap, monkeypatch: Patch, tmp_path: Path) -> None:
    """The disk fills while the files are written: exit 1, a clear message, no file and no
    temporary file left, nothing recorded."""
    real = os.fdopen
    written = []

    class Full:
        def __init__(self, handle: int, mode: str) -> None:
            self.fh = real(handle, mode)

        def __enter__(self) -> Full:
            return self

        def __exit__(self, *exc: object) -> None:
            self.fh.close()

        def write(self, data: bytes) -> int:
            written.append(len(data))
            if len(written) > 2:
                raise OSError(errno.ENOSPC, "No space left on device")
            return int(self.fh.write(data))

    monkeypatch.setattr("os.fdopen", Full)
    out = tmp_path / "o"
    code, _, err = run_cli(capsys, monkeypatch, "plan", TOY, "--out", str(out))
    assert code == 1 and err.startswith("error:") and "disk is full" in err
    assert list(out.iterdir()) == []


def test_outputs_follow_the_umask(capsys: Cap, monkeypatch: Patch, tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        code, _, err = run_cli(capsys, monkeypatch, "plan", TOY, "--no-ledger", "--out",
                               str(tmp_path / "o"))
    finally:
        os.umask(old)
    assert code == 0, err
    modes = {p.name: p.stat().st_mode & 0o777 for p in (tmp_path / "o").iterdir()}
    assert set(modes.values()) == {0o644}, modes


def test_a_failed_record_publishes_nothing(capsys: Cap, monkeypatch: Patch,
                                           tmp_path: Path) -> None:
    """The ledger cannot be written: exit 1 and no output published (they are published
    only once the run is recorded)."""
    out = tmp_path / "o"
    code, _, err = run_cli(capsys, monkeypatch, "plan", TOY, "--out", str(out), "--ledger",
                           str(tmp_path / "no" / "such" / "runs.sqlite"))
    assert code == 1 and err.startswith("error: could not record")
    assert not out.exists() or list(out.iterdir()) == []


@pytest.mark.parametrize("command", [("plan", TOY), ("compare", TOY, "--vary",
                                                      "capacity.execution.max=2000,2500")])
def test_a_failed_record_prints_nothing(capsys: Cap, monkeypatch: Patch, tmp_path: Path,
                                        command: tuple[str, ...]) -> None:
    """The ledger cannot be written: nothing reaches standard output either (the run is
    recorded before its result is printed), and the exit code is 1."""
    code, out, err = run_cli(capsys, monkeypatch, *command, "-f", "json", "--ledger",
                             str(tmp_path / "no" / "such" / "runs.sqlite"))
    assert code == 1 and err.startswith("error: could not record")
    assert out == ""


def test_published_outputs_name_their_run(capsys: Cap, monkeypatch: Patch, tmp_path: Path,
                                          _ledger_in_tmp: Path) -> None:
    out = tmp_path / "o"
    for _ in range(2):
        code, _, err = run_cli(capsys, monkeypatch, "plan", TOY, "--out", str(out))
        assert code == 0, err
    doc = json.loads((out / "plan.json").read_text())
    assert doc["run"]["id"] == 2 and doc["run"]["ledger"] == str(_ledger_in_tmp.resolve())
    assert len(doc["run"]["hash"]) == 64


def test_register_synth_does_not_overwrite_a_register(capsys: Cap, monkeypatch: Patch,
                                                      tmp_path: Path) -> None:
    """An existing register is refused without --force and left as it was; with --force it is
    replaced by the synthetic one."""
    real = write_file(tmp_path, "register.csv", "id,segment,stage\nreal,houses,engineering\n")
    code, _, err = run_cli(capsys, monkeypatch, "register", "synth", TOY, "--out", str(real))
    _refused(code, err)
    assert "real,houses" in real.read_text()
    code, _, err = run_cli(capsys, monkeypatch, "register", "synth", TOY, "--out", str(real),
                           "--force")
    assert code == 0, err
    assert "real,houses" not in real.read_text()


def test_an_instance_without_items(capsys: Cap, monkeypatch: Patch, tmp_path: Path) -> None:
    """Every count 0 and no history: a scope of 0 has no shares or milestones (it divided by
    zero in the deadline's share); refused as nothing to plan."""
    path = write_file(tmp_path, "empty.toml", Path(TOY).read_text().replace(
        "count = 2000", "count = 0").replace('completed = { "2024" = 500 }', ""))
    code, _, err = run_cli(capsys, monkeypatch, "plan", str(path), "--no-ledger", "--set",
                           "programme.deadline=2030", "--set",
                           "segment.houses.in_progress={}")
    _refused(code, err)
    assert "no items" in err
