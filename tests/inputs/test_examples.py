"""The shipped examples as package data: the list, resolving a name to its file, bad names,
and the anchors the examples cite in docs/sources.md."""

from __future__ import annotations

import re
from importlib.resources import files
from pathlib import Path

import pytest

from builders import INSTANCES, ROOT
from capplan.errors import InputError
from capplan.inputs.examples import examples, resolve

SHIPPED = {
    ("groningen-2024", "instance"), ("toy", "instance"), ("groningen-2024-claims", "claims"),
    ("sodm-2024-targets", "targets"), ("sodm-2024-targets-17500", "targets"),
    ("groningen-actuals-2025", "actuals"),
}


def test_the_list_holds_every_shipped_file_with_its_kind() -> None:
    """Instances first, then targets and actuals; every TOML and CSV of instances/ is listed,
    each with the path of the installed package's file."""
    listed = examples()
    assert {(e.name, e.kind) for e in listed} == SHIPPED
    assert [e.name for e in listed][:2] == ["groningen-2024", "toy"]
    assert {e.name for e in listed} == {p.stem for p in INSTANCES.glob("*.*")
                                         if p.suffix in (".toml", ".csv")}
    package = Path(str(files("capplan.examples")))
    assert all(e.path.parent == package and e.path.is_file() for e in listed)


def test_an_instance_shows_its_programme_and_first_comment_line() -> None:
    by_name = {e.name: e for e in examples()}
    groningen = by_name["groningen-2024"]
    assert groningen.programme == "Groningen strengthening operation"
    assert groningen.description == (
        "The Groningen earthquake-strengthening operation as the regulator's letter describes it.")
    assert by_name["toy"].programme == "toy"
    assert by_name["toy"].description == (
        'A toy instance to check by hand (README "Worked example").')
    targets = by_name["sodm-2024-targets-17500"]
    assert targets.programme is None
    assert targets.description == (
        "SodM's advised directional production targets for a scope of 17,500.")


@pytest.mark.parametrize(("name", "kind", "file"), [
    ("groningen-2024", "instance", "groningen-2024.toml"),
    ("groningen-2024.toml", "instance", "groningen-2024.toml"),
    (Path("toy"), "instance", "toy.toml"),
    ("sodm-2024-targets", "targets", "sodm-2024-targets.csv"),
    ("sodm-2024-targets-17500.csv", "targets", "sodm-2024-targets-17500.csv"),
    ("groningen-actuals-2025", "actuals", "groningen-actuals-2025.csv"),
])
def test_a_shipped_name_resolves_to_its_file(name: str | Path, kind: str, file: str,
                                             tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """With or without its suffix, from any folder: the same bytes as in instances/."""
    monkeypatch.chdir(tmp_path)
    path = resolve(name, kind)
    assert path.is_absolute() and path.name == file
    assert path.read_bytes() == (INSTANCES / file).read_bytes()


def test_an_existing_file_is_returned_unchanged(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """Also when it has a shipped example's name: the user's file wins."""
    mine = tmp_path / "mine.toml"
    mine.write_text("")
    assert resolve(mine) is mine
    assert resolve(str(mine)) == mine
    monkeypatch.chdir(tmp_path)
    (tmp_path / "toy.toml").write_text("")
    assert resolve("toy.toml") == Path("toy.toml")
    assert resolve("toy") == INSTANCES.resolve() / "toy.toml"


@pytest.mark.parametrize(("argument", "kind", "shipped"), [
    ("groningen-2042", "instance", "instances: groningen-2024, toy"),
    ("no/such.toml", "instance", "instances: groningen-2024, toy"),
    ("other/toy.toml", "instance", "instances: groningen-2024, toy"),
    ("sodm-2024-targets", "instance", "instances: groningen-2024, toy"),
    ("toy", "targets", "targets: sodm-2024-targets, sodm-2024-targets-17500"),
    ("toy.toml", "actuals", "actuals: groningen-actuals-2025"),
])
def test_anything_else_names_the_argument_and_lists_the_shipped_names(
        argument: str, kind: str, shipped: str, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A name of another kind or with a folder in it is not a shipped example."""
    monkeypatch.chdir(tmp_path)
    with pytest.raises(InputError) as caught:
        resolve(argument, kind)
    assert caught.value.source == argument
    assert caught.value.message() == (
        f"{argument}: file not found, nor a shipped example (shipped {shipped})")


def test_an_unknown_kind_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="kind must be one of instance, claims, targets, actuals"):
        resolve("toy", "instances")


def _anchors(markdown: str) -> set[str]:
    """The anchors of a Markdown page's headings, as GitHub makes them: lower case, spaces
    to hyphens, other punctuation dropped."""
    return {re.sub(r"[^\w\- ]", "", line.lstrip("#").strip().lower()).replace(" ", "-")
            for line in markdown.splitlines() if line.startswith("#")}


def test_every_cited_anchor_is_a_heading_of_the_sources_page() -> None:
    """`docs/sources.md#anchor` in a shipped example names a heading of docs/sources.md."""
    anchors = _anchors((ROOT / "docs" / "sources.md").read_text())
    assert {"scope", "lead-times", "measure-28", "yearly-targets", "history",
            "derived-figures"} <= anchors
    cited = {(e.name, anchor) for e in examples()
             for anchor in re.findall(r"docs/sources\.md#([\w-]+)", e.path.read_text())}
    assert cited, "no example cites docs/sources.md"
    assert not [c for c in cited if c[1] not in anchors]


def test_the_examples_cite_only_the_sources_page() -> None:
    """No shipped example cites a file outside the repository."""
    assert not [e.name for e in examples() if "FACTS.md" in e.path.read_text()]


def test_a_device_is_not_a_file() -> None:
    """/dev/null exists but is not a regular file: said so, not "file not found"."""
    with pytest.raises(InputError, match="is not a regular file"):
        resolve("/dev/null", "claims")
