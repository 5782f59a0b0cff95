"""Process a batch of inputs into records and write them: the unit of work of one Prefect task.

Kept free of Prefect so that benchmarks and other engines call exactly the same code.
"""

from __future__ import annotations

import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from processors import __version__
from processors.clean import repeated_lines
from processors.config import PipelineConfig
from processors.document import Document, to_record
from processors.ingest import read_input
from processors.langid import LanguageDetector, default_candidates
from processors.pipeline import decode_step, detect_step, repair_step, source_lines, structure_step
from processors.record import IndexEntry, Record
from processors.translate import TranslationEngine, engine_for, translate_documents
from processors.writer import index_entry, load_record, record_path, write_record

# Failures that may not repeat on the next run, so an unchanged input is tried again.
TRANSIENT_CODES = frozenset({"unreadable", "write_error"})


@dataclass
class BatchStats:
    """What processing a batch took: translation counts, missing models, time per stage."""

    missing_pairs: set[str] = field(default_factory=set)
    sentences_translated: int = 0
    sentences_cached: int = 0
    seconds: dict[str, float] = field(default_factory=dict)
    """Time per stage: read, decode (with repair), clean, detect, translate."""


@dataclass
class BatchResult:
    """What a batch produced: records to write, and inputs left as they were."""

    records: list[Record] = field(default_factory=list)
    unchanged: list[IndexEntry] = field(default_factory=list)
    stats: BatchStats = field(default_factory=BatchStats)


@dataclass
class WriteResult:
    """Index entries of a written batch, with counts of files written and left untouched."""

    entries: list[IndexEntry] = field(default_factory=list)
    written: int = 0
    unchanged: int = 0
    write_errors: list[str] = field(default_factory=list)
    skipped: list[IndexEntry] = field(default_factory=list)
    """Entries of the batch's inputs that were not processed because they were up to date."""
    stats: BatchStats = field(default_factory=BatchStats)

    def take_summary(self, batch: BatchResult) -> None:
        """Carry the batch's entries and stats over, so that only this small object travels
        back to the flow (from another process, on a process pool or Dask); the records are
        released."""
        self.skipped = batch.unchanged
        self.stats = batch.stats
        batch.records = []


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


def process_batch(
    raw_dir: Path,
    processed_dir: Path,
    rel_paths: list[str],
    config: PipelineConfig,
    *,
    force: bool = False,
    flow_run_id: str | None = None,
    detector: LanguageDetector | None = None,
    engine: TranslationEngine | None = None,
) -> BatchResult:
    """Records for ``rel_paths``; inputs unchanged since their record was made are skipped
    (bytes, lingoflow version and settings digest all equal) unless ``force``.

    Lines repeated across most documents of one folder are site chrome (rule ``repeated``);
    the statistic covers the documents processed in this batch, so it applies on first runs
    and forced runs, where whole folders are processed together.
    """
    detector = detector or detector_for(
        default_candidates(config.languages), config.langdetect_seed
    )
    if config.translation.enabled and engine is None:
        engine = engine_for(config.translation)
    digest = config.digest(engine.fingerprint() if engine else "")
    result = BatchResult()
    clock = _Clock(result.stats.seconds)
    docs = []
    for rel_path in rel_paths:
        with clock("read"):
            doc = read_input(raw_dir, rel_path, config.max_bytes)
            existing = None if force else load_record(record_path(processed_dir, doc.doc_id))
        if existing is not None and is_up_to_date(existing, doc.sha256, digest):
            result.unchanged.append(index_entry(existing))
            continue
        with clock("decode"):
            decode_step(doc)
            docs.append(repair_step(doc, config.repair))
    with clock("clean"):
        repeated = repeated_by_source(docs, config)
        for doc in docs:
            structure_step(doc, config, repeated.get(source_key(doc), frozenset()))
    with clock("detect"):
        for doc in docs:
            detect_step(doc, detector, config.languages)
    if engine is not None:
        with clock("translate"):
            report = translate_documents(docs, engine, config.languages)
        result.stats.missing_pairs = {str(pair) for pair in report.missing}
        result.stats.sentences_translated = report.stats.translated
        result.stats.sentences_cached = report.stats.cached
    for doc in docs:
        result.records.append(
            to_record(
                doc,
                config.languages,
                version=__version__,
                settings_digest=digest,
                flow_run_id=flow_run_id,
            )
        )
    return result


_DETECTORS: dict[tuple[tuple[str, ...], int], LanguageDetector] = {}
_DETECTORS_LOCK = threading.Lock()


def detector_for(candidates: tuple[str, ...], seed: int) -> LanguageDetector:
    """One detector per candidate set and seed per process, reused by every batch (building
    one loads langdetect profiles and word lists)."""
    with _DETECTORS_LOCK:
        key = (candidates, seed)
        if key not in _DETECTORS:
            _DETECTORS[key] = LanguageDetector(candidates, seed=seed)
        return _DETECTORS[key]


class _Clock:
    """Adds the time spent in ``with clock(stage):`` blocks to ``seconds[stage]``."""

    def __init__(self, seconds: dict[str, float]) -> None:
        self.seconds = seconds
        self.stage = ""
        self.start = 0.0

    def __call__(self, stage: str) -> _Clock:
        self.stage = stage
        return self

    def __enter__(self) -> None:
        self.start = time.perf_counter()

    def __exit__(self, *exc: object) -> None:
        elapsed = time.perf_counter() - self.start
        self.seconds[self.stage] = self.seconds.get(self.stage, 0.0) + elapsed


def source_key(doc: Document) -> str:
    """Documents of one source share their folder under the raw directory."""
    return str(PurePosixPath(doc.rel_path).parent)


def repeated_by_source(docs: list[Document], config: PipelineConfig) -> dict[str, frozenset[str]]:
    """Lines repeated across the documents of each source in this batch."""
    by_source: dict[str, list[list[str]]] = defaultdict(list)
    for doc in docs:
        by_source[source_key(doc)].append(source_lines(doc))
    return {key: repeated_lines(lines, config.clean) for key, lines in by_source.items()}


def write_batch(
    processed_dir: Path, records: list[Record], *, attempts: int = 1, retry_delay: float = 1.0
) -> WriteResult:
    """Write records atomically, skipping those whose content did not change.

    A record whose write fails is tried again, up to ``attempts`` times in all, ``retry_delay``
    seconds after the previous pass; what still fails is listed in ``write_errors`` (the old
    file, if any, is left whole).
    """
    result = WriteResult()
    pending = records
    for attempt in range(1, attempts + 1):
        if attempt > 1:
            time.sleep(retry_delay)
        failed: list[Record] = []
        result.write_errors = []
        for record in pending:
            try:
                written = write_record(processed_dir, record)
            except OSError as exc:
                failed.append(record)
                result.write_errors.append(f"{record.source.path}: {exc.strerror or exc}")
                continue
            result.entries.append(index_entry(record))
            if written:
                result.written += 1
            else:
                result.unchanged += 1
        if not failed:
            break
        pending = failed
    return result


def summarise(entries: list[IndexEntry]) -> dict[str, dict[str, int]]:
    """Counts of records by status and by language."""
    return {
        "by_status": dict(sorted(Counter(e.status for e in entries).items())),
        "by_language": dict(sorted(Counter(e.language for e in entries).items())),
    }
