"""``lingoflow serve`` and ``lingoflow stop``: a local Prefect server with the deployments."""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path
from typing import Any

from lingoflow.flows.cli.options import command

DEFAULT_STATE = Path(".prefect-local")


def register(commands: Any) -> None:
    """Add ``serve`` and ``stop`` to the command tree."""
    serve = command(commands, "serve", cmd_serve)
    serve.add_argument("--state", type=Path, default=DEFAULT_STATE)
    serve.add_argument("--port", type=int, default=4200)
    stop = command(commands, "stop", cmd_stop)
    stop.add_argument("--state", type=Path, default=DEFAULT_STATE)


def stop_command(state: Path) -> str:
    """The command that stops a server started with ``--state state``.

    >>> stop_command(Path(".prefect-local"))
    'make stop'
    >>> stop_command(Path("/srv/prefect state"))
    "lingoflow stop --state '/srv/prefect state'"
    """
    if state == DEFAULT_STATE:
        return "make stop"
    return f"lingoflow stop --state {shlex.quote(str(state))}"


def cmd_serve(args: argparse.Namespace) -> int:
    """Start a local Prefect server, deploy the flows and start a worker.

    Start a Prefect server (SQLite) on 127.0.0.1, create the process work pool lingoflow-
    local, deploy every deployment in prefect.yaml and start a worker, all in the
    background; state, logs and PID files go to --state. `lingoflow stop` ends them.
    """
    from lingoflow.flows.local_server import LocalPrefect, deployment_lines, serve

    local = LocalPrefect(state=args.state.absolute(), port=args.port)
    try:
        serve(local)
    except (RuntimeError, TimeoutError) as exc:
        print(f"lingoflow: {exc}", file=sys.stderr)
        return 1
    lines = deployment_lines(local)
    print(
        f"Prefect UI: {local.ui_url}\n"
        f"API: {local.api_url}  (export PREFECT_API_URL={local.api_url} to use it)\n"
        f"pool lingoflow-local with a worker; logs and PIDs in {args.state}/\n"
        f"deployments (prefect.yaml):\n" + "\n".join(lines)
    )
    if any("cron" in line for line in lines):
        print(
            "note: scheduled deployments run while this server and its worker run (the daily "
            "one processes raw/ at its next run above); pause a schedule in the UI, or: "
            ".venv/bin/prefect deployment schedule pause ...",
            file=sys.stderr,
        )
    print(f"stop with: {stop_command(args.state)}")
    return 0


def cmd_stop(args: argparse.Namespace) -> int:
    """Stop what `lingoflow serve` started (by PID)."""
    from lingoflow.flows.local_server import LocalPrefect, stop

    stopped = stop(LocalPrefect(state=args.state.absolute()))
    print("stopped " + ", ".join(stopped) if stopped else "nothing to stop")
    return 0
