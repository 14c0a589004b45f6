"""Solver backends and extras: every backend is opened through `open_backend`, which imports
its library then and not before; a missing library is an input error (exit 2) naming the extra
to install; with every extra installed all backends load and solve in one process; each solve
gets the whole time limit."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from capplan.core.backends import (
    LIBRARIES,
    SolverNotInstalled,
    SolverUnavailable,
    Status,
    available,
    open_backend,
)
from capplan.core.build import build
from capplan.core.objectives import linear_cost
from capplan.core.solve import plan
from capplan.errors import InputError
from capplan.inputs.load import load

TOY = Path(__file__).resolve().parents[2] / "instances" / "toy.toml"
GRONINGEN = TOY.with_name("groningen-2024.toml")
EXTRAS = {"cbc": "cbc", "glop": "ortools", "scip": "ortools"}


def _hide(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    """Make backend `name`'s library unimportable, as if its extra were not installed."""
    monkeypatch.setitem(sys.modules, LIBRARIES[name][0], None)


@pytest.mark.parametrize("name", sorted(EXTRAS))
def test_a_missing_extra_is_an_input_error_naming_it(name: str,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    lp = build(load(TOY).instance).lp
    _hide(monkeypatch, name)
    with pytest.raises(SolverNotInstalled) as caught:
        open_backend(name, lp)
    assert isinstance(caught.value, InputError)
    assert caught.value.source == "--solver"
    assert caught.value.message().startswith(
        f"--solver: {name} needs pip install 'capplan[{EXTRAS[name]}]'")
    assert name not in available()


def test_a_missing_highspy_says_to_reinstall(monkeypatch: pytest.MonkeyPatch) -> None:
    lp = build(load(TOY).instance).lp
    _hide(monkeypatch, "highs")
    with pytest.raises(SolverNotInstalled, match="highs needs highspy: reinstall capplan"):
        open_backend("highs", lp)


def test_plan_says_so_before_building(monkeypatch: pytest.MonkeyPatch) -> None:
    """The API's plan raises the same error, and before any model is built."""
    instance = load(TOY).instance
    _hide(monkeypatch, "cbc")

    def no_build(*args: object, **kwargs: object) -> None:
        raise AssertionError("built a model for a solver that is not installed")

    monkeypatch.setattr("capplan.core.solve.build", no_build)
    with pytest.raises(SolverNotInstalled, match=r"pip install 'capplan\[cbc\]'"):
        plan(instance, solver="cbc")


def test_cli_exits_2_with_the_install_hint(monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    from capplan.cli import main

    _hide(monkeypatch, "cbc")
    monkeypatch.setattr(sys, "argv", ["capplan", "plan", str(TOY), "--solver", "cbc",
                                      "--no-ledger"])
    with pytest.raises(SystemExit) as exited:
        main()
    out, err = capsys.readouterr()
    assert exited.value.code == 2
    assert "error: --solver: cbc needs pip install 'capplan[cbc]'" in err
    assert "Traceback" not in err and out == ""


def test_an_unknown_solver_is_named() -> None:
    lp = build(load(TOY).instance).lp
    with pytest.raises(SolverUnavailable, match="unknown solver 'gurobi' "
                                                r"\(one of highs, cbc, glop, scip\)"):
        open_backend("gurobi", lp)


def _modules_after(code: str) -> set[str]:
    """Which solver libraries a fresh interpreter holds after running `code`."""
    probe = (f"{code}\nimport sys\n"
             "print(' '.join(m for m in ('highspy', 'pulp', 'ortools') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                            timeout=120, check=True)
    return set(result.stdout.split())


def test_solver_libraries_load_when_a_backend_opens() -> None:
    """Importing the solving code loads no solver library; opening HiGHS loads highspy only."""
    setup = ("import capplan.core.solve, capplan.questions.tradeoff\n"
             "from capplan.core.build import build\n"
             "from capplan.inputs.load import load\n"
             f"lp = build(load({str(TOY)!r}).instance).lp\n")
    assert _modules_after(setup) == set()
    assert _modules_after(setup + "from capplan.core.backends import open_backend\n"
                                  "open_backend('highs', lp)") == {"highspy"}


@pytest.mark.parametrize("order", [("highs", "cbc", "glop", "scip"),
                                   ("scip", "glop", "cbc", "highs")])
def test_every_backend_opens_and_solves_in_one_process(order: tuple[str, ...]) -> None:
    """With every extra installed (as `.[test]` does), the four backends open and solve the
    toy in one process, in either order of loading: highspy is pinned to the HiGHS release
    that ortools bundles under the same library name."""
    code = (
        "from capplan.core.solve import plan\n"
        "from capplan.inputs.load import load\n"
        f"instance = load({str(TOY)!r}).instance\n"
        f"for name in {list(order)!r}:\n"
        "    _, solution = plan(instance, solver=name)\n"
        "    print(name, solution.status.value, solution.values['finish'])\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr
    finish = {line.split()[2] for line in result.stdout.splitlines()}
    assert [line.split()[:2] for line in result.stdout.splitlines()] == [
        [name, "optimal"] for name in order]
    assert len(finish) == 1


def test_highs_stops_a_solve_at_the_time_limit() -> None:
    """A limit far below one solve of the quarterly Groningen LP ends that solve."""
    built = build(load(GRONINGEN).instance)
    backend = open_backend("highs", built.lp, time_limit=1e-6)
    backend.set_cost(linear_cost(built, "waiting"))
    assert backend.solve(fresh=True).status == Status.TIME_LIMIT


def test_highs_gives_each_solve_the_whole_time_limit() -> None:
    """The toy's LP solved again and again by one HiGHS backend until the solves add up to
    four times the limit: every solve is optimal (HiGHS's own clock runs on over the solves
    of one model; each solve's limit starts where that clock stands)."""
    built = build(load(TOY).instance)
    limit = 0.1
    backend = open_backend("highs", built.lp, time_limit=limit)
    backend.set_cost(linear_cost(built, "waiting"))
    statuses = set()
    while backend.solver_seconds < 4 * limit and backend.solves < 50_000:
        statuses.add(backend.solve(fresh=True).status)
    assert backend.solver_seconds >= 4 * limit
    assert statuses == {Status.OPTIMAL}
