"""Flow ``process-documents``: raw/ in, one validated JSON record per input in processed/."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

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
from lingoflow.processors.core.record import IndexEntry
from lingoflow.processors.core.storage import Folder, RemoteFolder, StorageError, folder
from lingoflow.processors.output.records import (
    SourceState,
    read_index,
    read_sources,
    record_names,
)
from lingoflow.processors.read.ingest import discover, discover_objects
from lingoflow.processors.summary import RunSummary


@task(cache_policy=NO_CACHE, task_run_name="discover-inputs", retries=2, retry_delay_seconds=2)
def discover_inputs(raw_dir: Folder) -> dict[str, str | None]:
    """List every input under the raw folder, sorted, with its version for a folder in
    object storage (size and ETag) or None for a local one."""
    if isinstance(raw_dir, RemoteFolder):
        return dict(discover_objects(raw_dir))
    return dict.fromkeys(discover(raw_dir))


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

    def report_orphans(rel_paths: Sequence[str]) -> None:
        found = orphans(processed, rel_paths, prune=prune)
        summary.orphaned, summary.pruned = found, bool(found and prune)

    # Inputs in object storage: their listed versions, what the last run knew of them and
    # which records exist, so that unchanged objects are neither downloaded nor compared.
    remote_inputs = isinstance(raw, RemoteFolder)
    versions: dict[str, str] = {}
    sources: dict[str, SourceState] = {}
    index: dict[str, IndexEntry] = {}
    present: set[str] = set()

    def list_inputs() -> list[str]:  # called holding the output: what it reads is current
        found = discover_inputs(raw)
        versions.update({k: v for k, v in found.items() if v is not None})
        if remote_inputs and not force:
            sources.update(read_sources(processed))
            index.update(read_index(processed))
            present.update(n.removesuffix(".json") for n in record_names(processed))
        return list(found)

    with batch_runner(processes) as pool:

        def submit(name: str, rel_paths: list[str]) -> PrefectFuture[BatchOutcome]:
            batch_task = process_documents_batch.with_options(task_run_name=name)
            hints = None
            if remote_inputs and not force:
                hints = input_hints(rel_paths, versions, sources, index, present)
            arguments = (raw, processed, rel_paths, config, force, hints)
            if pool is None:
                return batch_task.submit(*arguments)
            return pool.submit(batch_task, dict(zip(BATCH_PARAMETERS, arguments, strict=True)))

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
            versions=versions if remote_inputs else None,
        )
