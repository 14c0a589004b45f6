"""Cases the fuzzing found whose fix lies in the solve itself (model/core): each is written as
the answer it must give, and marked xfail (not strict) while it does not."""

from __future__ import annotations

from pathlib import Path

import pytest
from fuzz_cases import Case, run_case

ENGINEERING_ONLY = """\
[programme]
name = "w"
start = 2025
horizon_end = {end}
granularity = "quarter"
[capacity.engineering]
kind = "throughput"
initial = {initial}
max = {high}
ramp_up = {ramp}
{segments}"""


def _segment(name: str, count: int, eng: int, exe: int) -> str:
    return (f'[[segment]]\nname = "{name}"\ncount = {count}\nengineering_days = {eng}\n'
            f"execution_days = {exe}\n")


@pytest.mark.xfail(strict=False, reason="HiGHS ends with an error status on quarterly plans "
                                        "with a tight throughput engineering limit and no "
                                        "execution capacity (model/core/solve.py)")
@pytest.mark.parametrize("text", [
    ENGINEERING_ONLY.format(end=2029, initial=208, high=246, ramp=80, segments="".join([
        _segment("s0", 97, 300, 45), _segment("s1", 113, 91, 91),
        _segment("s2", 410, 91, 0)])),
    ENGINEERING_ONLY.format(end=2028, initial=146, high=202, ramp=69, segments="".join([
        _segment("s0", 336, 91, 91), _segment("s1", 369, 300, 91)])),
])
def test_tight_engineering_without_execution_capacity(tmp_path: Path, text: str) -> None:
    """Optimal or infeasible (the status the plan has), never "the solver ended with error"
    and exit 1."""
    path = tmp_path / "w.toml"
    path.write_text(text)
    outcome = run_case(Case("instance", ("plan", str(path), "-f", "json", "--no-ledger")))
    assert outcome.outcome in ("optimal", "infeasible"), outcome
