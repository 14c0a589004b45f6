"""The web page's endpoints through FastAPI's TestClient (a real job pool; no browser):
the JSON API gives what the Python API gives, bad input the command line's message, and the
page refuses what it must refuse."""

from __future__ import annotations

import html
import io
import json
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

import capplan
from builders import INSTANCES
from capplan.errors import InputError
from capplan.report.words import localise
from capplan.web import jobs
from capplan.web.app import MAX_UPLOAD, Notices, Settings, create_app
from capplan.web.jobs import warm


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    folder = tmp_path_factory.mktemp("web")
    (folder / "instances").mkdir()
    (folder / "instances" / "toy-copy.toml").write_text((INSTANCES / "toy.toml").read_text())
    settings = Settings(folder / "instances", folder / "runs.sqlite", folder / "state", 2)
    with TestClient(create_app(settings)) as c:
        yield c


def finished(client: TestClient, job: str) -> dict[str, Any]:
    """Wait for a job (long-polling its state) and return its last state."""
    state: dict[str, Any] = {"stamp": -1, "status": "queued"}
    for _ in range(100):
        state = client.get(f"/api/jobs/{job}", params={"wait": 5,
                                                      "stamp": state["stamp"]}).json()
        if state["status"] in ("done", "failed"):
            return state
    raise AssertionError(f"job {job} did not finish: {state}")


def test_instances_lists_shipped_examples_and_the_folder(client: TestClient) -> None:
    listed = client.get("/api/instances").json()
    assert {"groningen-2024", "toy"} <= {e["key"] for e in listed["shipped"]}
    assert listed["folder"] == ["folder/toy-copy.toml"]


def test_validate_gives_the_api_summary(client: TestClient) -> None:
    """Columns and rows of the built model are those of capplan.validate."""
    doc = client.post("/api/validate", json={"kind": "validate", "instance": "toy"}).json()
    expected = capplan.validate("toy").to_dict()
    assert (doc["columns"], doc["rows"], doc["scope"]) == (expected["columns"],
                                                            expected["rows"], 2500)


def test_bad_override_gives_the_command_lines_message(client: TestClient) -> None:
    response = client.post("/api/validate", json={
        "kind": "validate", "instance": "toy", "overrides": ["capacity.execution.max=abc"]})
    assert response.status_code == 400
    with pytest.raises(InputError) as cli:
        capplan.validate("toy", overrides=["capacity.execution.max=abc"])
    assert response.json()["error"] == cli.value.message()
    assert response.json()["problems"][0]["key"] == "capacity.execution.max"


def test_plan_job_records_the_plan_of_the_api(client: TestClient) -> None:
    """A plan run as a job is the API's plan, recorded in the ledger as `capplan plan`, with
    the files `--out` writes; the toy's plan is the README's (finish 2027)."""
    job = client.post("/api/jobs", json={"kind": "plan", "instance": "toy"})
    assert job.status_code == 202
    state = finished(client, job.json()["job"])
    assert state["status"] == "done", state
    doc = client.get(f"/api/runs/{state['run']}").json()
    expected = capplan.plan("toy").to_dict()
    assert doc["trajectory"] == expected["trajectory"]
    assert doc["milestones"] == expected["milestones"] == {"p50": "2026", "p95": "2027",
                                                           "finish": "2027"}
    runs = client.get("/api/runs").json()
    assert any(r["id"] == state["run"] and r["command"] == "plan" for r in runs)
    page = client.get(f"/runs/{state['run']}")
    assert page.status_code == 200 and 'data-table="trajectory"' in page.text
    files = finished_files(client, state["run"])
    assert {"plan.json", "plan.xlsx", "trajectory.csv", "capacity.csv",
            "cumulative.png"} <= set(files)
    written = json.loads(client.get(f"/runs/{state['run']}/files/plan.json").text)
    assert written["trajectory"] == expected["trajectory"]


def finished_files(client: TestClient, run: int) -> list[str]:
    for _ in range(100):
        files = client.get(f"/api/runs/{run}/files").json()["files"]
        if files:
            return list(files)
        client.get(f"/runs/{run}/downloads")  # waits for the files a while
    raise AssertionError("no files written")


def test_plan_form_error_is_shown_next_to_its_field(client: TestClient) -> None:
    response = client.post("/plan", data={"instance": "toy", "capacity.execution.max": "-5"})
    assert response.status_code == 400
    with pytest.raises(InputError) as cli:
        capplan.validate("toy", overrides=["capacity.execution.max=-5"])
    message = cli.value.message()
    assert 'id="f-capacity-execution-max-error"' in response.text
    assert f"error: {message}" in response.text.replace("&#39;", "'").replace("&gt;", ">")


def test_bad_upload_names_the_file_and_key(client: TestClient) -> None:
    text = (INSTANCES / "toy.toml").read_text().replace("max = 1000", 'max = "lots"')
    response = client.post("/upload", files={"instance": ("mine.toml", text.encode(),
                                                          "application/toml")})
    assert response.status_code == 400
    assert "error: mine.toml: capacity.execution.max: " in response.text
    assert 'aria-describedby="instance-file-error"' in response.text


def test_good_upload_opens_its_instance(client: TestClient) -> None:
    data = (INSTANCES / "toy.toml").read_bytes()
    response = client.post("/upload", files={"instance": ("mine.toml", data, "text/plain")},
                           follow_redirects=False)
    assert response.status_code == 303
    page = client.get(response.headers["location"])
    assert page.status_code == 200 and "scope 2,500" in page.text


def test_upload_limits(client: TestClient) -> None:
    """Too large, or not an instance file: refused with a message, nothing planned."""
    big = client.post("/upload", files={"instance": ("big.toml", b"#" * (MAX_UPLOAD + 1),
                                                     "text/plain")})
    assert big.status_code in (400, 413)
    assert "MB" in big.text
    script = client.post("/upload", files={"instance": ("x.py", b"import os", "text/plain")})
    assert script.status_code == 400 and "error: x.py: expected a .toml instance" in script.text


def test_enormous_model_is_refused(client: TestClient) -> None:
    """Monthly over 40 years (480 periods) with 300 segments: 144,000 paths > 100,000."""
    segments = "".join(f'[[segment]]\nname = "s{i}"\ncount = 10\nengineering_days = 0\n'
                       'execution_days = 0\n' for i in range(300))
    text = ('[programme]\nname = "big"\nstart = 2025\nhorizon_end = 2064\n'
            'granularity = "month"\n' + segments)
    response = client.post("/upload", files={"instance": ("big.toml", text.encode(),
                                                          "text/plain")})
    assert response.status_code == 400
    assert "144,000 period-segment paths (480 periods x 300 segments" in response.text


def test_unknown_instances_and_files_are_not_opened(client: TestClient) -> None:
    for key in ("../../etc/passwd", "folder/../runs.sqlite", "upload/0123/x.toml", "/etc"):
        assert client.get("/instance", params={"i": key}).status_code == 404
    assert client.post("/api/jobs", json={"kind": "plan",
                                          "instance": "/etc/passwd"}).status_code == 404
    assert client.get("/runs/1/files/..%2Fview.json").status_code == 404
    assert client.get("/jobs/not-a-job").status_code == 404


def test_unknown_job_kind_is_bad_input(client: TestClient) -> None:
    response = client.post("/api/jobs", json={"kind": "shell", "instance": "toy"})
    assert response.status_code == 400 and response.json()["problems"][0]["key"] == "kind"


def test_dutch_page(client: TestClient) -> None:
    page = client.get("/instance", params={"i": "groningen-2024", "lang": "nl"})
    assert '<html lang="nl">' in page.text
    assert "omvang 15.644" in page.text and "Plan maken" in page.text
    english = client.get("/instance", params={"i": "groningen-2024"})
    assert "scope 15,644" in english.text


def test_serve_without_the_extra_exits_2(monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    import importlib.util
    import sys

    from capplan.cli.app import main

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "fastapi" else real(name, *a))
    monkeypatch.setattr(sys, "argv", ["capplan", "serve"])
    with pytest.raises(SystemExit) as done:
        main()
    assert done.value.code == 2
    assert "pip install 'capplan[web]'" in capsys.readouterr().err


def test_serve_binds_to_this_machine_by_default() -> None:
    """`serve` listens on 127.0.0.1 unless told otherwise."""
    from capplan.cli.web import serve

    assert serve.__defaults__ is not None and serve.__defaults__[0] == "127.0.0.1"


def ask(client: TestClient, kind: str, data: dict[str, str],
        files: dict[str, Any] | None = None) -> dict[str, Any]:
    """Submit a question's form as a browser without scripts does; the job's last state."""
    response = client.post(f"/ask/{kind}", data=data, files=files, follow_redirects=False)
    assert response.status_code == 303, response.text
    return finished(client, response.headers["location"].rsplit("/", 1)[1])


def test_whatif_months_gained_are_the_apis(client: TestClient) -> None:
    state = ask(client, "whatif", {"instance": "toy", "stage": "execution", "amount": "250",
                                   "year": "2026"})
    assert state["status"] == "done", state
    doc = client.get(f"/api/runs/{state['run']}").json()
    expected = capplan.whatif("toy", add=["execution=+250@2026"]).to_dict()
    assert doc["gains"] == expected["gains"]
    page = client.get(f"/runs/{state['run']}").text
    assert capplan.whatif("toy", add=["execution=+250@2026"]).sentences()[0] in page


def test_a_dutch_page_gives_the_results_sentences_in_dutch(client: TestClient) -> None:
    """The what-if's sentences, stored in English with the run, shown on a Dutch page as the
    command line's `--lang nl` says them (`report.words.localise`), the status likewise."""
    state = ask(client, "whatif", {"instance": "toy", "stage": "execution", "amount": "250",
                                   "year": "2026"})
    assert state["status"] == "done", state
    english = capplan.whatif("toy", add=["execution=+250@2026"]).sentences()
    client.cookies.set("lang", "nl")
    try:
        page = client.get(f"/runs/{state['run']}").text
    finally:
        client.cookies.delete("lang")
    dutch = [localise(line, "nl") for line in english]
    assert all(d != e for d, e in zip(dutch, english, strict=True))  # the phrase book knows them
    assert all(html.escape(d, quote=False) in page for d in dutch), (dutch, page)
    assert not any(html.escape(e, quote=False) in page for e in english)


def test_evaluate_pasted_targets(client: TestClient) -> None:
    """The toy's optimal plan (README: 500, 1,000, 500 done in 2025-2027) given as targets is
    feasible; targets above the scope fail with the API's message naming the pasted table."""
    good = ask(client, "evaluate", {"instance": "toy",
                                    "targets": "year,completed\n2025,500\n2026,1000\n2027,500\n"})
    assert good["status"] == "done", good
    assert client.get(f"/api/runs/{good['run']}").json()["feasible"] is True
    bad = ask(client, "evaluate", {"instance": "toy",
                                   "targets": "year,completed\n2025,900\n2026,1000\n2027,900\n"})
    assert bad["status"] == "failed"
    assert bad["error"].startswith("targets (pasted): year 2027: the targets reach 3,300")


def test_explain_and_tradeoff_are_recorded(client: TestClient) -> None:
    explain = ask(client, "explain", {"instance": "toy"})
    tradeoff = ask(client, "tradeoff", {"instance": "toy", "stage": "execution",
                                        "periods": "2"})
    assert (explain["status"], tradeoff["status"]) == ("done", "done")
    assert (client.get(f"/api/runs/{explain['run']}").json()["explanation"]
            == capplan.explain("toy").to_dict()["explanation"])
    rows = client.get(f"/api/runs/{tradeoff['run']}").json()["tradeoff"]
    assert rows == capplan.tradeoff("toy", periods=2).to_dict()["tradeoff"]


def test_question_form_limits(client: TestClient) -> None:
    response = client.post("/ask/sweep", data={"instance": "toy", "samples": "100000",
                                               "seed": "1", "tornado_samples": "0"})
    assert response.status_code == 400
    assert "error: samples: expected a whole number from 1 to 500" in response.text
    assert client.post("/ask/shell", data={"instance": "toy"}).status_code == 404


def test_a_plan_made_on_the_page_reproduces(client: TestClient) -> None:
    """The ledger records a page's plan as `capplan plan ...`: reproduce re-solves it from
    the recorded input and finds it identical."""
    job = client.post("/api/jobs", json={"kind": "plan", "instance": "toy",
                                         "overrides": ["capacity.execution.max=900"]})
    run = finished(client, job.json()["job"])["run"]
    again = client.post(f"/runs/{run}/reproduce", follow_redirects=False)
    state = finished(client, again.headers["location"].rsplit("/", 1)[1])
    assert state["reproduction"] == {"schema": "capplan/reproduce/1", "run": run,
                                     "command": "plan", "identical": True, "differences": []}


def test_every_response_forbids_foreign_scripts(client: TestClient) -> None:
    headers = client.get("/").headers
    assert "script-src 'self'" in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"


def _meanings(workbook: bytes) -> list[Any]:
    """The programme sheet's key, unit and meaning columns (the cells, not the file's bytes,
    which carry the time it was written)."""
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(workbook))["programme"]
    return [(row[0], row[2], row[3]) for row in sheet.iter_rows(values_only=True)]


def test_excel_template_uploaded_filled_is_the_instance(client: TestClient) -> None:
    """The blank template downloads in the page's language; the Dutch template filled from the
    toy (as `capplan template --from toy --lang nl` writes it) uploads as an instance with the
    toy's scope."""
    blank = client.get("/template.xlsx")
    assert blank.status_code == 200 and blank.content[:2] == b"PK"
    assert _meanings(blank.content) == _meanings(capplan.template())
    client.cookies.set("lang", "nl")
    try:  # the page's language: the Dutch template (units, notes and meanings in Dutch)
        dutch = _meanings(client.get("/template.xlsx").content)
    finally:
        client.cookies.delete("lang")
    assert dutch == _meanings(capplan.template(lang="nl")) != _meanings(capplan.template())
    filled = capplan.template("toy", lang="nl")
    response = client.post("/upload", files={"instance": ("toy.xlsx", filled,
                                                          "application/octet-stream")},
                           follow_redirects=False)
    assert response.status_code == 303
    assert "scope 2,500" in client.get(response.headers["location"]).text


def test_pages_are_well_formed_html(client: TestClient) -> None:
    """Every page parses as HTML without a single parse error (html5lib, strict)."""
    import html5lib

    job = client.post("/api/jobs", json={"kind": "plan", "instance": "toy"})
    run = finished(client, job.json()["job"])["run"]
    for path in ("/", "/instance?i=toy", "/instance?i=groningen-2024&lang=nl", "/runs",
                 f"/runs/{run}", "/instance?i=nothing"):
        html5lib.HTMLParser(strict=True).parse(client.get(path).text)


def test_advice_letter_annex_downloads_in_the_pages_language(client: TestClient) -> None:
    """The annex of the toy (no risks sampled) as Word and HTML, in Dutch when the page is;
    the plan's downloads likewise (their workbook and charts in the page's language)."""
    client.cookies.set("lang", "nl")
    try:
        state = ask(client, "report", {"instance": "toy", "samples": "0",
                                       "tornado_samples": "0"})
    finally:
        client.cookies.delete("lang")
    assert state["status"] == "done", state
    files = finished_files(client, state["run"])
    assert files == ["annex.docx", "annex.html"]
    html = client.get(f"/runs/{state['run']}/files/annex.html").text
    assert '<html lang="nl"' in html
    expected = capplan.api.report("toy", samples=0).document("nl", "html").decode()
    assert len(html) == pytest.approx(len(expected), rel=0.02)


def test_a_mistyped_address_gives_a_page_not_json(client: TestClient) -> None:
    """/instance without its `i` (a hand-typed address): an HTML page naming what is missing,
    status 422; the JSON API keeps its machine-readable answer."""
    page = client.get("/instance", params={"nonsense": "1"})
    assert page.status_code == 422 and page.headers["content-type"].startswith("text/html")
    assert "address is incomplete or mistyped (i: field required)" in page.text
    api = client.post("/api/jobs", json={})
    assert api.status_code == 422 and api.headers["content-type"] == "application/json"


def test_shipped_examples_are_listed_once(monkeypatch: pytest.MonkeyPatch,
                                          tmp_path: Path) -> None:
    """Listing the shipped examples reads every example file; the server does it once, not
    in each request (a plan's form asked for it five times)."""
    calls = []
    listed = capplan.api.examples

    def counted() -> list[Any]:
        calls.append(1)
        return listed()

    monkeypatch.setattr(capplan.api, "examples", counted)
    settings = Settings(None, tmp_path / "runs.sqlite", tmp_path / "state", 1)
    with TestClient(create_app(settings)) as c:
        assert c.get("/").status_code == 200
        assert c.get("/instance", params={"i": "toy"}).status_code == 200
        bad = c.post("/plan", data={"instance": "toy", "capacity.execution.max": "-5"})
        assert bad.status_code == 400 and "capacity.execution.max" in bad.text
    assert len(calls) == 1


def test_worker_warm_up_records_and_writes_nothing(monkeypatch: pytest.MonkeyPatch,
                                                   tmp_path: Path) -> None:
    """A worker plans the toy once as it starts: no run in the ledger, no file anywhere;
    and a warm-up that fails leaves the worker able to take jobs (it returns)."""
    ledger = tmp_path / "runs.sqlite"
    monkeypatch.setenv("CAPPLAN_LEDGER", str(ledger))
    monkeypatch.chdir(tmp_path)
    warm()
    assert list(tmp_path.iterdir()) == []
    monkeypatch.setattr(jobs, "WARM_UP", "no-such-example")
    warm()
    assert list(tmp_path.iterdir()) == []


def test_a_worker_tells_the_server_of_each_change(tmp_path: Path) -> None:
    """Each update of a job's file sends the job's id to the server's port (one datagram);
    the server wakes the job's waiters for an id only, and a server not listening costs the
    worker nothing (no error)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as ear:
        ear.bind(("127.0.0.1", 0))
        ear.settimeout(10)
        address = ear.getsockname()[:2]
        job = jobs.JobFile(tmp_path / "0123456789abcdef.json", address)
        job.update(status="running")
        assert ear.recv(64) == b"0123456789abcdef"
        job.update(status="done", run=1)
        assert ear.recv(64) == b"0123456789abcdef"
    state = jobs.read_json(job.path)
    assert state is not None and (state["status"], state["run"], state["stamp"]) == ("done", 1, 2)
    jobs.notify(address, "0123456789abcdef")  # nobody listens any more: no error
    heard: list[str] = []
    notices = Notices(heard.append)
    for datagram in (b"0123456789abcdef", b"../../etc/passwd", b"\xff\xfe", b""):
        notices.datagram_received(datagram, ("127.0.0.1", 1))
    assert heard == ["0123456789abcdef"]
