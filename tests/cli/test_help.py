"""Every command's --help shows each option's help whole, at 80 columns."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from capplan.cli.app import app

COMMANDS = [["plan"], ["validate"], ["template"], ["examples"], ["compare"], ["whatif"],
            ["explain"], ["tradeoff"], ["evaluate"], ["replan"], ["sweep"], ["residents"],
            ["runs", "list"], ["runs", "show"], ["runs", "diff"], ["runs", "reproduce"],
            ["runs", "verify"], ["register", "synth"]]


@pytest.mark.parametrize("command", COMMANDS, ids=[" ".join(c) for c in COMMANDS])
def test_help_is_whole_at_80_columns(command: list[str]) -> None:
    result = CliRunner().invoke(app, [*command, "--help"], env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    assert "…" not in result.output
    assert max(len(line) for line in result.output.splitlines()) <= 80
    if "--scenario" in result.output and command != ["compare"]:
        assert "[scenarios.NAME]" in result.output


def test_version() -> None:
    from capplan import __version__

    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.output.strip() == f"capplan {__version__}"
