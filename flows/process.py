"""Flow ``process-documents``: raw/ in, one validated JSON record per input in processed/."""

from __future__ import annotations

import os
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Annotated, Any, TypeVar, cast

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.futures import PrefectFuture
from prefect.runtime import flow_run
from prefect.task_runners import ProcessPoolTaskRunner
from prefect.utilities.annotations import quote
from pydantic import BaseModel, ConfigDict, Field

from flows.reporting import publish_run_report
from processors.batch import BatchResult, WriteResult, process_batch, summarise, write_batch
from processors.config import (
    DEFAULT_LANGUAGES,
    DEFAULT_MAX_BYTES,
    PipelineConfig,
    TranslationConfig,
)
from processors.ingest import discover, doc_id_for
from processors.record import IndexEntry
from processors.translate import Pair, install_command
from processors.writer import (
    orphaned_records,
    remove_stale_temporaries,
    run_lock,
    write_index,
)

DEFAULT_BATCH_SIZE = 64
T = TypeVar("T")


def opaque(value: T) -> T:
    """Pass ``value`` to a task without Prefect walking through it looking for futures: the
    index entries of a large run are tens of thousands of objects, and the walk costs more
    than the writing."""
    return cast(T, quote(value))


WRITE_ATTEMPTS = 3
WRITE_RETRY_DELAY = 1.0
_DEFAULT_TRANSLATION = TranslationConfig()


class TranslationSettings(BaseModel):
    """Translation settings of a run (see TranslationConfig for what each one does)."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool = Field(True, description="Translate segments; off keeps originals only.")
    packages_dir: str | None = Field(
        None, description="Folder of installed Argos packages (default: ARGOS_PACKAGES_DIR)."
    )
    device: str = Field("cpu", description="cpu, cuda or auto.", pattern="^(cpu|cuda|auto)$")
    compute_type: str = Field("default", description="CTranslate2 compute type.")
    beam_size: int = Field(4, description="Beam width (4 as argostranslate).", ge=1, le=16)
    inter_threads: int = Field(2, description="Batches translated in parallel.", ge=1, le=64)
    intra_threads: int = Field(1, description="Threads per batch (0: CTranslate2 decides).", ge=0)
    max_batch_tokens: int = Field(512, description="Token budget of one batch.", ge=64)
    cache: bool = Field(True, description="Reuse translations from the persistent cache.")
    cache_dir: str | None = Field(
        None, description="Translation cache folder (default: $XDG_CACHE_HOME/lingoflow)."
    )

    def config(self) -> TranslationConfig:
        """The processors' configuration object for these settings."""
        return TranslationConfig(
            **self.model_dump(),
            length_penalty=_DEFAULT_TRANSLATION.length_penalty,
            max_decoding_ratio=_DEFAULT_TRANSLATION.max_decoding_ratio,
            max_decoding_extra=_DEFAULT_TRANSLATION.max_decoding_extra,
        )


@task(cache_policy=NO_CACHE)
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
) -> WriteResult:
    """Read, decode, repair, clean, detect and translate one batch, then write its records."""
    run_id = str(flow_run.id) if flow_run.id else None
    batch = process_batch(
        raw_dir, processed_dir, rel_paths, config, force=force, flow_run_id=run_id
    )
    return write_checked(processed_dir, batch)


BATCH_PARAMETERS = ("raw_dir", "processed_dir", "rel_paths", "config", "force")


@contextmanager
def batch_runner(processes: int) -> Iterator[ProcessPoolTaskRunner | None]:
    """A started pool of ``processes`` worker processes, or None to use the flow's runner."""
    if processes <= 1:
        yield None
        return
    with ProcessPoolTaskRunner(max_workers=processes) as pool:
        yield pool


def write_checked(processed_dir: Path, batch: BatchResult) -> WriteResult:
    """Write a batch's records where they were made (records never travel between processes),
    trying failed writes again; raise when some still fail, which fails the run."""
    result = write_batch(
        processed_dir, batch.records, attempts=WRITE_ATTEMPTS, retry_delay=WRITE_RETRY_DELAY
    )
    if result.write_errors:
        raise OSError(f"{len(result.write_errors)} record(s) not written: {result.write_errors[0]}")
    result.take_summary(batch)
    return result


@task(cache_policy=NO_CACHE, retries=2, retry_delay_seconds=1)
def write_run_index(processed_dir: Path, entries: list[IndexEntry]) -> bool:
    """Write processed/index.jsonl."""
    return write_index(processed_dir, entries)


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
) -> dict[str, Any]:
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
        max_bytes: Inputs larger than this many bytes get a failed record without being read.
        translation: Translation models and decoding settings.
    """
    logger = get_run_logger()
    started = time.monotonic()
    raw_dir, processed_dir = resolve(raw_dir), resolve(processed_dir)
    if not raw_dir.is_dir():
        raise FileNotFoundError(f"raw directory not found: {raw_dir}")
    window = parallel_batches or (2 * processes if processes > 1 else 1)
    translation_config = translation.config()
    if processes > 1:
        share = max(1, (os.cpu_count() or 1) // processes)
        inter_threads = min(translation_config.inter_threads, share)
        translation_config = replace(translation_config, inter_threads=inter_threads)
    config = PipelineConfig(
        languages=tuple(languages), max_bytes=max_bytes, translation=translation_config
    )
    with run_lock(processed_dir) as waited, batch_runner(processes) as pool:
        if waited >= 1:
            logger.info("waited %.1f s for another run on %s", waited, processed_dir)
        if stale := remove_stale_temporaries(processed_dir):
            logger.warning("removed %d temporary file(s) left by an interrupted run", len(stale))
        rel_paths = discover_inputs(raw_dir)
        batches = [rel_paths[i : i + batch_size] for i in range(0, len(rel_paths), batch_size)]

        def submit(n: int) -> PrefectFuture[WriteResult]:
            name = f"batch-{n + 1:04d}-of-{len(batches):04d}"
            batch_task = process_documents_batch.with_options(task_run_name=name)
            arguments = (raw_dir, processed_dir, batches[n], config, force)
            if pool is None:
                return batch_task.submit(*arguments)
            return pool.submit(batch_task, dict(zip(BATCH_PARAMETERS, arguments, strict=True)))

        futures = {n: submit(n) for n in range(min(window, len(batches)))}
        entries: list[IndexEntry] = []
        totals: Counter[str] = Counter()
        stage_seconds: Counter[str] = Counter()
        missing: set[str] = set()
        for index, batch in enumerate(batches):
            name = f"batch-{index + 1:04d}-of-{len(batches):04d}"
            result = futures.pop(index).result()
            if index + window < len(batches):  # keep the window full
                futures[index + window] = submit(index + window)
            entries.extend(result.skipped)
            entries.extend(result.entries)
            stats = result.stats
            totals.update(
                written=result.written,
                unchanged=result.unchanged + len(result.skipped),
                translated=stats.sentences_translated,
                cached=stats.sentences_cached,
            )
            stage_seconds.update(stats.seconds)
            missing |= stats.missing_pairs
            logger.info(
                "%s: %d documents, %d records written, %d unchanged, "
                "%d sentences translated (%d from cache)",
                name, len(batch), result.written, len(result.skipped) + result.unchanged,
                stats.sentences_translated, stats.sentences_cached,
            )  # fmt: skip
        orphans = orphaned_records(processed_dir, {doc_id_for(p) for p in rel_paths})
        if orphans and prune:
            for path in orphans:
                path.unlink(missing_ok=True)
        write_run_index(processed_dir, opaque(entries))
    if orphans:
        logger.warning(
            "%d record(s) have no input in %s any more%s: %s", len(orphans), raw_dir,
            " and were removed" if prune else " (prune=True removes them)",
            ", ".join(p.name for p in orphans[:10]),
        )  # fmt: skip
    if missing:
        logger.warning(
            "no translation model for %s; segments keep their original text. Install with: %s",
            ", ".join(sorted(missing)), install_command(_pairs(missing)),
        )  # fmt: skip
    seconds = round(time.monotonic() - started, 3)
    summary: dict[str, Any] = {
        "inputs": len(rel_paths),
        "records": len(entries),
        "written": totals["written"],
        "unchanged": totals["unchanged"],
        **summarise(entries),
        "sentences_translated": totals["translated"],
        "sentences_from_cache": totals["cached"],
        "missing_models": sorted(missing),
        "install_command": install_command(_pairs(missing)) if missing else None,
        "orphaned": [p.name for p in orphans],
        "pruned": bool(orphans and prune),
        "stage_seconds": {k: round(v, 3) for k, v in sorted(stage_seconds.items())},
        "seconds": seconds,
        "documents_per_second": round(len(rel_paths) / seconds, 1) if seconds else None,
    }
    publish_run_report("process-documents", summary, entries)
    return summary


def resolve(path: Path | str) -> Path:
    """An absolute path; relative ones resolve against the working directory, which for
    deployments is the project root (prefect.yaml's set_working_directory step)."""
    return Path(path).expanduser().absolute()


def _pairs(names: set[str]) -> list[Pair]:
    return [Pair(*name.split("→")) for name in sorted(names)]
