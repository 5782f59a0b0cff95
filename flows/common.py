"""What the flows share: the skeleton of a run in batches, the index task, small helpers."""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence, Sized
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal, TypeVar, cast

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.client.schemas.objects import State
from prefect.futures import PrefectFuture
from prefect.runtime import flow_run
from prefect.states import Completed, Failed
from prefect.utilities.annotations import quote

from lingoflow.flows.local_server import private_server
from lingoflow.flows.reporting import publish_run_report
from lingoflow.processors.batch import BatchOutcome, BatchResult, batch_name, iter_batches
from lingoflow.processors.core.config import TranslationConfig, user_cache_dir
from lingoflow.processors.core.storage import Folder, RemoteFolder
from lingoflow.processors.output.writer import IndexSink, remove_stale_temporaries, run_lock
from lingoflow.processors.summary import RunSummary
from lingoflow.processors.translate.engine import (
    engine_for,
    glossary_without_model,
    pairs_without_model,
)
from lingoflow.processors.translate.glossary import load_glossary

T = TypeVar("T")


def start_run(
    flow: Literal["process-documents", "retranslate"],
    translation: TranslationConfig,
    parameters: dict[str, object],
    languages: Sequence[str] = (),
    **overrides: Any,
) -> tuple[TranslationConfig, RunSummary]:
    """The translation settings of a flow run and its summary. The glossary's path is made
    absolute (relative paths resolve against the project root) and the glossary read, so
    that a malformed one fails the run before any work (GlossaryError names the line); its
    language pairs that no installed model translates are noted in the summary, and so are
    the pairs of ``languages`` without a model (the reason of missing_model errors even when
    every record is up to date)."""
    glossary = str(resolve(translation.glossary)) if translation.glossary else None
    if glossary:
        load_glossary(glossary)
    config = translation.model_copy(update={"glossary": glossary, **overrides})
    shown = {
        **parameters,
        "translate": config.enabled,
        "glossary": glossary,
        "reject_flagged": config.reject_flagged,
    }
    summary = RunSummary(
        flow=flow, parameters={k: str(v) for k, v in shown.items() if v is not None}
    )
    if config.enabled and (config.glossary or languages):
        engine = engine_for(config)
        if config.glossary:
            summary.glossary_without_model = glossary_without_model(engine)
        summary.unavailable = pairs_without_model(engine, languages)
    return config, summary


def final_state(
    summary: RunSummary, fail_on_partial: bool = False, max_failed_share: float = 1.0
) -> State[RunSummary]:
    """The run's final state, with the summary as its result, a name the UI's badge and
    runs list show (:meth:`RunSummary.state_name`: "Completed with failures", "Partial",
    "Nothing to process") and a message saying how many records are not ok and why; Failed
    when more than ``max_failed_share`` of the records failed, or with ``fail_on_partial``
    when any record is not ok. The message is also the run's last log line."""
    message = summary.state_message()
    logger = get_run_logger()
    failed_share = summary.failed_share()
    if failed_share > max_failed_share:
        limit = f"max_failed_share {max_failed_share:g}"
        message = f"{failed_share:.0%} of the records failed ({limit}): {message}"
        logger.error(message)
        return Failed(message=message, data=summary)
    if fail_on_partial and (summary.by_status.get("partial") or summary.by_status.get("failed")):
        logger.error(message)
        return Failed(message=message, data=summary)
    name = summary.state_name()
    (logger.info if name == "Completed" else logger.warning)(message)
    return Completed(name=name, message=message, data=summary)


def opaque(value: T) -> T:
    """Pass ``value`` to a task without Prefect walking through it looking for futures: the
    index entries of a large run are tens of thousands of objects, and the walk costs more
    than the writing."""
    return cast(T, quote(value))


def resolve(path: Path | str) -> Path:
    """An absolute path; relative ones resolve against the working directory, which for
    deployments is the project root (prefect.yaml's set_working_directory step)."""
    return Path(path).expanduser().absolute()


def current_flow_run_id() -> str | None:
    """The id of the flow run this code runs in, if any."""
    return str(flow_run.id) if flow_run.id else None


@task(cache_policy=NO_CACHE, retries=2, retry_delay_seconds=1, task_run_name="write-index")
def write_run_index(processed_dir: Folder, sink: IndexSink) -> bool:
    """Write processed/index.jsonl, and for inputs in object storage the file that lets the
    next run skip unchanged ones unread (each unless unchanged)."""
    return sink.write(processed_dir)


RUN_LOCK_TIMEOUT = 3600.0
"""Seconds a run waits for another run over the same output before it fails."""
LEASE_SECONDS = 60.0
"""A run holds the slot of an output in object storage by renewing a lease this long: a run
killed without releasing it frees the output once the lease lapses (the server's repossessor
then returns the slot, within its loop interval)."""


def output_limit_name(processed_dir: RemoteFolder) -> str:
    """The Prefect global concurrency limit that keeps runs over one output in object
    storage apart, named after its URL.

    >>> output_limit_name(RemoteFolder("s3://bucket/processed"))
    'lingoflow-output-d88e9dcc400b'
    """
    digest = hashlib.sha256(processed_dir.url.encode("utf-8")).hexdigest()[:12]
    return f"lingoflow-output-{digest}"


@contextmanager
def output_lock(processed_dir: Folder, timeout: float = RUN_LOCK_TIMEOUT) -> Iterator[float]:
    """Hold ``processed_dir`` for this run alone; yields the seconds spent waiting for
    another run. A local folder is held by a lock file (:func:`run_lock`: one machine); a
    folder in object storage by a Prefect global concurrency limit of one slot named after
    its URL (:func:`output_limit_name`, created when missing), which the Prefect server
    enforces for every worker and host that reports to it. A run that reports to a
    temporary server of its own (``lingoflow run`` without PREFECT_API_URL or a running
    ``make serve``) has no shared server to ask: it holds a lock file named after the URL in
    the user's cache folder instead, which keeps runs apart on this host only, and says so.
    A run waits up to ``timeout`` seconds, then fails saying which output is busy."""
    if not isinstance(processed_dir, RemoteFolder):
        with run_lock(processed_dir, timeout) as waited:
            yield waited
        return
    name = output_limit_name(processed_dir)
    if private_server():
        get_run_logger().warning(
            "%s is kept from other runs on this host only: this run reports to a temporary "
            "Prefect server of its own; point PREFECT_API_URL at the server every host uses "
            "to keep runs on several hosts apart",
            processed_dir,
        )
        with run_lock(user_cache_dir() / "locks" / name, timeout) as waited:
            yield waited
        return
    from prefect.concurrency.sync import concurrency

    ensure_output_limit(name)
    started = time.monotonic()
    try:
        with concurrency(name, timeout_seconds=timeout, lease_duration=LEASE_SECONDS, strict=True):
            yield time.monotonic() - started
    except TimeoutError as exc:
        raise TimeoutError(
            f"another lingoflow run has held {processed_dir} (concurrency limit {name}) for "
            f"more than {timeout:.0f} s"
        ) from exc


def ensure_output_limit(name: str) -> None:
    """Create the global concurrency limit ``name`` with one slot unless it exists."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import GlobalConcurrencyLimitCreate
    from prefect.exceptions import ObjectAlreadyExists, ObjectNotFound

    with get_client(sync_client=True) as client:
        try:
            client.read_global_concurrency_limit_by_name(name)
            return
        except ObjectNotFound:
            pass
        with contextlib.suppress(ObjectAlreadyExists):  # another run made it meanwhile
            client.create_global_concurrency_limit(GlobalConcurrencyLimitCreate(name=name, limit=1))


def log_problems(batch: BatchResult) -> None:
    """One warning per record of ``batch`` that is not ok, with its errors; the traceback of
    each unexpected error once."""
    logger = get_run_logger()
    for path, trace in batch.tracebacks.items():
        logger.error("%s: an unexpected error failed this document:\n%s", path, trace)
    for record in batch.records:
        if record.status != "ok":
            problems = "; ".join(f"{e.code}: {e.message}" for e in record.errors)
            logger.warning("%s: %s: %s", record.source.path, record.status, problems)


def run_batches(
    summary: RunSummary,
    processed_dir: Folder,
    list_items: Callable[[], Iterable[T]],
    batch_size: int,
    submit: Callable[[str, list[T]], PrefectFuture[BatchOutcome]],
    *,
    window: int = 1,
    before_index: Callable[[], None] | None = None,
    fail_on_partial: bool = False,
    max_failed_share: float = 1.0,
    sources: bool = False,
) -> State[RunSummary]:
    """The skeleton of a run over ``processed_dir``, which both flows share: hold the folder's
    lock, remove what an interrupted run left, list the items (inputs, or records: a list, or
    a stream of listing pages that is consumed as batches go), submit them in batches of
    ``batch_size`` (one task run each, ``window`` in flight), count each finished batch in
    ``summary`` and pass its index entries on to the index (:class:`IndexSink`: none is
    held), call ``before_index``, write the index (and with ``sources`` the list of the
    inputs' versions), then log what to act on, publish the artifacts and return the final
    state."""
    logger = get_run_logger()
    started = time.monotonic()
    sink = IndexSink(sources=sources)
    try:
        with output_lock(processed_dir) as waited:
            if waited >= 1:
                logger.info("waited %.1f s for another run on %s", waited, processed_dir)
            if isinstance(processed_dir, Path) and (
                stale := remove_stale_temporaries(processed_dir)
            ):
                logger.warning(
                    "removed %d temporary file(s) left by an interrupted run", len(stale)
                )
            items = list_items()
            total = -(-len(items) // batch_size) if isinstance(items, Sized) else None
            batches = enumerate(iter_batches(items, batch_size))
            in_flight: deque[tuple[str, list[T], PrefectFuture[BatchOutcome]]] = deque()

            def submit_next() -> None:
                for n, batch in itertools.islice(batches, 1):
                    name = batch_name(n, total)
                    in_flight.append((name, batch, submit(name, batch)))

            for _ in range(window):
                submit_next()
            while in_flight:
                name, batch, future = in_flight.popleft()
                outcome = future.result()
                submit_next()  # keep the window full
                summary.inputs += len(batch)
                summary.add_batch(outcome)
                sink.add(outcome.entries, outcome.versions, outcome.made)
                counts = outcome.counts
                logger.info(
                    "%s: %d items: %d processed, %d changed (identical output is not "
                    "rewritten), %d up to date; %d sentences translated (%d from cache)",
                    name,
                    len(batch),
                    outcome.written + outcome.identical,
                    outcome.written,
                    outcome.up_to_date,
                    counts.sentences_translated,
                    counts.sentences_from_cache,
                )
            if before_index is not None:
                before_index()
            write_run_index(processed_dir, opaque(sink))
        for message in summary.warnings():
            logger.warning(message)
        summary.finish(started)
        publish_run_report(summary, sink.shown, sink.not_shown)
    finally:
        sink.close()
    return final_state(summary, fail_on_partial, max_failed_share)
