"""A batch of inputs, from files to written records: the unit of work of one Prefect task.

Kept free of Prefect so that benchmarks, tests and other engines run exactly the same code.
:func:`process_batch` reads the inputs and runs :func:`lingoflow.processors.pipeline.run_steps`
on those that changed; :func:`write_processed` writes the records where they were made.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from lingoflow.processors import __version__
from lingoflow.processors.core.config import PipelineConfig
from lingoflow.processors.core.document import to_record
from lingoflow.processors.core.languages import Pair
from lingoflow.processors.core.record import IndexEntry, Record
from lingoflow.processors.language.detector import LanguageDetector
from lingoflow.processors.output.records import (
    CorruptRecordError,
    index_entry,
    load_record,
    record_path,
)
from lingoflow.processors.output.writer import write_batch
from lingoflow.processors.pipeline import StageClock, run_steps
from lingoflow.processors.read.ingest import read_input
from lingoflow.processors.translate.engine import TranslationEngine, engine_for
from lingoflow.processors.translate.glossary import glossary_digest

# Failures that may not repeat on the next run, so an unchanged input is tried again.
TRANSIENT_CODES = frozenset({"unreadable"})

WRITE_ATTEMPTS = 3
WRITE_RETRY_DELAY = 1.0


@dataclass
class BatchStats:
    """What processing a batch took: translation counts, missing models, time per stage."""

    missing_pairs: set[Pair] = field(default_factory=set)
    sentences_translated: int = 0
    sentences_cached: int = 0
    quality_flags: dict[str, int] = field(default_factory=dict)
    """Quality flags raised, by kind (one per segment and target language)."""
    glossary_applied: int = 0
    """Glossary terms used in translations (one per term, segment and target language)."""
    translations_rejected: int = 0
    """Flagged translations left out (reject_flagged)."""
    corrupt: list[str] = field(default_factory=list)
    """Existing records that were corrupt (file name: reason); their input was processed again
    and the corrupt file replaced."""
    seconds: dict[str, float] = field(default_factory=dict)
    """Time per stage: read, decode (with repair), clean, detect, translate."""


@dataclass
class BatchResult:
    """What a batch produced: records to write, and inputs left as they were."""

    records: list[Record] = field(default_factory=list)
    unchanged: list[IndexEntry] = field(default_factory=list)
    stats: BatchStats = field(default_factory=BatchStats)


@dataclass
class BatchOutcome:
    """A processed and written batch, small enough to travel back to the flow from another
    process: index entries and counts, no records."""

    entries: list[IndexEntry] = field(default_factory=list)
    """Every input of the batch: written, rewritten identically, or skipped as up to date."""
    written: int = 0
    """Records whose file was created or changed."""
    identical: int = 0
    """Records processed again whose content came out the same (not rewritten)."""
    skipped: int = 0
    """Inputs not processed because their record was up to date."""
    stats: BatchStats = field(default_factory=BatchStats)


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
    if config.translation.enabled and engine is None:
        engine = engine_for(config.translation)
    digest = settings_digest(config, engine)
    result = BatchResult()
    clock = StageClock(result.stats.seconds)
    docs = []
    for rel_path in rel_paths:
        with clock("read"):
            doc = read_input(raw_dir, rel_path, config.max_bytes)
            existing = None
            if not force:
                try:
                    existing = load_record(record_path(processed_dir, doc.doc_id))
                except CorruptRecordError as exc:
                    result.stats.corrupt.append(str(exc))
        if existing is not None and is_up_to_date(existing, doc.sha256, digest):
            result.unchanged.append(index_entry(existing))
            continue
        docs.append(doc)
    report = run_steps(docs, config, detector=detector, engine=engine, clock=clock)
    if report is not None:
        result.stats.missing_pairs = set(report.missing)
        result.stats.sentences_translated = report.stats.translated
        result.stats.sentences_cached = report.stats.cached
        result.stats.quality_flags = dict(report.flags)
        result.stats.glossary_applied = sum(report.glossary.values())
        result.stats.translations_rejected = report.rejected
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


def write_processed(
    processed_dir: Path,
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
        entries=[*batch.unchanged, *written.entries],
        written=written.written,
        identical=written.unchanged,
        skipped=len(batch.unchanged),
        stats=batch.stats,
    )
