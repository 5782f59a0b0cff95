"""Flow ``process-documents``: raw/ in, one validated JSON record per input in processed/."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated, Any

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run
from pydantic import Field

from processors.batch import BatchResult, WriteResult, process_batch, summarise, write_batch
from processors.config import DEFAULT_LANGUAGES, DEFAULT_MAX_BYTES, PipelineConfig
from processors.ingest import discover
from processors.record import IndexEntry
from processors.writer import write_index

DEFAULT_BATCH_SIZE = 64


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
) -> BatchResult:
    """Read, decode, repair, clean and detect one batch of documents."""
    return process_batch(
        raw_dir,
        processed_dir,
        rel_paths,
        config,
        force=force,
        flow_run_id=str(flow_run.id) if flow_run.id else None,
    )


@task(cache_policy=NO_CACHE, retries=2, retry_delay_seconds=1)
def write_records(processed_dir: Path, batch: BatchResult) -> WriteResult:
    """Write one batch of records atomically."""
    result = write_batch(processed_dir, batch.records)
    if result.write_errors:
        # Raising lets Prefect retry transient I/O errors; records already written are kept.
        raise OSError(f"{len(result.write_errors)} record(s) not written: {result.write_errors[0]}")
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
    batch_size: Annotated[
        int, Field(description="Documents per task run.", ge=1, le=10_000)
    ] = DEFAULT_BATCH_SIZE,
    max_bytes: Annotated[
        int, Field(description="Inputs larger than this many bytes get a failed record.", ge=1)
    ] = DEFAULT_MAX_BYTES,
) -> dict[str, Any]:
    """Turn every file under raw_dir into one JSON record in processed_dir."""
    logger = get_run_logger()
    started = time.monotonic()
    raw_dir, processed_dir = Path(raw_dir).absolute(), Path(processed_dir).absolute()
    if not raw_dir.is_dir():
        raise FileNotFoundError(f"raw directory not found: {raw_dir}")
    processed_dir.mkdir(parents=True, exist_ok=True)
    config = PipelineConfig(languages=tuple(languages), max_bytes=max_bytes)
    rel_paths = discover_inputs(raw_dir)
    batches = [rel_paths[i : i + batch_size] for i in range(0, len(rel_paths), batch_size)]
    entries: list[IndexEntry] = []
    written = unchanged = 0
    for number, batch in enumerate(batches, start=1):
        name = f"batch-{number:04d}-of-{len(batches):04d}"
        processed = process_documents_batch.with_options(task_run_name=f"process-{name}")(
            raw_dir, processed_dir, batch, config, force
        )
        result = write_records.with_options(task_run_name=f"write-{name}")(processed_dir, processed)
        entries.extend(processed.unchanged)
        entries.extend(result.entries)
        written += result.written
        unchanged += result.unchanged + len(processed.unchanged)
        logger.info("%s: %d documents, %d records written", name, len(batch), result.written)
    write_run_index(processed_dir, entries)
    summary: dict[str, Any] = {
        "inputs": len(rel_paths),
        "records": len(entries),
        "written": written,
        "unchanged": unchanged,
        **summarise(entries),
        "seconds": round(time.monotonic() - started, 3),
    }
    return summary
