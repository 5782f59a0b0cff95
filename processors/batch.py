"""A batch of inputs, from files to written records: the unit of work of one Prefect task.

Kept free of Prefect so that benchmarks, tests and other engines run exactly the same code.
:func:`process_batch` reads the inputs and runs :func:`lingoflow.processors.pipeline.run_steps`
on those that changed; :func:`retranslate_batch` reads records and translates what they lack;
:func:`write_processed` writes either's records where they were made.
"""

from __future__ import annotations

import traceback
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from pydantic import Field

from lingoflow.processors import __version__
from lingoflow.processors.core.config import PipelineConfig
from lingoflow.processors.core.document import Document, to_record
from lingoflow.processors.core.record import IndexEntry, Record
from lingoflow.processors.core.storage import Folder, RemoteFolder
from lingoflow.processors.language.detector import LanguageDetector
from lingoflow.processors.output.records import (
    CorruptRecordError,
    index_entry,
    iter_records,
    load_record_in,
    orphaned_records,
)
from lingoflow.processors.output.writer import write_batch
from lingoflow.processors.pipeline import StageClock, guarded, run_steps
from lingoflow.processors.read.ingest import doc_id_for, ingest_step
from lingoflow.processors.retranslate import retranslate_records
from lingoflow.processors.translate.documents import TranslationCounts
from lingoflow.processors.translate.engine import TranslationEngine, engine_for
from lingoflow.processors.translate.glossary import glossary_digest

# Failures that may not repeat on the next run, so an unchanged input is tried again.
TRANSIENT_CODES = frozenset({"unreadable", "too_slow"})

WRITE_ATTEMPTS = 3
WRITE_RETRY_DELAY = 1.0


class BatchCounts(TranslationCounts):
    """What a batch (or a whole run) counted besides its records: translation, corrupt
    record files found, time per stage."""

    corrupt: list[str] = Field(
        default_factory=list,
        description="Corrupt record files found, as 'name: reason' (processing replaces them "
        "by processing their input again; retranslation leaves them out of the index).",
    )
    stage_seconds: dict[str, float] = Field(
        default_factory=dict,
        description="Seconds per stage, summed over batches: read, decode (with repair), "
        "clean, detect, translate.",
    )

    def add(self, other: TranslationCounts) -> None:
        """Add ``other``'s counts to these."""
        super().add(other)
        if isinstance(other, BatchCounts):
            self.corrupt += other.corrupt
            seconds = Counter(self.stage_seconds) + Counter(other.stage_seconds)
            self.stage_seconds = {k: round(v, 3) for k, v in sorted(seconds.items())}


@dataclass
class BatchResult:
    """What a batch produced: records to write, and the index entries of the inputs (or
    records) left as they were because they were up to date."""

    records: list[Record] = field(default_factory=list)
    up_to_date: list[IndexEntry] = field(default_factory=list)
    counts: BatchCounts = field(default_factory=lambda: BatchCounts())
    tracebacks: dict[str, str] = field(default_factory=dict)
    """The traceback of each document an unexpected error failed (internal_error), by path:
    for the log, once."""


@dataclass
class BatchOutcome:
    """A processed and written batch, small enough to travel back to the flow from another
    process: index entries and counts, no records."""

    entries: list[IndexEntry] = field(default_factory=list)
    """Every input of the batch: written, rewritten identically, or skipped as up to date."""
    written: int = 0
    """Records whose file was created or changed."""
    identical: int = 0
    """Records made again whose content came out the same (not rewritten)."""
    up_to_date: int = 0
    """Inputs (or records) left alone because their record was up to date."""
    counts: BatchCounts = field(default_factory=lambda: BatchCounts())


def is_up_to_date(existing: Record | None, sha256: str | None, digest: str) -> bool:
    """True when ``existing`` was made from the same bytes, version and settings."""
    if existing is None or sha256 is None:
        return False
    if any(e.code in TRANSIENT_CODES for e in existing.errors):
        return False
    return (
        existing.source.sha256 == sha256
        and existing.pipeline.version == __version__
        and existing.pipeline.settings_digest == digest
    )


def settings_digest(config: PipelineConfig, engine: TranslationEngine | None) -> str:
    """The digest every record carries (:meth:`PipelineConfig.digest`): the settings, the
    installed translation packages and the glossary's entries."""
    packages = engine.fingerprint() if engine else ""
    return config.digest(packages, glossary_digest(config.translation.glossary))


def process_batch(
    raw_dir: Folder,
    processed_dir: Folder,
    rel_paths: list[str],
    config: PipelineConfig,
    *,
    force: bool = False,
    flow_run_id: str | None = None,
    detector: LanguageDetector | None = None,
    engine: TranslationEngine | None = None,
    known: dict[str, str] | None = None,
) -> BatchResult:
    """Records for ``rel_paths``; inputs unchanged since their record was made are skipped
    (bytes, lingoflow version and settings digest all equal) unless ``force``. ``known``
    gives the SHA-256 of inputs whose listing shows them unchanged since they were last
    read (objects in a bucket, :func:`unchanged_inputs`): those are not downloaded to be
    compared, only when their record is not up to date.

    Lines repeated across most documents of one folder are site chrome (rule ``repeated``);
    the statistic covers the documents processed in this batch, so it applies on first runs
    and forced runs, where whole folders are processed together.
    """
    if config.translation.enabled and engine is None:
        engine = engine_for(config.translation)
    digest = settings_digest(config, engine)
    result = BatchResult()
    clock = StageClock(result.counts.stage_seconds)
    docs = []
    known = known or {}
    for rel_path in rel_paths:
        with clock("read"):
            doc = Document(rel_path=rel_path, doc_id=doc_id_for(rel_path))
            existing = None
            if not force:
                try:
                    existing = load_record_in(processed_dir, doc.doc_id)
                except CorruptRecordError as exc:
                    result.counts.corrupt.append(str(exc))
            if existing is not None and is_up_to_date(existing, known.get(rel_path), digest):
                result.up_to_date.append(index_entry(existing))
                continue
            guarded("ingest", config.document_timeout, ingest_step, doc, raw_dir, config.max_bytes)
        if existing is not None and is_up_to_date(existing, doc.source.sha256, digest):
            result.up_to_date.append(index_entry(existing))
            continue
        docs.append(doc)
    report = run_steps(docs, config, detector=detector, engine=engine, clock=clock)
    if report is not None:
        result.counts.add(report.counts)
    for doc in docs:
        result.records.append(record_of(doc, config, digest, flow_run_id))
        if doc.traceback:
            result.tracebacks[doc.source.path] = doc.traceback
    return result


def record_of(
    doc: Document, config: PipelineConfig, digest: str, flow_run_id: str | None
) -> Record:
    """The record of a processed document; one that cannot be built (a bug) becomes a failed
    record saying why, so that the input still has its record."""
    try:
        return to_record(
            doc,
            config.languages,
            version=__version__,
            settings_digest=digest,
            flow_run_id=flow_run_id,
        )
    except Exception as exc:
        failed = Document(rel_path=doc.rel_path, doc_id=doc.doc_id)
        failed.source = doc.source
        failed.fail("write", "internal_error", f"{type(exc).__name__} building the record: {exc}")
        doc.traceback = traceback.format_exc()
        return to_record(
            failed,
            config.languages,
            version=__version__,
            settings_digest=digest,
            flow_run_id=flow_run_id,
        )


def write_processed(
    processed_dir: Folder,
    batch: BatchResult,
    *,
    attempts: int = WRITE_ATTEMPTS,
    retry_delay: float = WRITE_RETRY_DELAY,
) -> BatchOutcome:
    """Write a batch's records where they were made (records never travel between
    processes), trying failed writes again; raise OSError when some still fail, which fails
    the run. The batch's records are released."""
    written = write_batch(processed_dir, batch.records, attempts=attempts, retry_delay=retry_delay)
    if written.write_errors:
        errors = written.write_errors
        raise OSError(f"{len(errors)} record(s) not written: {errors[0]}")
    batch.records = []
    return BatchOutcome(
        entries=[*batch.up_to_date, *written.entries],
        written=written.written,
        identical=written.identical,
        up_to_date=len(batch.up_to_date),
        counts=batch.counts,
    )


def retranslate_batch(
    paths: list[Path], engine: TranslationEngine, *, flow_run_id: str | None = None
) -> BatchResult:
    """The records at ``paths`` with what they lack translated
    (:func:`~lingoflow.processors.retranslate.retranslate_records`); records that lack
    nothing are up to date, corrupt ones are counted and left out."""
    result = BatchResult()
    records = list(iter_records(paths, result.counts.corrupt))
    done = retranslate_records(records, engine, flow_run_id=flow_run_id)
    result.records = done.records
    result.up_to_date = [index_entry(r) for r in done.complete]
    result.counts.add(done.counts)
    return result


T = TypeVar("T")


def split_batches(items: Sequence[T], size: int) -> list[list[T]]:
    """``items`` in consecutive batches of at most ``size``.

    >>> split_batches(["a", "b", "c", "d", "e"], 2)
    [['a', 'b'], ['c', 'd'], ['e']]
    """
    return [list(items[i : i + size]) for i in range(0, len(items), size)]


def batch_name(index: int, total: int) -> str:
    """The readable name of batch ``index`` (from 0) of ``total``: task runs and logs use it.

    >>> batch_name(2, 16)
    'batch-0003-of-0016'
    """
    return f"batch-{index + 1:04d}-of-{total:04d}"


def batches_in_flight(processes: int, parallel_batches: int | None = None) -> int:
    """Batches submitted at once: ``parallel_batches`` when given, else 1 in one process (the
    work is CPU-bound: threads only contend) and twice the processes on a pool, so that none
    waits for work.

    >>> batches_in_flight(1), batches_in_flight(4), batches_in_flight(4, 3)
    (1, 8, 3)
    """
    if parallel_batches:
        return parallel_batches
    return 2 * processes if processes > 1 else 1


def orphans(processed_dir: Folder, rel_paths: Iterable[str], *, prune: bool) -> list[str]:
    """File names of the records in ``processed_dir`` whose input is not among
    ``rel_paths``; deleted when ``prune``."""
    found = orphaned_records(processed_dir, {doc_id_for(p) for p in rel_paths})
    if prune:
        for name in found:
            if isinstance(processed_dir, RemoteFolder):
                processed_dir.remove(name)
            else:
                (processed_dir / name).unlink(missing_ok=True)
    return found


def unchanged_inputs(
    rel_paths: Iterable[str], versions: dict[str, str], sources: dict[str, tuple[str, str]]
) -> dict[str, str]:
    """The SHA-256 of each of ``rel_paths`` whose listed version is the one recorded when it
    was last read (:func:`~lingoflow.processors.output.records.read_sources`).

    >>> listed = {"a": "3:e1", "b": "4:e2"}
    >>> unchanged_inputs(["a", "b"], listed, {"a": ("3:e1", "ff"), "b": ("4:e0", "00")})
    {'a': 'ff'}
    """
    found = {}
    for path in rel_paths:
        seen = sources.get(path)
        if seen is not None and versions.get(path) == seen[0]:
            found[path] = seen[1]
    return found
