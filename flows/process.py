"""Flow ``process-documents``: raw/ in, one validated JSON record per input in processed/."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated, Any

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run
from pydantic import BaseModel, ConfigDict, Field

from processors.batch import BatchResult, WriteResult, process_batch, summarise, write_batch
from processors.config import (
    DEFAULT_LANGUAGES,
    DEFAULT_MAX_BYTES,
    PipelineConfig,
    TranslationConfig,
)
from processors.ingest import discover
from processors.record import IndexEntry
from processors.translate import Pair, install_command
from processors.writer import write_index

DEFAULT_BATCH_SIZE = 64
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
    translation: Annotated[
        TranslationSettings, Field(description="Translation models and decoding settings.")
    ] = TranslationSettings(),  # noqa: B008 (an immutable default, validated by Prefect)
) -> dict[str, Any]:
    """Turn every file under raw_dir into one JSON record in processed_dir."""
    logger = get_run_logger()
    started = time.monotonic()
    raw_dir, processed_dir = Path(raw_dir).absolute(), Path(processed_dir).absolute()
    if not raw_dir.is_dir():
        raise FileNotFoundError(f"raw directory not found: {raw_dir}")
    processed_dir.mkdir(parents=True, exist_ok=True)
    config = PipelineConfig(
        languages=tuple(languages), max_bytes=max_bytes, translation=translation.config()
    )
    rel_paths = discover_inputs(raw_dir)
    batches = [rel_paths[i : i + batch_size] for i in range(0, len(rel_paths), batch_size)]
    entries: list[IndexEntry] = []
    written = unchanged = translated = cached = 0
    missing: set[str] = set()
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
        translated += processed.sentences_translated
        cached += processed.sentences_cached
        missing |= processed.missing_pairs
        logger.info(
            "%s: %d documents, %d records written, %d sentences translated (%d from cache)",
            name, len(batch), result.written, processed.sentences_translated,
            processed.sentences_cached,
        )  # fmt: skip
    if missing:
        pairs = sorted(missing)
        logger.warning(
            "no translation model for %s; segments keep their original text. Install with: %s",
            ", ".join(pairs), install_command(Pair(*p.split("→")) for p in pairs),
        )  # fmt: skip
    write_run_index(processed_dir, entries)
    summary: dict[str, Any] = {
        "inputs": len(rel_paths),
        "records": len(entries),
        "written": written,
        "unchanged": unchanged,
        **summarise(entries),
        "sentences_translated": translated,
        "sentences_from_cache": cached,
        "missing_models": sorted(missing),
        "install_command": install_command(Pair(*p.split("→")) for p in sorted(missing))
        if missing
        else None,
        "seconds": round(time.monotonic() - started, 3),
    }
    return summary
