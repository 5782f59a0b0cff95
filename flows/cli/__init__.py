"""The ``lingoflow`` command line: one module per group of commands.

- :mod:`.run`: ``run`` and ``retranslate``, the Prefect flows;
- :mod:`.tools`: ``validate``, ``schema``, ``detect``, ``models``, ``translate`` (no Prefect);
- :mod:`.server`: ``serve`` and ``stop``, a local Prefect server with the deployments.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from lingoflow.flows.cli import run, server, tools
from lingoflow.flows.cli.options import CommandError
from lingoflow.processors import __version__


def build_parser() -> argparse.ArgumentParser:
    """The whole command tree; each command's handler is in ``args.handler``."""
    parser = argparse.ArgumentParser(
        prog="lingoflow",
        description="Turn a folder of raw web documents into clean, bilingual JSON records.",
    )
    parser.add_argument("--version", action="version", version=f"lingoflow {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    run.register(commands)
    server.register(commands)
    tools.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    # The temporary server a run starts would report anonymous usage to Prefect; lingoflow
    # runs offline, where that only logs an error. Set it to true to opt back in.
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    try:
        code: int = args.handler(args)
    except CommandError as exc:
        print(f"lingoflow: {exc}", file=sys.stderr)
        return exc.code
    return code
