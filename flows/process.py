"""Flow ``process-documents``: raw/ in, one validated JSON record per input in processed/."""

from __future__ import annotations

import time
from collections.abc import Iterator
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
    final_state,
    given,
    opaque,
    report_glossary_pairs,
    resolve,
    translation_config,
    write_run_index,
)
from lingoflow.flows.reporting import publish_run_report
from lingoflow.processors.batch import BatchOutcome, process_batch, write_processed
from lingoflow.processors.core.config import (
    DEFAULT_BATCH_SIZE,
    DEFAULT_LANGUAGES,
    DEFAULT_MAX_BYTES,
    PipelineConfig,
    inter_threads_for,
)
from lingoflow.processors.core.record import IndexEntry
from lingoflow.processors.output.writer import remove_stale_temporaries, run_lock
from lingoflow.processors.read.ingest import discover
from lingoflow.processors.summary import (
    RunSummary,
    batch_name,
    batches_in_flight,
    orphans,
    split_batches,
)


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
    logger = get_run_logger()
    logger.info("%d documents: %s ... %s", len(rel_paths), rel_paths[0], rel_paths[-1])
    batch = process_batch(
        raw_dir, processed_dir, rel_paths, config, force=force, flow_run_id=current_flow_run_id()
    )
    for record in batch.records:
        if record.status != "ok":
            problems = "; ".join(f"{e.code}: {e.message}" for e in record.errors)
            logger.warning("%s: %s: %s", record.source.path, record.status, problems)
    outcome = write_processed(processed_dir, batch)
    logger.info(
        "%d processed, %d changed, %d up to date", outcome.written + outcome.identical,
        outcome.written, outcome.skipped,
    )  # fmt: skip
    return outcome


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
    logger = get_run_logger()
    started = time.monotonic()
    raw_dir, processed_dir = resolve(raw_dir), resolve(processed_dir)
    if not raw_dir.is_dir():
        raise FileNotFoundError(f"raw directory not found: {raw_dir}")
    window = batches_in_flight(processes, parallel_batches)
    inter_threads = inter_threads_for(processes, translation.inter_threads)
    config = PipelineConfig(
        languages=tuple(languages),
        max_bytes=max_bytes,
        translation=translation_config(
            translation, glossary, reject_flagged, inter_threads=inter_threads
        ),
    )
    summary = RunSummary(flow="process-documents", parameters=given(
        raw_dir=raw_dir, processed_dir=processed_dir, languages=",".join(languages), force=force,
        prune=prune, batch_size=batch_size, processes=processes, max_bytes=max_bytes,
        translate=translation.enabled, glossary=glossary, reject_flagged=reject_flagged,
    ))  # fmt: skip
    report_glossary_pairs(config.translation, summary)
    with run_lock(processed_dir) as waited, batch_runner(processes) as pool:
        if waited >= 1:
            logger.info("waited %.1f s for another run on %s", waited, processed_dir)
        if stale := remove_stale_temporaries(processed_dir):
            logger.warning("removed %d temporary file(s) left by an interrupted run", len(stale))
        rel_paths = discover_inputs(raw_dir)
        summary.inputs = len(rel_paths)
        batches = split_batches(rel_paths, batch_size)

        def submit(n: int) -> PrefectFuture[BatchOutcome]:
            batch_task = process_documents_batch.with_options(
                task_run_name=batch_name(n, len(batches))
            )
            arguments = (raw_dir, processed_dir, batches[n], config, force)
            if pool is None:
                return batch_task.submit(*arguments)
            return pool.submit(batch_task, dict(zip(BATCH_PARAMETERS, arguments, strict=True)))

        futures = {n: submit(n) for n in range(min(window, len(batches)))}
        entries: list[IndexEntry] = []
        for index, batch in enumerate(batches):
            outcome = futures.pop(index).result()
            if index + window < len(batches):  # keep the window full
                futures[index + window] = submit(index + window)
            entries.extend(outcome.entries)
            summary.add_batch(outcome)
            stats = outcome.stats
            logger.info(
                "%s: %d documents: %d processed, %d changed (identical output is not "
                "rewritten), %d up to date; %d sentences translated (%d from cache)",
                batch_name(index, len(batches)), len(batch), outcome.written + outcome.identical,
                outcome.written, outcome.skipped, stats.sentences_translated,
                stats.sentences_cached,
            )  # fmt: skip
        found = orphans(processed_dir, rel_paths, prune=prune)
        summary.orphaned, summary.pruned = [p.name for p in found], bool(found and prune)
        write_run_index(processed_dir, opaque(entries))
    for message in summary.warnings():
        logger.warning(message)
    summary.finish(entries, started)
    publish_run_report(summary, entries)
    return final_state(summary, fail_on_partial)  # type: ignore[return-value]
