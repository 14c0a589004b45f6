"""Architecture: the import contracts hold, no private name crosses a wing, no import cycle.

The wings and their order are in `.importlinter` (run by `lint-imports --config .importlinter`,
and here). A name starting with `_` is a wing's own: another wing that needs it needs a public
function instead. Modules import each other without cycles, lazily or not.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path

import pytest

import capplan

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / ".importlinter"
PACKAGE = Path(capplan.__file__).resolve().parent

ALLOWED_IGNORES: set[str] = set()
"""Imports the contracts may ignore: none."""

KNOWN_PRIVATE: set[str] = set()
"""Private names still imported across a wing: removed when the report imports a public name
for a cell's text from inputs/workbook.py."""

NO_IMPORT_LINTER = "import-linter is not installed (pip install 'import-linter>=2.1')"


# --- the contracts ------------------------------------------------------------------------------


def test_import_contracts_are_kept() -> None:
    """Every contract of .importlinter is kept (the same run as `lint-imports`)."""
    pytest.importorskip("importlinter", reason=NO_IMPORT_LINTER)
    run = subprocess.run(
        [sys.executable, "-c", "from importlinter.cli import lint_imports_command as c; c()",
         "--config", str(CONFIG), "--no-cache", "--no-logo"],
        cwd=ROOT, capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "0 broken" in run.stdout


def test_only_the_allowed_import_is_ignored() -> None:
    """The contracts set aside no import but the one allowed exception."""
    api = pytest.importorskip("importlinter.api", reason=NO_IMPORT_LINTER)
    contracts = api.read_configuration(str(CONFIG))["contracts_options"]
    assert {c["id"] for c in contracts} == {"wings", "core-draws-nothing"}
    for contract in contracts:
        assert set(contract.get("ignore_imports", [])) <= ALLOWED_IGNORES, contract["id"]


# --- private names --------------------------------------------------------------------------------


def module_name(path: Path, package: Path = PACKAGE) -> str:
    """The import name of a file of the package: model/core/lp.py -> capplan.core.lp."""
    parts = list(path.relative_to(package).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(["capplan", *parts])


def wing(module: str) -> str:
    """The wing a module belongs to: the first name under `capplan` (`core` for
    capplan.core.lp, `errors` for capplan.errors; empty for the package itself)."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def is_private(name: str) -> bool:
    """A name of the module that defines it only: a leading `_`, not a dunder."""
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def private_imports(source: str, module: str, is_package: bool = False) -> list[str]:
    """Private names of other wings that `module` imports (`from capplan.x import _y`, a
    private module on an import path, or `alias._y` on a module imported from another wing),
    as `importer -> imported`."""
    tree = ast.parse(source)
    here = wing(module)
    found: list[str] = []
    aliases: dict[str, str] = {}

    def check(target: str, name: str | None) -> None:
        full = f"{target}.{name}" if name else target
        if not full.startswith("capplan.") or wing(full) == here:
            return
        if any(is_private(part) for part in full.split(".")):
            found.append(f"{module} -> {full}")

    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            target = node.module or ""
            if node.level:
                base = module.split(".")[: len(module.split(".")) - node.level
                                          + (1 if is_package else 0)]
                target = ".".join(base + ([target] if target else []))
            for alias in node.names:
                check(target, alias.name)
                aliases[alias.asname or alias.name] = f"{target}.{alias.name}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                check(alias.name, None)
                if alias.asname:
                    aliases[alias.asname] = alias.name
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and (
                node.value.id in aliases):
            check(aliases[node.value.id], node.attr)
    return found


def test_the_private_import_check_finds_them() -> None:
    """Known answers: imports across wings of `_names`, private modules and attributes are
    found; a wing's own private names and dunders are not."""
    source = "\n".join([
        "from capplan.core.solve import _passes, plan",
        "from capplan.uncertainty.samples import _solve_one",
        "from capplan.core import _helpers",
        "from capplan import __version__",
        "import capplan.inputs._raw",
        "from capplan.core import results as r",
        "from . import _sibling",
        "x = r._table(1)",
    ])
    assert private_imports(source, "capplan.uncertainty.sweep") == [
        "capplan.uncertainty.sweep -> capplan.core.solve._passes",
        "capplan.uncertainty.sweep -> capplan.core._helpers",
        "capplan.uncertainty.sweep -> capplan.inputs._raw",
        "capplan.uncertainty.sweep -> capplan.core.results._table",
    ]
    assert private_imports("from ..core import _x\n", "capplan.residents.notices") == [
        "capplan.residents.notices -> capplan.core._x"]


def test_no_private_name_crosses_a_wing() -> None:
    """No module imports a `_private` name, module or attribute from another wing (but those
    of KNOWN_PRIVATE, on their way out)."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        found += private_imports(path.read_text(encoding="utf-8"), module_name(path),
                                 path.name == "__init__.py")
    new = sorted(set(found) - KNOWN_PRIVATE)
    assert not new, "\n".join(new)


# --- cycles ---------------------------------------------------------------------------------------


def cycles(imports: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """The import cycles of a graph (module -> modules it imports): its strongly connected
    components of more than one module, and modules importing themselves (Tarjan's algorithm,
    without recursion). Each sorted, in order of their first module."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []
    for root in sorted(imports):
        if root in index:
            continue
        work = [(root, iter(sorted(imports.get(root, ()))))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(imports.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1 or node in imports.get(node, ()):
                    out.append(sorted(component))
    return sorted(out)


def test_the_cycle_check_finds_them() -> None:
    """Known answers: a -> b -> c -> a and d <-> e are cycles, f importing itself is one, the
    chain g -> h -> a is not."""
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"e"}, "e": {"d"}, "f": {"f"},
             "g": {"h"}, "h": {"a"}}
    assert cycles(graph) == [["a", "b", "c"], ["d", "e"], ["f"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycle() -> None:
    """No module of capplan imports itself through others (imports inside functions and
    under TYPE_CHECKING included)."""
    grimp = pytest.importorskip("grimp", reason=NO_IMPORT_LINTER)
    graph = grimp.build_graph("capplan", cache_dir=None)
    imports = {m: graph.find_modules_directly_imported_by(m) for m in graph.modules}
    assert len(imports) > 40  # the whole package was read
    found = cycles(imports)
    assert not found, "\n".join(" <-> ".join(c) for c in found)
