"""``lingoflow run`` and ``lingoflow retranslate``: the Prefect flows from the command line."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from lingoflow.flows.cli.options import (
    add_options,
    add_translation_options,
    command,
    given,
    positive,
    translation_from,
)
from lingoflow.processors.core.config import (
    CleanConfig,
    PipelineConfig,
    RetranslateOptions,
    RunOptions,
    inter_threads_for,
    user_cache_dir,
)
from lingoflow.processors.core.storage import folder
from lingoflow.processors.summary import RunSummary


def register(commands: Any) -> None:
    """Add ``run`` and ``retranslate`` to the command tree."""
    run = command(commands, "run", cmd_run)
    add_options(run, RunOptions, ("raw_dir", "processed_dir"))
    add_options(run, PipelineConfig, ("languages",))
    add_options(run, RunOptions, ("force", "prune", "batch_size"))
    add_options(run, PipelineConfig, ("max_bytes", "document_timeout"))
    add_options(run, CleanConfig, ("html_extractor",))
    run.add_argument(
        "--strict", action="store_true", help="exit 1 when any record has status failed"
    )
    _add_reporting_options(run)
    scale = run.add_argument_group("scaling out").add_mutually_exclusive_group()
    add_options(scale, RunOptions, ("processes",))
    scale.add_argument(
        "--dask-workers",
        type=positive,
        metavar="N",
        help="run the batches on a local Dask cluster of N worker processes (prefect-dask)",
    )
    scale.add_argument(
        "--dask-address",
        metavar="ADDRESS",
        help="run the batches on an existing Dask cluster, e.g. tcp://scheduler:8786",
    )
    add_options(run, RunOptions, ("parallel_batches", "max_failed_share"))
    add_translation_options(run)

    retranslate = command(commands, "retranslate", cmd_retranslate)
    add_options(retranslate, RetranslateOptions)
    _add_reporting_options(retranslate)
    add_translation_options(retranslate)


def _add_reporting_options(parser: argparse.ArgumentParser) -> None:
    """Where a command that runs a flow reports it, and how it prints the summary."""
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    parser.add_argument(
        "--local-server",
        type=Path,
        default=Path(".prefect-local"),
        metavar="STATE",
        help="state folder of a `lingoflow serve` server to use when PREFECT_API_URL is unset "
        "(default: .prefect-local)",
    )


def _run_settings() -> contextlib.AbstractContextManager[Any]:
    """Prefect settings of a flow run started from the command line: flow-run heartbeats off
    unless configured (PREFECT_FLOWS_HEARTBEAT_FREQUENCY). They only feed a zombie-flow
    automation, and stopping their thread costs up to a second at the end of every run."""
    from prefect.settings import (
        PREFECT_FLOWS_HEARTBEAT_FREQUENCY,
        get_current_settings,
        temporary_settings,
    )

    if "heartbeat_frequency" in get_current_settings().flows.model_fields_set:
        return contextlib.nullcontext()
    return temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None})


SERVE_HINT = (
    "lingoflow: Prefect starts a temporary server for this run (about 10 s); `make serve` keeps "
    "one running, and later runs then start in seconds and show in its UI"
)


@contextlib.contextmanager
def prefect_api(state: Path) -> Iterator[None]:
    """The Prefect API a command-line run reports to: PREFECT_API_URL when set; else the
    server ``lingoflow serve`` runs with state folder ``state``, when it is up and healthy
    (said in one line); else Prefect's temporary server, with a one-line hint the first time
    (a marker in the user's cache folder remembers it was given)."""
    from prefect.settings import PREFECT_API_URL

    from lingoflow.flows.local_server import running_api, using_api

    if PREFECT_API_URL.value():
        yield
        return
    api_url = running_api(state)
    if api_url is None:
        marker = user_cache_dir() / "serve-hint-given"
        if not marker.exists():
            print(SERVE_HINT, file=sys.stderr)
            with contextlib.suppress(OSError):
                marker.parent.mkdir(parents=True, exist_ok=True)
                marker.touch()
        with _patient_temporary_server():
            yield
        return
    print(
        f"lingoflow: reporting to the local Prefect server at {api_url} "
        f"(UI {api_url.removesuffix('/api')})",
        file=sys.stderr,
    )
    with using_api(api_url):
        yield


EPHEMERAL_STARTUP_SECONDS = 120


def _patient_temporary_server() -> contextlib.AbstractContextManager[Any]:
    """Give Prefect's temporary server up to :data:`EPHEMERAL_STARTUP_SECONDS` to start
    (Prefect waits 20 s, which a busy two-core machine creating a fresh database can exceed,
    and then the whole run fails), unless PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS is
    set."""
    from prefect.settings import (
        PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS,
        get_current_settings,
        temporary_settings,
    )

    if "startup_timeout_seconds" in get_current_settings().server.ephemeral.model_fields_set:
        return contextlib.nullcontext()
    updates = {PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS: EPHEMERAL_STARTUP_SECONDS}
    return temporary_settings(updates=updates)


def cmd_run(args: argparse.Namespace) -> int:
    """Process raw documents into records (the process-documents flow).

    Run the process-documents Prefect flow locally and print a summary. It reports to the
    server PREFECT_API_URL points to; else to the local server `make serve` started (state
    folder --local-server, checked in about a second), where the run shows in the UI; else
    to a temporary server Prefect starts for this run (about 10 s more). Exit 0 when every
    input produced a record, failed ones included; 1 when more than --max-failed-share of the
    records failed, or with --strict when any failed; 2 when the run itself failed.
    """
    from lingoflow.flows.local_server import shared_api
    from lingoflow.flows.process import process_documents

    options = RunOptions.model_validate(given(args, RunOptions))
    raw_dir = folder(options.raw_dir)  # one in object storage is checked by the flow
    if isinstance(raw_dir, Path) and not raw_dir.is_dir():
        print(f"lingoflow: raw directory not found: {options.raw_dir}", file=sys.stderr)
        return 2
    flow = process_documents
    parallel = options.parallel_batches
    runner: Any = None
    if args.dask_address:
        from prefect_dask.task_runners import DaskTaskRunner

        runner = DaskTaskRunner(address=args.dask_address)
        parallel = parallel or 2 * (os.cpu_count() or 1)
    elif args.dask_workers:
        from prefect_dask.task_runners import DaskTaskRunner

        cluster = {"n_workers": args.dask_workers, "threads_per_worker": 1, "processes": True}
        runner = DaskTaskRunner(cluster_kwargs={**cluster, "dashboard_address": None})
        parallel = parallel or 2 * args.dask_workers
    if runner is not None:
        flow = process_documents.with_options(task_runner=runner)
    translation = translation_from(args)
    if args.dask_workers:  # several processes on this machine share its cores
        inter = inter_threads_for(args.dask_workers, translation.inter_threads)
        translation = translation.model_copy(update={"inter_threads": inter})
    # Local worker processes share this run's temporary server (when no server is configured).
    local_workers = bool(args.dask_workers) or options.processes > 1
    with (
        prefect_api(args.local_server),
        shared_api() if local_workers else contextlib.nullcontext(),
        _run_settings(),
    ):
        state = flow(
            **options.model_dump(exclude={"parallel_batches", "fail_on_partial"}),
            **given(args, PipelineConfig),
            **given(args, CleanConfig),
            parallel_batches=parallel,
            translation=translation,
            return_state=True,
        )
    summary = flow_summary(state)
    if summary is None:
        return 2
    report(summary, args.json)
    if summary.records != summary.inputs:
        print("lingoflow: some inputs produced no record", file=sys.stderr)
        return 2
    if not state.is_completed():  # more than max_failed_share of the records failed
        return 1
    if args.strict and summary.by_status.get("failed", 0):
        return 1
    return 0


def flow_summary(state: Any) -> RunSummary | None:
    """The flow's summary, or None (after saying why) when the run failed."""
    if not state.is_completed():
        print(f"lingoflow: the run failed: {state.message}", file=sys.stderr)
        data = state.result(raise_on_failure=False)
        return RunSummary.model_validate(data) if isinstance(data, RunSummary) else None
    return RunSummary.model_validate(state.result())


def report(summary: RunSummary, as_json: bool) -> None:
    """The summary on standard output, what to act on on standard error."""
    print(summary.model_dump_json(indent=2) if as_json else summary.text())
    for message in summary.warnings():
        print(f"lingoflow: {message}", file=sys.stderr)


def cmd_retranslate(args: argparse.Namespace) -> int:
    """Fill missing translations in existing records (the retranslate flow).

    Translate the segments of existing records that lack a language of their pair (after
    installing models), without cleaning the documents again; rewrite only records that
    change. Exit 1 when corrupt record files were found (they are listed).
    """
    from lingoflow.flows.retranslate import retranslate

    options = RetranslateOptions.model_validate(given(args, RetranslateOptions))
    processed_dir = folder(options.processed_dir)  # one in object storage: checked by the flow
    if isinstance(processed_dir, Path) and not processed_dir.is_dir():
        print(f"lingoflow: not a directory: {options.processed_dir}", file=sys.stderr)
        return 2
    translation = translation_from(args)
    with prefect_api(args.local_server):
        state = retranslate(**options.model_dump(), translation=translation, return_state=True)
    summary = flow_summary(state)
    if summary is None:
        return 2
    report(summary, args.json)
    return 1 if summary.corrupt else 0
