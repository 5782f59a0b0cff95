"""Process a batch of inputs into records: the unit of work of one Prefect task.

Kept free of Prefect so that benchmarks and other engines call exactly the same code.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from processors import __version__
from processors.config import PipelineConfig
from processors.document import to_record
from processors.ingest import read_input
from processors.langid import LanguageDetector, default_candidates
from processors.pipeline import process_document
from processors.record import IndexEntry, Record
from processors.writer import index_entry, load_record, record_path, write_record

# Failures that may not repeat on the next run, so an unchanged input is tried again.
TRANSIENT_CODES = frozenset({"unreadable", "write_error"})


@dataclass
class BatchResult:
    """What a batch produced: records to write, and inputs left as they were."""

    records: list[Record] = field(default_factory=list)
    unchanged: list[IndexEntry] = field(default_factory=list)


@dataclass
class WriteResult:
    """Index entries of a written batch, with counts of files written and left untouched."""

    entries: list[IndexEntry] = field(default_factory=list)
    written: int = 0
    unchanged: int = 0
    write_errors: list[str] = field(default_factory=list)


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
) -> BatchResult:
    """Records for ``rel_paths``; inputs unchanged since their record was made are skipped
    (bytes, lingoflow version and settings digest all equal) unless ``force``."""
    detector = detector or LanguageDetector(
        default_candidates(config.languages), seed=config.langdetect_seed
    )
    digest = config.digest()
    result = BatchResult()
    for rel_path in rel_paths:
        doc = read_input(raw_dir, rel_path, config.max_bytes)
        if not force:
            existing = load_record(record_path(processed_dir, doc.doc_id))
            if existing is not None and is_up_to_date(existing, doc.sha256, digest):
                result.unchanged.append(index_entry(existing))
                continue
        process_document(doc, config, detector)
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


def write_batch(processed_dir: Path, records: list[Record]) -> WriteResult:
    """Write records atomically, skipping those whose content did not change."""
    result = WriteResult()
    for record in records:
        try:
            written = write_record(processed_dir, record)
        except OSError as exc:
            result.write_errors.append(f"{record.source.path}: {exc.strerror or exc}")
            continue
        result.entries.append(index_entry(record))
        if written:
            result.written += 1
        else:
            result.unchanged += 1
    return result


def summarise(entries: list[IndexEntry]) -> dict[str, dict[str, int]]:
    """Counts of records by status and by language."""
    return {
        "by_status": dict(sorted(Counter(e.status for e in entries).items())),
        "by_language": dict(sorted(Counter(e.language for e in entries).items())),
    }
