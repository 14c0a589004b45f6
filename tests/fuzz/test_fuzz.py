"""The short fuzzing run (CI): a fixed seed, a few hundred cases over the instance schema,
the `--set` grammar and the CSVs, each run through capplan's entry point in this process.
Every case must end in an honest plan, an infeasible answer or a short `error:` message (see
tests/fuzz/fuzz_cases.py); the long run is `python bench/fuzz.py --cases 5000`."""

from __future__ import annotations

from pathlib import Path

from fuzz_cases import (
    TOY_WITH_MEASURE,
    Case,
    csv_cases,
    instance_cases,
    run_case,
    set_cases,
)
from hypothesis import HealthCheck, given, settings

SHORT = settings(max_examples=120, deadline=None, database=None, derandomize=True,
                 suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                        HealthCheck.filter_too_much])


def _check(case: Case) -> None:
    outcome = run_case(case)
    assert outcome.ok, (outcome, case.args, case.files)


@SHORT
@given(instance_cases())
def test_instances(case: Case) -> None:
    _check(case)


@SHORT
@given(set_cases())
def test_set_grammar(case: Case) -> None:
    _check(case)


@settings(SHORT, max_examples=80)
@given(csv_cases())
def test_csv_files(case: Case) -> None:
    _check(case)


TWO_YEARS_OF_EXECUTION = """\
[programme]
name = "x"
start = 2025
horizon_end = 2026
granularity = "quarter"
[[segment]]
name = "s"
count = 205
engineering_days = 205
execution_days = 571
[objective]
terms = ["cost"]
"""


def test_terms_without_a_milestone_finish(tmp_path: Path) -> None:
    """205 days of design and 571 of execution from 2025: nothing can finish by the end of
    2026 (776 days > 730), so the plan is infeasible whatever the terms, `cost` alone too."""
    path = tmp_path / "x.toml"
    path.write_text(TWO_YEARS_OF_EXECUTION)
    outcome = run_case(Case("instance", ("plan", str(path), "-f", "json", "--no-ledger")))
    assert outcome.outcome == "infeasible", outcome


def test_terms_p50_and_cost_finish_the_scope(tmp_path: Path) -> None:
    """The toy (2,500 items, 500 done in 2024) under `p50, cost` with a capacity cost: the plan
    reaches 50% (1,250) in 2026 and must still complete all 2,500 by 2030."""
    path = tmp_path / "toy.toml"
    path.write_text(TOY_WITH_MEASURE)
    outcome = run_case(Case("set", ("plan", str(path), "-f", "json", "--no-ledger", "--set",
                                    'objective.terms=["p50", "cost"]', "--set",
                                    "capacity.execution.cost=1")))
    assert outcome.outcome == "optimal", outcome
