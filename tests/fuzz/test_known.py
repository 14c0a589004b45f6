"""Cases the fuzzing found whose fix lay in the solve itself (model/core), each written as the
answer it must give."""

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


@pytest.mark.parametrize("text", [
    ENGINEERING_ONLY.format(end=2029, initial=208, high=246, ramp=80, segments="".join([
        _segment("s0", 97, 300, 45), _segment("s1", 113, 91, 91),
        _segment("s2", 410, 91, 0)])),
    ENGINEERING_ONLY.format(end=2028, initial=146, high=202, ramp=69, segments="".join([
        _segment("s0", 336, 91, 91), _segment("s1", 369, 300, 91)])),
])
def test_tight_engineering_without_execution_capacity(tmp_path: Path, text: str) -> None:
    """Optimal or infeasible (the status the plan has), never "the solver ended with error"
    and exit 1: a HiGHS run that ends with no status, warm and fresh, is tried with the other
    simplex (the first instance then finishes 2027Q4, as GLOP and the MILP find)."""
    path = tmp_path / "w.toml"
    path.write_text(text)
    outcome = run_case(Case("instance", ("plan", str(path), "-f", "json", "--no-ledger")))
    assert outcome.outcome in ("optimal", "infeasible"), outcome
