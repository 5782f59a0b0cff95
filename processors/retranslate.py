"""Fill missing translations in existing records without cleaning the documents again.

Used after models are installed: each record's segments become blocks again (text, language,
sentence spans), go through the same translation step as a full run, and the record gets its
new texts, ``machine_translated``, errors and status. Records that come out the same are not
rewritten.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime

from lingoflow.processors.core.document import Block, Document, block_quality, translation_quality
from lingoflow.processors.core.languages import Pair
from lingoflow.processors.core.record import ErrorInfo, Record
from lingoflow.processors.translate.documents import rejected_message, translate_documents
from lingoflow.processors.translate.engine import TranslationEngine


@dataclass
class RetranslateResult:
    """Records changed by retranslation and the pairs still missing a model."""

    changed: list[Record] = field(default_factory=list)
    unchanged: int = 0
    missing_pairs: set[Pair] = field(default_factory=set)
    sentences_translated: int = 0
    quality_flags: dict[str, int] = field(default_factory=dict)
    glossary_applied: int = 0
    translations_rejected: int = 0


def needs_translation(record: Record) -> bool:
    """True when some segment lacks a language of the record's pair."""
    return any(
        segment.lang != "und" and not set(record.languages) <= set(segment.text)
        for segment in record.segments
    )


def retranslate_records(
    records: list[Record], engine: TranslationEngine, flow_run_id: str | None = None
) -> RetranslateResult:
    """Translate what is missing in ``records`` (grouped by language pair, batched)."""
    result = RetranslateResult()
    todo = [r for r in records if r.status != "failed" and needs_translation(r)]
    result.unchanged = len(records) - len(todo)
    by_languages: dict[tuple[str, ...], list[tuple[Record, Document]]] = {}
    for record in todo:
        doc = Document(rel_path=record.source.path, doc_id=record.doc_id)
        for segment in record.segments:
            block = Block(
                text=segment.text.get(segment.lang, ""),
                role=segment.role,
                lang=segment.lang,
                sentences=list(segment.sentences),
            )
            # keep what is there; translate only what is missing
            block.translations = {k: v for k, v in segment.text.items() if k != segment.lang}
            block.translation_sentences = {
                k: list(v) for k, v in segment.translation_sentences.items()
            }
            block.quality = {k: block_quality(q) for k, q in segment.translation_quality.items()}
            doc.blocks.append(block)
        by_languages.setdefault(tuple(record.languages), []).append((record, doc))
    for languages, pairs in by_languages.items():
        docs = [doc for _, doc in pairs]
        missing_blocks = _strip_complete(docs, languages)
        report = translate_documents(docs, engine, languages)
        _restore(missing_blocks)
        result.missing_pairs |= report.missing
        result.sentences_translated += report.stats.translated
        flags = Counter(result.quality_flags) + report.flags
        result.quality_flags = dict(sorted(flags.items()))
        result.glossary_applied += sum(report.glossary.values())
        result.translations_rejected += report.rejected
        for record, doc in pairs:
            updated = _updated(record, doc, flow_run_id)
            if updated.model_dump(exclude={"pipeline"}) == record.model_dump(exclude={"pipeline"}):
                result.unchanged += 1
            else:
                result.changed.append(updated)
    return result


def _strip_complete(
    docs: list[Document], languages: tuple[str, ...]
) -> list[tuple[Document, list[Block]]]:
    """Hide blocks that already have every translation, so only the rest are translated."""
    hidden = []
    for doc in docs:
        complete = [
            b for b in doc.blocks if all(t == b.lang or t in b.translations for t in languages)
        ]
        hidden.append((doc, doc.blocks))
        doc.blocks = [b for b in doc.blocks if b not in complete]
    return hidden


def _restore(hidden: list[tuple[Document, list[Block]]]) -> None:
    for doc, blocks in hidden:
        translated = {id(b): b for b in doc.blocks}
        doc.blocks = [translated.get(id(b), b) for b in blocks]


def _updated(record: Record, doc: Document, flow_run_id: str | None) -> Record:
    data = record.model_copy(deep=True)
    for segment, block in zip(data.segments, doc.blocks, strict=True):
        for target, text in block.translations.items():
            if target != segment.lang:
                segment.text[target] = text
        segment.machine_translated = sorted(k for k in segment.text if k != segment.lang)
        for target, spans in block.translation_sentences.items():
            if target in segment.machine_translated:
                segment.translation_sentences[target] = spans
        for target, found in block.quality.items():
            if target in segment.machine_translated or found.rejected:
                segment.translation_quality[target] = translation_quality(found)
    redone = {"missing_model", "translation_rejected"}
    data.errors = [e for e in data.errors if e.code not in redone] + [
        e for e in doc.errors if e.code == "missing_model"
    ]
    for segment in data.segments:  # by segment index: translation saw only some blocks
        for target, quality in sorted(segment.translation_quality.items()):
            if quality.rejected:
                message = rejected_message(segment.index, Pair(segment.lang, target), quality.flags)
                data.errors.append(ErrorInfo(stage="translate", code="translation_rejected",
                                             message=message))  # fmt: skip
    data.status = "partial" if data.errors else "ok"
    data.pipeline.processed_at = datetime.now(UTC).replace(microsecond=0)
    data.pipeline.flow_run_id = flow_run_id
    return data
