"""Flow ``process-documents``: raw/ in, one validated JSON record per input in processed/."""

from __future__ import annotations

from collections.abc import Generator, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.futures import PrefectFuture
from prefect.states import Failed
from prefect.task_runners import ProcessPoolTaskRunner

from lingoflow.flows.common import (
    current_flow_run_id,
    log_problems,
    run_batches,
    start_run,
)
from lingoflow.processors.batch import (
    BatchOutcome,
    InputHints,
    batches_in_flight,
    input_hints,
    orphans,
    process_batch,
    write_processed,
)
from lingoflow.processors.core.config import (
    BatchSize,
    CleanConfig,
    FolderTarget,
    HtmlExtractor,
    Languages,
    MaxBytes,
    ParallelBatches,
    PipelineConfig,
    Processes,
    RunOptions,
    Seconds,
    Share,
    TranslationConfig,
    declared,
    inter_threads_for,
)
from lingoflow.processors.core.storage import (
    Folder,
    ObjectInfo,
    RemoteFolder,
    StorageError,
    folder,
)
from lingoflow.processors.output.records import (
    KeySet,
    SortedLookup,
    iter_index,
    iter_record_names,
    iter_sources,
)
from lingoflow.processors.read.ingest import discover, doc_id_for
from lingoflow.processors.summary import RunSummary


@task(cache_policy=NO_CACHE, task_run_name="discover-inputs", retries=2, retry_delay_seconds=2)
def discover_inputs(raw_dir: Path) -> list[str]:
    """List every input under a local raw folder, sorted."""
    return discover(raw_dir)


Item = str | ObjectInfo
"""An input as its folder's listing gives it: a local path, or an object with its version."""


def listed_objects(raw_dir: RemoteFolder) -> Iterator[ObjectInfo]:
    """The objects under a raw folder in object storage, a listing page at a time (the
    storage library retries a failed page request)."""
    for page in raw_dir.pages():
        yield from page


@task(cache_policy=NO_CACHE)
def process_documents_batch(
    raw_dir: Folder,
    processed_dir: Folder,
    rel_paths: list[str],
    config: PipelineConfig,
    force: bool,
    hints: InputHints | None = None,
) -> BatchOutcome:
    """Read, decode, repair, clean, detect and translate one batch, then write its records."""
    get_run_logger().info("%d documents: %s ... %s", len(rel_paths), rel_paths[0], rel_paths[-1])
    batch = process_batch(
        raw_dir,
        processed_dir,
        rel_paths,
        config,
        force=force,
        flow_run_id=current_flow_run_id(),
        hints=hints,
    )
    log_problems(batch)
    return write_processed(processed_dir, batch)


BATCH_PARAMETERS = ("raw_dir", "processed_dir", "rel_paths", "config", "force", "hints")


def check_folders(raw_dir: Folder, processed_dir: Folder) -> str | None:
    """Why the run cannot start, or None: the raw folder missing or not listable, the
    processed folder in object storage not writable (a probe object written and removed),
    so that a wrong bucket or refused credentials fail the run before any work."""
    try:
        if isinstance(raw_dir, RemoteFolder):
            if not raw_dir.exists():
                return f"raw folder not found or empty: {raw_dir}"
        elif not raw_dir.is_dir():
            return f"raw directory not found: {raw_dir}"
        if isinstance(processed_dir, RemoteFolder):
            processed_dir.check_writable()
    except StorageError as exc:
        return str(exc)
    return None


@contextmanager
def batch_runner(processes: int) -> Iterator[ProcessPoolTaskRunner | None]:
    """A started pool of ``processes`` worker processes, or None to use the flow's runner."""
    if processes <= 1:
        yield None
        return
    with ProcessPoolTaskRunner(max_workers=processes) as pool:
        yield pool


@flow(name="process-documents", log_prints=True)
def process_documents(
    raw_dir: FolderTarget = declared(RunOptions, "raw_dir"),
    processed_dir: FolderTarget = declared(RunOptions, "processed_dir"),
    languages: Languages = declared(PipelineConfig, "languages"),
    force: bool = declared(RunOptions, "force"),
    prune: bool = declared(RunOptions, "prune"),
    batch_size: BatchSize = declared(RunOptions, "batch_size"),
    processes: Processes = declared(RunOptions, "processes"),
    parallel_batches: ParallelBatches = declared(RunOptions, "parallel_batches"),
    max_bytes: MaxBytes = declared(PipelineConfig, "max_bytes"),
    document_timeout: Seconds = declared(PipelineConfig, "document_timeout"),
    html_extractor: HtmlExtractor = declared(CleanConfig, "html_extractor"),
    translation: TranslationConfig = declared(PipelineConfig, "translation"),
    fail_on_partial: bool = declared(RunOptions, "fail_on_partial"),
    max_failed_share: Share = declared(RunOptions, "max_failed_share"),
) -> RunSummary:
    """Turn every file under raw_dir into one JSON record in processed_dir (each parameter
    is declared, with its meaning, in lingoflow.processors.core.config)."""
    try:
        raw, processed = folder(raw_dir), folder(processed_dir)
        problem = check_folders(raw, processed)
    except StorageError as exc:
        problem = str(exc)
    if problem:  # a state, not an exception: no traceback for a wrong path or bucket
        get_run_logger().error(problem)
        return Failed(message=problem)  # type: ignore[return-value]
    parameters: dict[str, object] = {
        "raw_dir": raw,
        "processed_dir": processed,
        "languages": ",".join(languages),
        "force": force,
        "prune": prune,
        "batch_size": batch_size,
        "processes": processes,
        "max_bytes": max_bytes,
        "document_timeout": document_timeout,
        "html_extractor": html_extractor,
    }
    inter_threads = inter_threads_for(processes, translation.inter_threads)
    translation, summary = start_run(
        "process-documents", translation, parameters, languages, inter_threads=inter_threads
    )
    config = PipelineConfig(
        languages=languages,
        max_bytes=max_bytes,
        document_timeout=document_timeout,
        clean=CleanConfig(html_extractor=html_extractor),
        translation=translation,
    )

    # The doc_ids of the inputs, for the records whose input is gone (8 bytes each).
    inputs = KeySet()

    def report_orphans() -> None:
        present = lookups.get("present")
        if present is not None and not present.not_in(inputs):
            return  # every record listed at the start has its input: no second listing
        found = orphans(processed, inputs, prune=prune)
        summary.orphaned, summary.pruned = found, bool(found and prune)

    # Inputs in object storage are listed a page at a time as the batches go, and looked up
    # in what the last run knew of them (its source list and index, read in the same order)
    # and in the records the processed folder holds, so that unchanged objects are neither
    # downloaded nor compared, and no listing is held whole.
    remote_inputs = isinstance(raw, RemoteFolder)
    known: list[Generator[Any, None, None]] = []
    lookups: dict[str, Any] = {}

    def list_inputs() -> Iterable[Item]:  # called holding the output: what it reads is current
        if not isinstance(raw, RemoteFolder):
            return discover_inputs(raw)
        if not force:
            known.extend([iter_sources(processed), iter_index(processed)])
            lookups.update(
                sources=SortedLookup(known[0]),
                index=SortedLookup(known[1]),
                present=KeySet(n.removesuffix(".json") for n in iter_record_names(processed)),
            )
        return listed_objects(raw)

    try:
        with batch_runner(processes) as pool:

            def submit(name: str, batch: list[Item]) -> PrefectFuture[BatchOutcome]:
                batch_task = process_documents_batch.with_options(task_run_name=name)
                rel_paths = [i if isinstance(i, str) else i.name for i in batch]
                inputs.add(map(doc_id_for, rel_paths))
                hints = None
                if remote_inputs:
                    versions = {i.name: i.version for i in batch if isinstance(i, ObjectInfo)}
                    hints = input_hints(versions, **lookups)
                arguments = (raw, processed, rel_paths, config, force, hints)
                if pool is None:
                    return batch_task.submit(*arguments)
                parameters = dict(zip(BATCH_PARAMETERS, arguments, strict=True))
                return pool.submit(batch_task, parameters)

            return run_batches(  # type: ignore[return-value]
                summary,
                processed,
                list_inputs,
                batch_size,
                submit,
                window=batches_in_flight(processes, parallel_batches),
                before_index=report_orphans,
                fail_on_partial=fail_on_partial,
                max_failed_share=max_failed_share,
                sources=remote_inputs,
            )
    finally:
        for stream in known:
            stream.close()
