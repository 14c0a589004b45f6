"""Fixtures of the web page's browser tests (a pytest plugin their modules name in
`pytest_plugins`): a real `capplan serve` on a free port of 127.0.0.1 (its
own ledger, state folder and a folder of instances), and Debian's chromium driven by
Playwright. Browser tests skip when chromium is missing, unless CAPPLAN_REQUIRE_BROWSER=1
(set by .ci/run), where a missing browser fails them."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from builders import INSTANCES, MEASURE, VARIED_RISKS

BROWSER_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run"]
AXE = Path(__file__).parent / "vendor" / "axe.min.js"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    """A running `capplan serve`: its address, ledger and process."""

    url: str
    ledger: Path
    process: subprocess.Popen[bytes]
    folder: Path

    def get_json(self, path: str) -> Any:
        with urllib.request.urlopen(self.url + path, timeout=60) as response:
            return json.loads(response.read())


def children(pid: int) -> list[int]:
    """Every process descended from `pid`."""
    import psutil

    try:
        return [c.pid for c in psutil.Process(pid).children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


def alive(pids: list[int]) -> list[int]:
    import psutil

    return [p for p in pids if psutil.pid_exists(p)
            and psutil.Process(p).status() != psutil.STATUS_ZOMBIE]


def start_server(folder: Path, workers: int = 2) -> Server:
    instances = folder / "instances"
    instances.mkdir(parents=True, exist_ok=True)
    (instances / "toy-risks.toml").write_text((INSTANCES / "toy.toml").read_text()
                                              + VARIED_RISKS)
    (instances / "measure.toml").write_text(MEASURE)
    port = free_port()
    ledger = folder / "runs.sqlite"
    env = {**os.environ, "CAPPLAN_LEDGER": str(ledger)}
    process = subprocess.Popen(
        [sys.executable, "-m", "capplan", "serve", "--port", str(port), "--instances",
         str(instances), "--state", str(folder / "state"), "--workers", str(workers)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    for _ in range(600):
        if process.poll() is not None:
            out = process.stdout.read().decode() if process.stdout else ""
            raise RuntimeError(f"capplan serve ended: {out}")
        try:
            with urllib.request.urlopen(url + "/api/instances", timeout=2):
                break
        except OSError:
            time.sleep(0.1)
    else:
        process.kill()
        raise RuntimeError("capplan serve did not start in 60 s")
    return Server(url, ledger, process, folder)


def stop_server(server: Server) -> list[int]:
    """Stop the server as Ctrl+C does; the processes it left running (none, we hope)."""
    pids = children(server.process.pid)
    server.process.send_signal(signal.SIGINT)
    try:
        server.process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()
    deadline = time.monotonic() + 10
    while alive(pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    left = alive(pids)
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    return left


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One server per test module, stopped after it; it must leave no process behind."""
    running = start_server(tmp_path_factory.mktemp("serve"))
    yield running
    assert stop_server(running) == []


def chromium_path() -> str | None:
    return os.environ.get("CAPPLAN_CHROMIUM") or shutil.which("chromium")


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's chromium through Playwright (never a downloaded browser)."""
    path = chromium_path()
    if path is None:
        if os.environ.get("CAPPLAN_REQUIRE_BROWSER") == "1":
            pytest.fail("chromium is not installed (CAPPLAN_REQUIRE_BROWSER=1)")
        pytest.skip("chromium is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=path, args=BROWSER_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh page (its own cookies); axe-core may be injected despite the page's CSP."""
    context = browser.new_context(bypass_csp=True, accept_downloads=True,
                                  viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    tab.set_default_timeout(120_000)
    yield tab
    context.close()
