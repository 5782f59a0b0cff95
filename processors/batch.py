"""A batch of inputs, from files to written records: the unit of work of one Prefect task.

Kept free of Prefect so that benchmarks, tests and other engines run exactly the same code.
:func:`process_batch` reads the inputs and runs :func:`lingoflow.processors.pipeline.run_steps`
on those that changed; :func:`retranslate_batch` reads records and translates what they lack;
:func:`write_processed` writes either's records where they were made.
"""

from __future__ import annotations

import traceback
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from pydantic import Field

from lingoflow.processors import __version__
from lingoflow.processors.core.config import PipelineConfig
from lingoflow.processors.core.document import Document, to_record
from lingoflow.processors.core.record import IndexEntry, Record
from lingoflow.processors.core.storage import Folder, RemoteFolder
from lingoflow.processors.language.detector import LanguageDetector
from lingoflow.processors.output.records import (
    TRANSIENT_CODES,
    CorruptRecordError,
    KeySet,
    SortedLookup,
    SourceState,
    index_entry,
    iter_records_in,
    load_records_in,
    made_with,
    orphaned_records,
)
from lingoflow.processors.output.writer import write_batch
from lingoflow.processors.pipeline import StageClock, guarded, run_steps
from lingoflow.processors.read.ingest import doc_id_for, ingest_step, prefetch_inputs
from lingoflow.processors.retranslate import retranslate_records
from lingoflow.processors.translate.documents import TranslationCounts
from lingoflow.processors.translate.engine import TranslationEngine, engine_for
from lingoflow.processors.translate.glossary import glossary_digest

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
    made: dict[str, str] = field(default_factory=dict)
    """:func:`~lingoflow.processors.output.records.made_with` of the records left up to
    date, by input path."""
    previous: dict[str, Record | None] = field(default_factory=dict)
    """The record each input had when the batch read it (None: none, or a corrupt one), by
    doc_id: what the writer compares with instead of reading it again."""
    versions: dict[str, str] = field(default_factory=dict)
    """The listed version of each input in object storage (:attr:`InputHints.versions`)."""


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
    versions: dict[str, str] = field(default_factory=dict)
    """The listed version of each input in object storage, by path."""
    made: dict[str, str] = field(default_factory=dict)
    """What each input's record was made with, by input path (for inputs in object storage:
    :data:`~lingoflow.processors.output.records.SOURCES_NAME`)."""


@dataclass
class InputHints:
    """What a run knows of a batch's inputs in object storage before reading any of them,
    from one listing of each folder and the files the last run left (:func:`input_hints`)."""

    versions: dict[str, str] = field(default_factory=dict)
    """The listed version of each input of the batch (size and ETag)."""
    unchanged: dict[str, SourceState] = field(default_factory=dict)
    """Inputs whose listed version is the one last read, with what was known of them then."""
    entries: dict[str, IndexEntry] = field(default_factory=dict)
    """Their lines in the last index."""
    present: set[str] | None = None
    """doc_ids with a record in the processed folder (None: not listed; every one is read)."""


def input_hints(
    versions: dict[str, str],
    sources: SortedLookup[SourceState] | None = None,
    index: SortedLookup[IndexEntry] | None = None,
    present: KeySet | None = None,
) -> InputHints:
    """The hints of one batch, whose inputs have the listed ``versions``: those whose version
    is the one in ``sources``, their ``index`` entries, and which records are ``present``.
    The lookups are asked in ascending order of path, as the listing gives the batches.

    >>> old = [("a", SourceState("3:e1", "ff", "1 d")), ("b", SourceState("4:e0", "00", "1 d"))]
    >>> sorted(input_hints({"a": "3:e1", "b": "4:e2"}, SortedLookup(iter(old))).unchanged)
    ['a']
    """
    hints = InputHints(versions=dict(versions))
    if present is not None:  # only this batch's: the hints travel with each task
        hints.present = {i for i in map(doc_id_for, versions) if i in present}
    for path in sorted(versions):
        seen = sources.get(path) if sources is not None else None
        if seen is not None and versions[path] == seen.version:
            hints.unchanged[path] = seen
            entry = index.get(path) if index is not None else None
            if entry is not None:
                hints.entries[path] = entry
    return hints


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
    hints: InputHints | None = None,
) -> BatchResult:
    """Records for ``rel_paths``; inputs unchanged since their record was made are skipped
    (bytes, lingoflow version and settings digest all equal) unless ``force``.

    With ``hints`` (inputs in object storage, :func:`input_hints`), an input whose listed
    version is the one last read and whose record was made with the current version and
    settings is skipped without a request (its entry of the last index is kept), one whose
    record was made otherwise is judged by its record without downloading the input, and
    records the processed folder's listing does not show are not asked for. The inputs left
    to read are read concurrently.

    Lines repeated across most documents of one folder are site chrome (rule ``repeated``);
    the statistic covers the documents processed in this batch, so it applies on first runs
    and forced runs, where whole folders are processed together.
    """
    if config.translation.enabled and engine is None:
        engine = engine_for(config.translation)
    digest = settings_digest(config, engine)
    current = f"{__version__} {digest}"
    hints = hints or InputHints()
    result = BatchResult(versions=hints.versions)
    clock = StageClock(result.counts.stage_seconds)
    ids = {p: doc_id_for(p) for p in rel_paths}
    if not force:
        for path in rel_paths:
            state, entry = hints.unchanged.get(path), hints.entries.get(path)
            if (
                state is not None
                and entry is not None
                and state.made_with == current
                and entry.doc_id == ids[path]
                and entry.sha256 == state.sha256
                and hints.present is not None
                and entry.doc_id in hints.present
            ):
                result.up_to_date.append(entry)
                result.made[path] = current
        rel_paths = [p for p in rel_paths if p not in result.made]
    present = hints.present
    with clock("read"):
        loaded = load_records_in(
            processed_dir, [ids[p] for p in rel_paths if present is None or ids[p] in present]
        )
    pending: list[tuple[Document, Record | None]] = []
    for rel_path in rel_paths:
        with clock("read"):
            doc = Document(rel_path=rel_path, doc_id=ids[rel_path])
            existing = loaded.get(doc.doc_id)
            if isinstance(existing, CorruptRecordError):
                result.counts.corrupt.append(str(existing))
                existing = None
            state = hints.unchanged.get(rel_path)
            known = state.sha256 if state else None
            if force or existing is None or not is_up_to_date(existing, known, digest):
                pending.append((doc, existing))
                result.previous[doc.doc_id] = existing
                continue
        result.up_to_date.append(index_entry(existing))
        result.made[rel_path] = made_with(existing)
    docs = []
    with clock("read"):
        source = prefetch_inputs(raw_dir, [d.rel_path for d, _ in pending], config.max_bytes)
    for doc, existing in pending:
        with clock("read"):
            guarded("ingest", config.document_timeout, ingest_step, doc, source, config.max_bytes)
        if existing and not force and is_up_to_date(existing, doc.source.sha256, digest):
            result.up_to_date.append(index_entry(existing))
            result.made[doc.rel_path] = made_with(existing)
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
    written = write_batch(
        processed_dir,
        batch.records,
        attempts=attempts,
        retry_delay=retry_delay,
        previous=batch.previous,
    )
    if written.write_errors:
        errors = written.write_errors
        raise OSError(f"{len(errors)} record(s) not written: {errors[0]}")
    made = {**batch.made, **{r.source.path: made_with(r) for r in batch.records}}
    batch.records, batch.previous = [], {}
    return BatchOutcome(
        entries=[*batch.up_to_date, *written.entries],
        written=written.written,
        identical=written.identical,
        up_to_date=len(batch.up_to_date),
        counts=batch.counts,
        versions=batch.versions,
        made=made,
    )


def retranslate_batch(
    processed_dir: Folder,
    names: list[str],
    engine: TranslationEngine,
    *,
    flow_run_id: str | None = None,
) -> BatchResult:
    """The records ``names`` of ``processed_dir`` with what they lack translated
    (:func:`~lingoflow.processors.retranslate.retranslate_records`); records that lack
    nothing are up to date, corrupt ones are counted and left out."""
    result = BatchResult()
    records = list(iter_records_in(processed_dir, names, result.counts.corrupt))
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


def iter_batches(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """:func:`split_batches` of a stream: each batch as soon as its items have come.

    >>> list(iter_batches(iter("abcde"), 2))
    [['a', 'b'], ['c', 'd'], ['e']]
    """
    batch: list[T] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def batch_name(index: int, total: int | None) -> str:
    """The readable name of batch ``index`` (from 0) of ``total`` (None: a listing still
    streaming): task runs and logs use it.

    >>> batch_name(2, 16), batch_name(2, None)
    ('batch-0003-of-0016', 'batch-0003')
    """
    return f"batch-{index + 1:04d}" + (f"-of-{total:04d}" if total is not None else "")


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


def orphans(processed_dir: Folder, inputs: KeySet, *, prune: bool) -> list[str]:
    """File names of the records in ``processed_dir`` whose input's doc_id is not among
    ``inputs``; deleted when ``prune``."""
    found = orphaned_records(processed_dir, inputs)
    if prune:
        for name in found:
            if isinstance(processed_dir, RemoteFolder):
                processed_dir.remove(name)
            else:
                (processed_dir / name).unlink(missing_ok=True)
    return found
