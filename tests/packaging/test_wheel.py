"""The wheel: built from the sources alone, installed into a fresh virtual environment, it adds
one top-level package `capplan` (and its dist-info), ships the example instances, and its
command line plans an installed example from a folder outside the repository.

To stay fast and offline the wheel is built without build isolation (setuptools from the test
environment) and installed with --no-deps; the fresh environment then reaches the test
environment's dependencies through a .pth file, added after the install so that pip sees only
the fresh environment. Its own site-packages comes first on sys.path, so its copy of capplan
is the one imported."""

from __future__ import annotations

import json
import os
import shutil
import site
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ("pyproject.toml", "README.md", "model", "instances")


def _run(argv: list[str], cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTHONSTARTUP")}
    return subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout)


def _ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, f"{result.args}\n{result.stdout}\n{result.stderr}"
    return result.stdout


@dataclass
class Fresh:
    """A fresh venv with the wheel installed: its python, bin and site-packages, the entries
    the install added to site-packages, and a work folder outside the repository."""

    python: Path
    bin: Path
    site: Path
    added: set[str]
    work: Path


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory) -> Fresh:
    """Build the wheel from a copy of the sources and install it into a fresh venv."""
    base = tmp_path_factory.mktemp("wheel")
    src = base / "src"
    src.mkdir()
    for name in SOURCES:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, src / name,
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(ROOT / name, src / name)
    dist = base / "dist"
    _ok(_run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
              "--no-index", "--quiet", "-w", str(dist), str(src)], base))
    (wheel,) = dist.glob("capplan-*.whl")

    venv = base / "venv"
    _ok(_run([sys.executable, "-m", "venv", "--without-pip", str(venv)], base))
    python = venv / "bin" / "python"
    site_dir = Path(_ok(_run([str(python), "-c", "import sysconfig; "
                                                 "print(sysconfig.get_path('purelib'))"],
                             base)).strip())
    before = set(os.listdir(site_dir))
    _ok(_run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps",
              "--no-index", "--quiet", str(wheel)], base))
    added = set(os.listdir(site_dir)) - before
    (site_dir / "test-environment.pth").write_text(
        "\n".join(site.getsitepackages()) + "\n", encoding="utf-8")
    work = base / "elsewhere"
    work.mkdir()
    return Fresh(python, venv / "bin", site_dir, added, work)


def test_one_top_level_package(fresh: Fresh) -> None:
    assert fresh.added == {"capplan", "capplan-0.1.0.dist-info"}


def test_examples_travel_with_the_package(fresh: Fresh) -> None:
    examples = fresh.site / "capplan" / "examples"
    shipped = {p.name for p in examples.iterdir() if p.suffix in (".toml", ".csv")}
    assert {"groningen-2024.toml", "toy.toml", "groningen-actuals-2025.csv",
            "sodm-2024-targets.csv"} <= shipped


def test_the_installed_copy_is_imported(fresh: Fresh) -> None:
    """capplan and its version come from the fresh venv, not from the checkout."""
    code = ("import importlib.metadata, capplan, capplan.cli, capplan.core.solve; "
            "print(capplan.__file__); print(capplan.__version__); "
            "print(importlib.metadata.version('capplan'))")
    where, version, metadata = _ok(_run([str(fresh.python), "-c", code],
                                        fresh.work)).split()
    assert Path(where).is_relative_to(fresh.site)
    assert version == metadata == "0.1.0"


def test_capplan_version(fresh: Fresh) -> None:
    out = _ok(_run([str(fresh.bin / "capplan"), "--version"], fresh.work))
    assert out.strip() == "capplan 0.1.0"


def test_python_m_capplan_help(fresh: Fresh) -> None:
    out = _ok(_run([str(fresh.python), "-m", "capplan", "--help"], fresh.work))
    assert "plan" in out and "Multi-year capacity planning" in out


def test_plan_an_installed_example(fresh: Fresh) -> None:
    """`capplan plan` on the installed Groningen example, run from a folder outside the
    repository, exits 0 with an optimal plan, given the file's path or the example's name;
    every capplan module it loaded is the fresh venv's."""
    example = fresh.site / "capplan" / "examples" / "groningen-2024.toml"
    work = fresh.work
    out = _ok(_run([str(fresh.bin / "capplan"), "plan", str(example),
                    "--no-ledger", "--format", "json"], work))
    doc = json.loads(out)
    assert doc["status"] == "optimal"
    assert doc["milestones"]["finish"] is not None
    loaded = work / "loaded.json"
    code = ("import atexit, json, sys\n"
            f"atexit.register(lambda: open({str(loaded)!r}, 'w').write(json.dumps(sorted("
            "str(getattr(m, '__file__', None)) for n, m in list(sys.modules.items()) "
            "if n.split('.')[0] == 'capplan'))))\n"
            "sys.argv = ['capplan', 'plan', 'groningen-2024', '--no-ledger', '-f', 'json']\n"
            "from capplan.cli import main\n"
            "main()\n")
    named = json.loads(_ok(_run([str(fresh.python), "-c", code], work)))
    assert named["status"] == "optimal" and named["milestones"] == doc["milestones"]
    files = json.loads(loaded.read_text())
    assert files and all(Path(f).is_relative_to(fresh.site) for f in files
                         if f != "None")
