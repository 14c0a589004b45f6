"""The web page in a real browser (Debian's chromium through Playwright) against a running
`capplan serve`: what a planner sees equals what the command line prints."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import openpyxl
import pytest

import capplan
from builders import INSTANCES

pytest.register_assert_rewrite("webserver")
from webserver import AXE, Server, start_server, stop_server  # noqa: E402

pytest_plugins = ["webserver"]

WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def figure(text: str) -> float:
    """A figure as the English page writes it (15,644 or 14.7)."""
    return float(text.replace(",", ""))


def plan_table(page: Any) -> list[dict[str, str]]:
    """The yearly table of the result shown, one dict per row keyed by data-column."""
    return page.eval_on_selector_all(
        "table[data-table=trajectory] tbody tr",
        "rows => rows.map(r => Object.fromEntries([...r.children].map("
        "c => [c.dataset.column, c.textContent.trim()])))")


def cli_json(*args: str, cwd: Path | None = None) -> dict[str, Any]:
    out = subprocess.run([sys.executable, "-m", "capplan", *args, "--format", "json",
                          "--no-ledger"], capture_output=True, text=True, check=True, cwd=cwd)
    return dict(json.loads(out.stdout))


def press_plan(page: Any, server: Server, key: str) -> None:
    page.goto(f"{server.url}/instance?i={key}")
    page.click("#plan-button")
    page.wait_for_selector("table[data-table=trajectory]")


def test_groningen_plan_table_equals_the_command_line(page: Any, server: Server) -> None:
    """Every year's completed, cumulative and share, and the milestones, as `capplan plan
    groningen-2024 --format json` prints them; the page's address is then the run's."""
    press_plan(page, server, "groningen-2024")
    expected = cli_json("plan", "groningen-2024")
    rows = plan_table(page)
    assert [int(r["year"]) for r in rows] == [t["year"] for t in expected["trajectory"]]
    for row, t in zip(rows, expected["trajectory"], strict=True):
        assert figure(row["completed"]) == t["completed"]
        assert figure(row["cumulative"]) == t["cumulative"]
        assert figure(row["share"]) == pytest.approx(t["share"], abs=0.05)
    shown = {k: page.text_content(f"[data-milestone={k}]") for k in expected["milestones"]}
    assert shown == expected["milestones"]
    assert "/runs/" in page.url
    page.reload()  # the result page survives a reload: it is the recorded run
    assert len(plan_table(page)) == len(rows)


def test_compare_after_changing_execution_capacity(page: Any, server: Server) -> None:
    """The toy's execution maximum 1,000 lowered to 700 in the form, then compared: the chart
    has one curve per plan whose points are each plan's cumulative per year."""
    page.goto(f"{server.url}/instance?i=toy")
    page.fill("#f-capacity-execution-max", "700")
    page.click("#compare-button")
    page.wait_for_selector("svg[data-kind=cumulative]")
    series = page.eval_on_selector_all(
        "svg[data-kind=cumulative] g.series",
        "gs => gs.map(g => [g.dataset.label, [...g.querySelectorAll('circle')].map("
        "c => [c.dataset.x, Number(c.dataset.value)])])")
    assert len(series) == 2
    plans = [capplan.plan("toy", overrides=[f"capacity.execution.max={m}"]) for m in
             (1000, 700)]
    for (_, points), plan in zip(series, plans, strict=True):
        expected = [[str(int(y)), float(c)] for y, c in
                    zip(plan.trajectory["year"], plan.trajectory["cumulative"], strict=True)]
        assert points == expected
        assert points[-1][1] == float(plan.trajectory["cumulative"].iloc[-1])
    assert series[0][1] != series[1][1]


def test_bad_upload_shows_the_file_and_key(page: Any, server: Server, tmp_path: Path) -> None:
    """The message next to the file field is the one `capplan validate` prints."""
    bad = tmp_path / "bad.toml"
    bad.write_text((INSTANCES / "toy.toml").read_text().replace("max = 1000", "max = -1"))
    cli = subprocess.run([sys.executable, "-m", "capplan", "validate", "bad.toml"],
                         capture_output=True, text=True, cwd=tmp_path)
    assert cli.returncode == 2
    page.goto(server.url + "/")
    page.set_input_files("#instance-file", str(bad))
    page.click("form.upload button")
    message = page.text_content("#instance-file-error")
    assert message is not None
    assert message.strip() == cli.stderr.strip()
    assert message.startswith("error: bad.toml: capacity.execution.max: ")
    assert page.get_attribute("#instance-file", "aria-describedby") == "instance-file-error"


def test_sweep_shows_progress_survives_a_reload_and_ends_with_a_fan(page: Any,
                                                                    server: Server) -> None:
    page.goto(f"{server.url}/instance?i=folder/toy-risks.toml")
    page.fill("#sw-samples", "60")
    page.fill("#sw-tornado", "10")
    page.click("form[action='/ask/sweep'] button")
    page.wait_for_selector("progress[max]")  # the plans done of the plans in all
    assert "/jobs/" in page.url
    page.reload()
    page.wait_for_selector("svg[data-kind=fan]", timeout=300_000)
    assert page.locator("svg[data-kind=fan] polygon.band").count() == 1
    assert page.locator("svg[data-kind=tornado] g.bar").count() == 2
    assert "/runs/" in page.url


def test_excel_download_opens(page: Any, server: Server, tmp_path: Path) -> None:
    """plan.xlsx of the page is a workbook whose trajectory sheet has the plan's years."""
    press_plan(page, server, "toy")
    link = page.wait_for_selector("a[href$='/plan.xlsx']")
    with page.expect_download() as info:
        link.click()
    path = tmp_path / "plan.xlsx"
    info.value.save_as(path)
    book = openpyxl.load_workbook(path)
    assert "trajectory" in book.sheetnames
    years = [r[0] for r in book["trajectory"].iter_rows(min_row=2, values_only=True)]
    assert years == [int(y) for y in capplan.plan("toy").trajectory["year"]]


def test_two_jobs_at_once_both_finish(browser: Any, server: Server) -> None:
    """Two planners press plan at the same moment (two browser contexts): both see their
    table (Groningen finishes in 2029Q4, the toy in 2027, as `capplan plan` says)."""
    tabs = []
    for _ in range(2):
        context = browser.new_context()
        tab = context.new_page()
        tab.set_default_timeout(120_000)
        tabs.append((context, tab))
    for (_, tab), key in zip(tabs, ("groningen-2024", "toy"), strict=True):
        tab.goto(f"{server.url}/instance?i={key}")
    for _, tab in tabs:
        tab.click("#plan-button")
    for (context, tab), key in zip(tabs, ("groningen-2024", "toy"), strict=True):
        tab.wait_for_selector("table[data-table=trajectory]")
        finish = tab.text_content("[data-milestone=finish]")
        assert finish == {"groningen-2024": "2029Q4", "toy": "2027"}[key]
        context.close()


def axe_violations(page: Any) -> list[dict[str, Any]]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})",
                           WCAG)
    return [{"id": v["id"], "nodes": [n["target"] for n in v["nodes"]][:3]}
            for v in result["violations"]]


def test_every_page_meets_wcag_21_aa(page: Any, server: Server) -> None:
    """axe-core (served from the tests' folder) finds no WCAG 2.1 A or AA violation on the
    instances page, an instance with its form, a plan, a bad form, a sweep, each question's
    result (and a failed one), the runs and the Dutch pages."""
    checked = {}
    page.goto(server.url + "/")
    checked["instances"] = axe_violations(page)
    press_plan(page, server, "groningen-2024")
    page.wait_for_selector("a[href$='/plan.xlsx']")
    checked["plan"] = axe_violations(page)
    page.goto(f"{server.url}/instance?i=toy")
    page.fill("#f-capacity-execution-max", "-1")
    page.click("#plan-button")
    page.wait_for_selector("#f-capacity-execution-max-error")
    checked["form with a problem"] = axe_violations(page)
    page.goto(f"{server.url}/instance?i=folder/toy-risks.toml")
    page.fill("#sw-samples", "5")
    page.click("form[action='/ask/sweep'] button")
    page.wait_for_selector("svg[data-kind=fan]")
    checked["sweep"] = axe_violations(page)
    for kind, fill in (("compare", lambda: page.select_option("#cmp-measure", "M")),
                       ("whatif", None), ("explain", None), ("tradeoff", None),
                       ("evaluate", lambda: page.fill("#ev-targets", "year,completed\n2025,x"))):
        page.goto(f"{server.url}/instance?i=folder/measure.toml")
        if fill is not None:
            fill()
        page.click(f"form[action='/ask/{kind}'] button")
        page.wait_for_selector("#result article.result, #result .error")
        checked[kind] = axe_violations(page)
    page.goto(server.url + "/runs")
    checked["runs"] = axe_violations(page)
    page.goto(server.url + "/instance?i=nothing")
    checked["not found"] = axe_violations(page)
    page.goto(server.url + "/lang/nl?next=/instance%3Fi%3Dtoy")
    checked["Dutch instance"] = axe_violations(page)
    assert checked == {name: [] for name in checked}


def test_stopping_the_server_ends_a_running_sweep(tmp_path: Path) -> None:
    """Ctrl+C while a worker sweeps: the server and every worker end, none is left."""
    own = start_server(tmp_path, workers=1)
    stopped: list[int] | None = None
    try:
        import urllib.request

        request = json.dumps({"kind": "sweep", "instance": "groningen-2024",
                              "params": {"samples": 400}}).encode()
        post = urllib.request.Request(own.url + "/api/jobs", data=request,
                                      headers={"content-type": "application/json"})
        with urllib.request.urlopen(post, timeout=60) as response:
            job = json.loads(response.read())["job"]
        state: dict[str, Any] = {"stamp": -1, "status": "queued"}
        while state["status"] == "queued":
            state = own.get_json(f"/api/jobs/{job}?wait=5&stamp={state['stamp']}")
        assert state["status"] == "running"
        stopped = stop_server(own)
    finally:
        if stopped is None:
            stop_server(own)
    assert stopped == []
    assert own.process.returncode is not None
