"""No personal value in a register's messages: errors name row and column, never the value;
identifying column names (Dutch and English, abbreviations too) are refused; weak keys are
refused and a key file every user may read is warned about."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from builders import INSTANCES, PSEUDONYM_KEY, run_cli, toy_register
from capplan.errors import InputError
from capplan.residents.register import KeyFileWarning, identifying, pseudonym_key

pytestmark = pytest.mark.usefixtures("pseudonym_key")

TOY = str(INSTANCES / "toy.toml")

PERSONAL = ("Jan Jansen", "jan@example.nl", "9712 AB", "Dorpsstraat 12", "Pietersen")


def _residents(capsys, monkeypatch, tmp_path: Path, reg: Path) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    code, out, err = run_cli(capsys, monkeypatch, "residents", TOY, "--register", str(reg),
                             "--out", str(tmp_path / "out"))
    return code, out + err


def test_shifted_columns_print_no_personal_value(tmp_path, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Rows whose values slid one column: names, e-mail addresses and postcodes land in
    segment, stage, since and risk_class."""
    rows = ["id,segment,stage,since,risk_class"]
    rows += [f"x{k},Jan Jansen,jan@example.nl,9712 AB,Dorpsstraat 12" for k in range(30)]
    reg = tmp_path / "reg.csv"
    reg.write_text("\n".join(rows) + "\n", encoding="utf-8")
    code, text = _residents(capsys, monkeypatch, tmp_path, reg)
    assert code == 2 and text.startswith("error:")
    assert "row 2, stage" in text and "row 2, since" in text
    for value in PERSONAL:
        assert value not in text


def test_an_unknown_segment_is_not_echoed(tmp_path, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    rows = ["id,segment,stage,since,risk_class", "x1,Pietersen,ready,2020-01-01,1"]
    reg = tmp_path / "reg.csv"
    reg.write_text("\n".join(rows) + "\n", encoding="utf-8")
    code, text = _residents(capsys, monkeypatch, tmp_path, reg)
    assert code == 2 and "row 2, segment" in text and "Pietersen" not in text


def test_a_register_without_header_prints_no_street(tmp_path, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    rows = ["A-1,Dorpsstraat 12,Jan Jansen,9712 AB,jan@example.nl",
            "A-2,Kerkweg 3,Piet Pietersen,9713 CD,piet@example.nl"]
    reg = tmp_path / "reg.csv"
    reg.write_text("\n".join(rows) + "\n", encoding="utf-8")
    code, text = _residents(capsys, monkeypatch, tmp_path, reg)
    assert code == 2 and "no header row" in text
    for value in (*PERSONAL, "Kerkweg"):
        assert value not in text


def test_a_refused_column_name_that_is_a_value_is_not_shown(tmp_path, capsys,  # type: ignore[no-untyped-def]
                                                              monkeypatch) -> None:
    reg = toy_register(tmp_path / "reg.csv", extra=",Huisstraat 12")
    code, text = _residents(capsys, monkeypatch, tmp_path, reg)
    assert code == 2 and "column 6" in text and "Huisstraat 12" not in text


@pytest.mark.parametrize("column", ["tel", "Tel", "gsm", "dob", "geb_datum", "GebDatum",
                                    "bewoner", "eigenaar", "initialen", "pc6", "PC4", "telNr",
                                    "mobiel", "voorletters", "tussenvoegsel", "owner",
                                    "woonplaats", "geboortedatum", "achternaam"])
def test_identifying_columns_are_refused(tmp_path, capsys, monkeypatch, column) -> None:  # type: ignore[no-untyped-def]
    assert identifying(column)
    reg = toy_register(tmp_path / "reg.csv", extra=f",{column}")
    code, text = _residents(capsys, monkeypatch, tmp_path, reg)
    assert code == 2 and "personal data" in text and column in text


@pytest.mark.parametrize("column", ["hotel", "stage", "note", "batch", "case_nr", "priority"])
def test_ordinary_columns_are_not_identifying(column) -> None:  # type: ignore[no-untyped-def]
    assert not identifying(column)


def test_a_key_of_identical_characters_is_weak(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("CAPPLAN_PSEUDONYM_KEY", "a" * 16)
    with pytest.raises(InputError, match="weak"):
        pseudonym_key(None)
    monkeypatch.setenv("CAPPLAN_PSEUDONYM_KEY", "abab" * 8)
    with pytest.raises(InputError, match="weak"):
        pseudonym_key(None)


def test_a_weak_key_stops_the_command(tmp_path, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("CAPPLAN_PSEUDONYM_KEY", "x" * 32)
    code, text = _residents(capsys, monkeypatch, tmp_path, toy_register(tmp_path / "reg.csv"))
    assert code == 2 and "weak" in text


@pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")
def test_a_world_readable_key_file_is_warned_about(tmp_path) -> None:  # type: ignore[no-untyped-def]
    key = tmp_path / "key.txt"
    key.write_text(PSEUDONYM_KEY + "\n", encoding="utf-8")
    key.chmod(0o644)
    with pytest.warns(KeyFileWarning, match="chmod 600"):
        assert pseudonym_key(key) == PSEUDONYM_KEY.encode()
    key.chmod(0o600)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error", KeyFileWarning)
        assert pseudonym_key(key) == PSEUDONYM_KEY.encode()
