"""A sweep on a Dask cluster as users run one: a scheduler and two workers started as separate
processes (`dask scheduler`, `dask worker`) on 127.0.0.1 over TCP, and over TLS with a
self-signed certificate. The results equal the local pool's; a worker killed mid-sweep loses
nothing and counts nothing twice (its tasks run again on the other)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

from builders import INSTANCES
from capplan.errors import InputError
from capplan.inputs.load import load
from capplan.uncertainty.sweep import sweep

pytestmark = pytest.mark.cluster
pytest.importorskip("distributed")

DASK = str(Path(sys.executable).with_name("dask"))


@dataclass
class Cluster:
    address: str
    workers: list[subprocess.Popen[bytes]]


def _wait_for(path: Path, what: str, seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while not path.exists() or not path.read_text().strip():
        if time.monotonic() > deadline:
            raise TimeoutError(f"no {what} after {seconds:.0f} s")
        time.sleep(0.2)


@contextmanager
def _start(folder: Path, tls: list[str]) -> Iterator[Cluster]:
    """A scheduler and two single-threaded workers without nannies (a killed worker stays
    dead), as separate processes; stopped at the end."""
    if not Path(DASK).exists() and shutil.which("dask") is None:
        pytest.skip("the dask command is not installed")
    info = folder / "scheduler.json"
    log = (folder / "cluster.log").open("wb")
    processes = [subprocess.Popen(
        [DASK, "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
         "--scheduler-file", str(info), *tls], stdout=log, stderr=log)]
    try:
        _wait_for(info, "scheduler")
        for _ in range(2):
            processes.append(subprocess.Popen(
                [DASK, "worker", "--scheduler-file", str(info), "--nthreads", "1",
                 "--no-nanny", "--no-dashboard", "--host", "127.0.0.1", *tls],
                stdout=log, stderr=log))
        import json

        from distributed import Client
        from distributed.security import Security

        address = json.loads(info.read_text())["address"]
        security = Security(tls_ca_file=tls[1], tls_client_cert=tls[3], tls_client_key=tls[5],
                            require_encryption=True) if tls else None
        with Client(address, security=security, timeout=60) as client:
            client.wait_for_workers(2, timeout=60)
        yield Cluster(address, processes[1:])
    finally:
        for process in reversed(processes):
            if process.poll() is None:
                process.terminate()
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
        log.close()


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Cluster]:
    with _start(tmp_path, []) as running:
        yield running


def test_tcp_cluster_equals_local_pool_with_a_worker_killed(cluster: Cluster) -> None:
    """Groningen, 6 samples in tasks of one, tornado 1 (one forced run per risk): on the TCP
    cluster, one worker killed (SIGKILL) after the first results come back, the samples,
    summaries and tornado equal those solved in this process; progress counts each of the
    11 solves once."""
    loaded = load(INSTANCES / "groningen-2024.toml")
    local = sweep(loaded, 6, seed=5, workers=1, tornado_samples=1, batch=1)
    seen: list[int] = []
    killed: list[int] = []

    def progress(k: int, total: int) -> None:
        seen.append(k)
        if sum(seen) >= 2 and not killed:
            victim = cluster.workers[0]
            os.kill(victim.pid, signal.SIGKILL)
            victim.wait(timeout=10)
            killed.append(victim.pid)

    remote = sweep(loaded, 6, seed=5, workers=2, dask=cluster.address, tornado_samples=1,
                   batch=1, progress=progress)
    assert killed and cluster.workers[0].poll() is not None
    # 6 samples, and per risk (five, none of likelihood 0) one forced run of sample 0
    assert sum(seen) == remote.timing["samples_solved"] == 6 + 5
    for name in ("summary", "yearly", "fan", "samples", "tornado"):
        pd.testing.assert_frame_equal(getattr(local, name), getattr(remote, name))
    assert [r.index for r in remote.results] == list(range(6))


def _self_signed(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and its key (openssl)."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    return cert, key


def test_tls_cluster(tmp_path: Path) -> None:
    """The same over TLS: scheduler and workers with a self-signed certificate, the client
    given it through Dask's configuration; without it, `tls://` is refused naming the
    setting."""
    import dask.config

    cert, key = _self_signed(tmp_path)
    tls = ["--tls-ca-file", str(cert), "--tls-cert", str(cert), "--tls-key", str(key)]
    loaded = load(INSTANCES / "groningen-2024.toml")
    local = sweep(loaded, 3, seed=2, workers=1, tornado_samples=0, batch=1)
    with _start(tmp_path, tls) as running:
        with pytest.raises(InputError, match=r"distributed\.comm\.tls\.ca-file"):
            sweep(loaded, 3, seed=2, workers=2, dask=running.address, tornado_samples=0)
        settings = {"distributed.comm.tls.ca-file": str(cert),
                    "distributed.comm.tls.client.cert": str(cert),
                    "distributed.comm.tls.client.key": str(key)}
        with dask.config.set(settings):
            remote = sweep(loaded, 3, seed=2, workers=2, dask=running.address,
                           tornado_samples=0, batch=1)
        assert running.address.startswith("tls://")
        pd.testing.assert_frame_equal(local.samples, remote.samples)
        pd.testing.assert_frame_equal(local.fan, remote.fan)
