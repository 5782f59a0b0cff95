"""Flow ``process-documents``: raw/ in, one validated JSON record per input in processed/."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.futures import PrefectFuture
from prefect.task_runners import ProcessPoolTaskRunner
from pydantic import Field

from lingoflow.flows.common import (
    GlossaryParameter,
    RejectFlaggedParameter,
    TranslationSettings,
    current_flow_run_id,
    given,
    log_problems,
    report_glossary_pairs,
    resolve,
    run_batches,
    translation_config,
)
from lingoflow.processors.batch import (
    BatchOutcome,
    batches_in_flight,
    orphans,
    process_batch,
    write_processed,
)
from lingoflow.processors.core.config import (
    DEFAULT_BATCH_SIZE,
    DEFAULT_LANGUAGES,
    DEFAULT_MAX_BYTES,
    PipelineConfig,
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
    raw_dir: Annotated[
        Path, Field(description="Folder of raw input documents (read recursively).")
    ] = Path("raw"),
    processed_dir: Annotated[
        Path, Field(description="Folder the JSON records and index.jsonl are written to.")
    ] = Path("processed"),
    languages: Annotated[
        list[str],
        Field(description="Language pair (ISO 639-1) every segment is translated into."),
    ] = list(DEFAULT_LANGUAGES),  # noqa: B006 (Prefect validates and copies parameters)
    force: Annotated[
        bool, Field(description="Reprocess inputs even when bytes and settings are unchanged.")
    ] = False,
    prune: Annotated[
        bool, Field(description="Delete records whose input is no longer in raw_dir.")
    ] = False,
    batch_size: Annotated[
        int, Field(description="Documents per task run.", ge=1, le=10_000)
    ] = DEFAULT_BATCH_SIZE,
    processes: Annotated[
        int, Field(description="Worker processes for the batches (1: the flow's).", ge=1, le=256)
    ] = 1,
    parallel_batches: Annotated[
        int | None, Field(description="Batches in flight (default: 2 per worker process).", ge=1)
    ] = None,
    max_bytes: Annotated[
        int, Field(description="Inputs larger than this many bytes get a failed record.", ge=1)
    ] = DEFAULT_MAX_BYTES,
    translation: Annotated[
        TranslationSettings, Field(description="Translation models and decoding settings.")
    ] = TranslationSettings(),  # noqa: B008 (an immutable default, validated by Prefect)
    glossary: GlossaryParameter = None,
    reject_flagged: RejectFlaggedParameter = False,
    fail_on_partial: Annotated[
        bool, Field(description="End the run Failed when a record is partial or failed.")
    ] = False,
) -> RunSummary:
    """Turn every file under raw_dir into one JSON record in processed_dir.

    Args:
        raw_dir: Folder of raw input documents, read recursively; relative to the project root.
        processed_dir: Folder the JSON records and index.jsonl are written to.
        languages: Language pair (ISO 639-1 codes) every segment is translated into.
        force: Reprocess inputs even when their bytes, lingoflow's version and the settings
            are unchanged since their record was written.
        prune: Delete records whose input is no longer in raw_dir (they are reported always).
        batch_size: Documents per task run (one task translates its whole batch at once).
        processes: Worker processes the batches run on. 1 runs them on the flow's task
            runner (by default in the flow's own process); more runs them on a pool of that
            many processes on the flow's machine (Prefect's ProcessPoolTaskRunner), each
            translating with at most its share of the cores as inter_threads.
        parallel_batches: Batches in flight at once (each batch is one task run, processed
            and written in one process). Default: 1 with one process (the work is CPU-bound:
            threads only contend), else twice the number of processes, so none waits for work.
            Set it to twice the number of Dask workers when the flow runs on Dask.
        max_bytes: Size limit of an input, in bytes (default 20 MiB: 20971520); larger inputs
            get a failed record without being read, and office archives may not expand
            beyond it.
        translation: Translation models and decoding settings.
        glossary: Glossary TSV: terms forced into translations, and terms not to translate
            (see the README); a malformed one fails the run before any work.
        reject_flagged: Leave out translations a quality check flags (the record is partial,
            with an error per segment); by default they are kept and counted.
        fail_on_partial: End the run in state Failed when any record is partial or failed
            (the records are written all the same); by default the run is Completed and its
            state message says how many records are not ok, and why.
    """
    raw_dir, processed_dir = resolve(raw_dir), resolve(processed_dir)
    if not raw_dir.is_dir():
        raise FileNotFoundError(f"raw directory not found: {raw_dir}")
    inter_threads = inter_threads_for(processes, translation.inter_threads)
    config = PipelineConfig(
        languages=tuple(languages),
        max_bytes=max_bytes,
        translation=translation_config(
            translation, glossary, reject_flagged, inter_threads=inter_threads
        ),
    )
    summary = RunSummary(
        flow="process-documents",
        parameters=given(
            raw_dir=raw_dir,
            processed_dir=processed_dir,
            languages=",".join(languages),
            force=force,
            prune=prune,
            batch_size=batch_size,
            processes=processes,
            max_bytes=max_bytes,
            translate=translation.enabled,
            glossary=glossary,
            reject_flagged=reject_flagged,
        ),
    )
    report_glossary_pairs(config.translation, summary)

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
        )
