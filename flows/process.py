"""Flow ``process-documents``: raw/ in, one validated JSON record per input in processed/."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.futures import PrefectFuture
from prefect.states import Failed
from prefect.task_runners import ProcessPoolTaskRunner

from lingoflow.flows.common import (
    current_flow_run_id,
    log_problems,
    resolve,
    run_batches,
    start_run,
)
from lingoflow.processors.batch import (
    BatchOutcome,
    batches_in_flight,
    orphans,
    process_batch,
    write_processed,
)
from lingoflow.processors.core.config import (
    BatchSize,
    CleanConfig,
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
from lingoflow.processors.read.ingest import discover
from lingoflow.processors.summary import RunSummary


@task(cache_policy=NO_CACHE, task_run_name="discover-inputs")
def discover_inputs(raw_dir: Path) -> list[str]:
    """List every input under the raw directory, sorted."""
    return discover(raw_dir)


@task(cache_policy=NO_CACHE)
def process_documents_batch(
    raw_dir: Path,
    processed_dir: Path,
    rel_paths: list[str],
    config: PipelineConfig,
    force: bool,
) -> BatchOutcome:
    """Read, decode, repair, clean, detect and translate one batch, then write its records."""
    get_run_logger().info("%d documents: %s ... %s", len(rel_paths), rel_paths[0], rel_paths[-1])
    batch = process_batch(
        raw_dir, processed_dir, rel_paths, config, force=force, flow_run_id=current_flow_run_id()
    )
    log_problems(batch)
    return write_processed(processed_dir, batch)


BATCH_PARAMETERS = ("raw_dir", "processed_dir", "rel_paths", "config", "force")


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
    raw_dir: Path = declared(RunOptions, "raw_dir"),
    processed_dir: Path = declared(RunOptions, "processed_dir"),
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
    raw_dir, processed_dir = resolve(raw_dir), resolve(processed_dir)
    if not raw_dir.is_dir():  # a state, not an exception: no traceback for a wrong path
        message = f"raw directory not found: {raw_dir}"
        get_run_logger().error(message)
        return Failed(message=message)  # type: ignore[return-value]
    parameters: dict[str, object] = {
        "raw_dir": raw_dir,
        "processed_dir": processed_dir,
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
        found = orphans(processed_dir, rel_paths, prune=prune)
        summary.orphaned, summary.pruned = [p.name for p in found], bool(found and prune)

    with batch_runner(processes) as pool:

        def submit(name: str, rel_paths: list[str]) -> PrefectFuture[BatchOutcome]:
            batch_task = process_documents_batch.with_options(task_run_name=name)
            arguments = (raw_dir, processed_dir, rel_paths, config, force)
            if pool is None:
                return batch_task.submit(*arguments)
            return pool.submit(batch_task, dict(zip(BATCH_PARAMETERS, arguments, strict=True)))

        return run_batches(  # type: ignore[return-value]
            summary,
            processed_dir,
            lambda: discover_inputs(raw_dir),
            batch_size,
            submit,
            window=batches_in_flight(processes, parallel_batches),
            before_index=report_orphans,
            fail_on_partial=fail_on_partial,
            max_failed_share=max_failed_share,
        )
