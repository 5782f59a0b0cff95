"""Fill missing translations in existing records without cleaning the documents again.

Used after models are installed: each record becomes its document again
(:func:`~lingoflow.processors.core.document.document_from_record`), goes through the same
translation step as a full run, which translates only what a segment lacks, and is built
into a record by the same builder (:func:`~lingoflow.processors.core.document.to_record`).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from lingoflow.processors.core.document import Document, document_from_record, to_record
from lingoflow.processors.core.record import Record
from lingoflow.processors.translate.documents import TranslationCounts, translate_documents
from lingoflow.processors.translate.engine import TranslationEngine

REDONE_CODES = frozenset({"missing_model", "translation_rejected"})
"""Errors the translation step reports anew on every pass."""


@dataclass
class Retranslated:
    """Records that went through translation again, the records that lacked nothing, and
    what translation counted."""

    records: list[Record] = field(default_factory=list)
    complete: list[Record] = field(default_factory=list)
    counts: TranslationCounts = field(default_factory=lambda: TranslationCounts())


def needs_translation(record: Record) -> bool:
    """True when some segment lacks a language of the record's pair."""
    return record.status != "failed" and any(
        segment.lang != "und" and not set(record.languages) <= set(segment.text)
        for segment in record.segments
    )


def retranslate_records(
    records: list[Record], engine: TranslationEngine, *, flow_run_id: str | None = None
) -> Retranslated:
    """Translate what is missing in ``records``, batched per language pair. The records keep
    the version and settings digest they were made with; when and by which flow run they
    were last changed is updated."""
    result = Retranslated()
    by_languages: dict[tuple[str, ...], list[tuple[Record, Document]]] = defaultdict(list)
    for record in records:
        if not needs_translation(record):
            result.complete.append(record)
            continue
        doc = document_from_record(record)
        doc.errors = [e for e in doc.errors if e.code not in REDONE_CODES]
        by_languages[tuple(record.languages)].append((record, doc))
    for languages, pairs in by_languages.items():
        report = translate_documents([doc for _, doc in pairs], engine, languages)
        result.counts.add(report.counts)
        for record, doc in pairs:
            result.records.append(
                to_record(
                    doc,
                    languages,
                    version=record.pipeline.version,
                    settings_digest=record.pipeline.settings_digest,
                    flow_run_id=flow_run_id,
                )
            )
    return result
