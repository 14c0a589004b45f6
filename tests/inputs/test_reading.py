"""One reading policy for every input file: UTF-8 with or without a byte-order mark; anything
else, a directory, a missing file, nesting past the limit or an actuals file without rows is
one message (exit 2) naming the file, never a traceback; messages are capped in length."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from builders import ACTUALS_HEADER, INSTANCES, SMALL, run_cli, toy_register, write_file
from capplan.cycle.actuals import AsOf, read_actuals
from capplan.errors import MAX_PROBLEMS, InputError, read_input
from capplan.inputs.load import load

TOY = str(INSTANCES / "toy.toml")


def _bytes(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name
    path.write_bytes(data)
    return path


def test_utf8_with_a_byte_order_mark_is_read(tmp_path, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    path = _bytes(tmp_path, "bom.toml", codecs.BOM_UTF8 + SMALL.encode())
    code, _, err = run_cli(capsys, monkeypatch, "validate", str(path))
    assert code == 0, err


LATIN1 = SMALL.replace('name = "t"', 'name = "caf\u00e9"').encode("latin-1")


@pytest.mark.parametrize(("data", "expect"), [
    (LATIN1, f"byte 0xe9 at offset {LATIN1.index(0xE9)}"),
    (SMALL.encode("utf-16"), "UTF-16"),
    (b"\x89PNG\r\n\x1a\n\x00\x00", "byte 0x89 at offset 0"),
    (b"a = 1\n\x00\x00\x00", "NUL byte at offset 6"),
], ids=["latin-1", "utf-16", "binary", "nul"])
def test_another_encoding_names_file_and_offset(tmp_path, capsys, monkeypatch, data,  # type: ignore[no-untyped-def]
                                                expect) -> None:
    path = _bytes(tmp_path, "bad.toml", data)
    code, _, err = run_cli(capsys, monkeypatch, "validate", str(path))
    assert code == 2
    assert err.startswith("error:") and str(path) in err and expect in err


def test_a_bom_counts_in_the_offset(tmp_path, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    path = _bytes(tmp_path, "bad.toml", codecs.BOM_UTF8 + b"a = '\xff'")
    code, _, err = run_cli(capsys, monkeypatch, "validate", str(path))
    assert code == 2 and "offset 8" in err


def test_a_directory_is_not_a_file(tmp_path) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "dir.toml"
    folder.mkdir()
    with pytest.raises(InputError, match="is a directory"):
        read_input(folder)


def test_a_directory_as_actuals(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Read directly (the command line first looks for a shipped example of that name)."""
    folder = tmp_path / "actuals.csv"
    folder.mkdir()
    with pytest.raises(InputError, match="is a directory"):
        read_actuals(folder, AsOf(2025, None), load(TOY).instance)


def test_a_directory_as_register(tmp_path, capsys, monkeypatch, pseudonym_key) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "reg.csv"
    folder.mkdir()
    code, _, err = run_cli(capsys, monkeypatch, "residents", TOY, "--register", str(folder),
                           "--out", str(tmp_path / "out"))
    assert code == 2, err
    assert err.startswith("error:") and "is a directory" in err


def test_a_missing_file_is_named(tmp_path, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "nowhere.toml"
    code, _, err = run_cli(capsys, monkeypatch, "validate", str(path))
    assert code == 2 and str(path) in err and "not found" in err


def test_deep_toml_nesting_is_refused(tmp_path, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    path = write_file(tmp_path, "deep.toml", SMALL + "x = " + "[" * 2000 + "]" * 2000 + "\n")
    code, _, err = run_cli(capsys, monkeypatch, "validate", str(path))
    assert code == 2, err
    assert "nested" in err and "at most 50" in err and "Recursion" not in err


def test_a_dotted_key_of_100000_parts_is_refused(tmp_path, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    path = write_file(tmp_path, "dotted.toml", SMALL + "k" + ".k" * 99_999 + " = 1\n")
    code, _, err = run_cli(capsys, monkeypatch, "validate", str(path))
    assert code == 2, err
    assert "nested" in err and "line" in err
    assert len(err) < 1000


def test_a_deep_set_path_or_value_is_refused(capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    code, _, err = run_cli(capsys, monkeypatch, "validate", TOY, "--set",
                           "k" + ".k" * 99_999 + "=1")
    assert code == 2 and "at most 50" in err and len(err) < 1000
    code, _, err = run_cli(capsys, monkeypatch, "validate", TOY, "--set",
                           "objective.tolerance=" + "[" * 2000 + "]" * 2000)
    assert code == 2 and "nested" in err and len(err) < 1000


def test_floats_and_quoted_dots_are_no_nesting(tmp_path, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A long array of floats and a string full of dots and brackets read as usual."""
    path = write_file(tmp_path, "ok.toml", SMALL.replace(
        'name = "t"', 'name = "' + "a.[{" * 100 + '"  # ' + "[." * 100)
        + "\n[scenarios.s]\n" + '"segment.a.count" = 100\n')
    code, _, err = run_cli(capsys, monkeypatch, "validate", str(path))
    assert code == 0, err


def test_actuals_with_only_a_header(tmp_path, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    path = write_file(tmp_path, "a.csv", ACTUALS_HEADER)
    code, _, err = run_cli(capsys, monkeypatch, "replan", TOY, "--actuals", str(path),
                           "--as-of", "2025")
    assert code == 2, err
    assert err.startswith("error:") and "has a header but no rows" in err


def test_empty_actuals(tmp_path, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    path = write_file(tmp_path, "a.csv", "")
    code, _, err = run_cli(capsys, monkeypatch, "replan", TOY, "--actuals", str(path),
                           "--as-of", "2025")
    assert code == 2 and "is empty" in err


def test_actuals_in_latin1(tmp_path, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    path = _bytes(tmp_path, "a.csv", (ACTUALS_HEADER + "2025,h\u00e9,0,400,1500,100,0\n")
                  .encode("latin-1"))
    code, _, err = run_cli(capsys, monkeypatch, "replan", TOY, "--actuals", str(path),
                           "--as-of", "2025")
    assert code == 2 and "not UTF-8" in err and "offset" in err


def test_register_in_utf16(tmp_path, capsys, monkeypatch, pseudonym_key) -> None:  # type: ignore[no-untyped-def]
    reg = toy_register(tmp_path / "reg.csv")
    reg.write_bytes(reg.read_text().encode("utf-16"))
    code, _, err = run_cli(capsys, monkeypatch, "residents", TOY, "--register", str(reg),
                           "--out", str(tmp_path / "out"))
    assert code == 2 and "UTF-16" in err


def test_messages_are_capped() -> None:
    problems = [(f"key{k}", "bad") for k in range(40)]
    lines = InputError("f", problems).message().splitlines()
    assert len(lines) == 1 + MAX_PROBLEMS + 1
    assert lines[-1].strip() == f"... and {40 - MAX_PROBLEMS} more"


def test_long_values_are_shortened(capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    code, _, err = run_cli(capsys, monkeypatch, "validate", TOY, "--set",
                           "segment.houses.count=" + "x" * 5000)
    assert code == 2, err
    assert "segment.houses.count" in err and "more characters" in err and len(err) < 600


def test_many_bad_rows_give_one_short_message(tmp_path, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    rows = [ACTUALS_HEADER.strip()] + [f"2025,houses,-{k},0,0,0,0" for k in range(1, 200)]
    path = write_file(tmp_path, "a.csv", "\n".join(rows) + "\n")
    code, _, err = run_cli(capsys, monkeypatch, "replan", TOY, "--actuals", str(path),
                           "--as-of", "2025")
    assert code == 2
    assert "and 187 more" in err and len(err.splitlines()) <= MAX_PROBLEMS + 3
