"""`capplan serve`: the web page for planners (needs the `web` extra)."""


import os
from pathlib import Path
from typing import Annotated

import typer

from capplan.cli.options import LedgerOpt


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on; 127.0.0.1 serves this "
                                           "machine only.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8000,
    instances: Annotated[
        Path | None,
        typer.Option(metavar="DIR", help="A folder of instances (.toml, .xlsx) to offer."),
    ] = None,
    ledger: LedgerOpt = None,
    workers: Annotated[
        int | None,
        typer.Option(min=1, max=64, help="Worker processes for solves and sweeps "
                                         "(default: 2, or 1 on one core)."),
    ] = None,
    state: Annotated[
        Path | None,
        typer.Option(metavar="DIR", help="Folder for uploads, jobs and downloads "
                                         "(default: beside the ledger)."),
    ] = None,
) -> None:
    """Start the web page for planners: instances, plans, the planners' questions and past
    runs in a browser, recorded in the same ledger."""
    import importlib.util

    from capplan.errors import InputError

    missing = [m for m in ("fastapi", "uvicorn", "jinja2", "multipart")
               if importlib.util.find_spec(m) is None]
    if missing:
        raise InputError("serve", [("", f"the web page needs {', '.join(missing)}: "
                                        "pip install 'capplan[web]'")])
    if instances is not None and not instances.is_dir():
        raise InputError(str(instances), [("--instances", "is not a folder")])
    os.environ["CAPPLAN_SERVE_INSTANCES"] = str(instances.resolve()) if instances else ""
    if ledger is not None:
        os.environ["CAPPLAN_LEDGER"] = str(ledger.resolve())
    if workers is not None:
        os.environ["CAPPLAN_SERVE_WORKERS"] = str(workers)
    if state is not None:
        os.environ["CAPPLAN_SERVE_STATE"] = str(state.resolve())
    import uvicorn

    from capplan.cli.output import console

    err = console(stderr=True)
    if host not in ("127.0.0.1", "localhost", "::1"):
        err.print(f"warning: the page has no log-in; anyone who reaches {host}:{port} can use "
                  "it", markup=False)
    err.print(f"capplan serves on http://{host}:{port} (Ctrl+C stops it)", markup=False)
    uvicorn.run("capplan.web.app:create_app", factory=True, host=host, port=port,
                log_level="warning", timeout_graceful_shutdown=5)
