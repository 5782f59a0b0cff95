"""The working model that flows through the processors, and its conversion to a record."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, cast

from lingoflow.processors.core.record import (
    ErrorInfo,
    Metadata,
    Pipeline,
    QualityFlag,
    Record,
    Removed,
    Role,
    Segment,
    Source,
    Stage,
    Status,
    TitleSource,
    TranslationQuality,
)


@dataclass
class Quality:
    """What is known of one machine translation of a block: the model's score, the quality
    flags raised, the glossary terms forced into it, whether it was rejected (left out of
    the record's text because it was flagged), and the packages that made it."""

    score: float | None = None
    flags: list[str] = field(default_factory=list)
    glossary: list[str] = field(default_factory=list)
    rejected: bool = False
    packages: list[str] = field(default_factory=list)


@dataclass
class Block:
    """A piece of the document with a structural role, before language detection."""

    text: str
    role: Role = "paragraph"
    level: int | None = None
    marker: str | None = None
    footnote_of: int | None = None
    sentences: list[tuple[int, int]] = field(default_factory=list)
    lang: str = "und"
    lang_confidence: float = 0.0
    other_langs: list[str] = field(default_factory=list)
    translations: dict[str, str] = field(default_factory=dict)
    translation_sentences: dict[str, list[tuple[int, int]]] = field(default_factory=dict)
    quality: dict[str, Quality] = field(default_factory=dict)


@dataclass
class PageBlock:
    """A run of visible text of a web page, as the markup holds it, before anything decides
    whether it is content (:mod:`lingoflow.processors.read.dom` reads them,
    :mod:`lingoflow.processors.clean.page_blocks` keeps or drops them)."""

    text: str
    tag: str
    """The block-level element that holds the text (``p``, ``h2``, ``li``, ``td``, ``div``)."""
    heading: int = 0
    """1-6 inside ``<h1>``-``<h6>``, else 0."""
    list_level: int = 0
    """How many lists (``ul``, ``ol``, ``dl``, ``menu``) it stands in."""
    in_list_item: bool = False
    table: bool = False
    row: int = -1
    """The table row it stands in (a page-wide counter), -1 outside tables."""
    cell: bool = False
    link_share: float = 0.0
    """The share of its characters inside links."""
    chrome: bool = False
    """Inside ``nav``, ``header``, ``footer``, ``aside``, ``menu`` or ``role="navigation"``."""
    form: bool = False
    chrome_words: int = 0
    """Ancestors whose class or id names site chrome (menu, sidebar, breadcrumb, footer)."""
    social_words: int = 0
    """Ancestors whose class or id names widgets (share, related, comments, ads)."""
    content_words: int = 0
    """Ancestors whose class or id names content (article, post, story, body)."""
    nearest_words: str = ""
    """What the nearest ancestor whose class or id names anything names: ``chrome``,
    ``social``, ``content`` or nothing."""
    article: bool = False
    """Inside ``<article>``, ``<main>``, ``role="main"`` or ``itemprop="articleBody"``."""
    caption: bool = False
    quote: bool = False
    paragraph: bool = False
    depth: int = 0
    container: int = 0
    """The element that holds the text (a page-wide counter): blocks of one list share
    their list's parent."""
    ancestors: tuple[int, ...] = ()
    """The block-level elements it stands in, outermost first (page-wide counters)."""


@dataclass
class Document:
    """One input file on its way to a record.

    Steps fill the fields in order (ingest, decode, repair, clean, detect, translate); a step
    that cannot go on calls :meth:`fail` and later steps leave the document alone.
    """

    rel_path: str
    doc_id: str
    data: bytes | None = None
    source: Source = field(init=False)
    """What the record will say of the input: its bytes' digest and size, the media type
    recognised, the encoding decoded with (filled by ingest and decode)."""
    text: str = ""
    html: str | None = None
    blocks: list[Block] = field(default_factory=list)
    removed: list[Removed] = field(default_factory=list)
    metadata: Metadata = field(default_factory=Metadata)
    errors: list[ErrorInfo] = field(default_factory=list)
    warnings: list[ErrorInfo] = field(default_factory=list)
    language: str = "und"
    language_shares: dict[str, float] = field(default_factory=dict)
    failed: bool = False
    seconds: float = 0.0
    """Time spent on the document so far (its time budget is spent against it)."""
    traceback: str | None = None
    """The traceback of an unexpected exception that failed the document (internal_error),
    for the log; records do not carry it."""
    office: OfficeText | None = None
    """A PDF, DOCX or HWPX document as its reader read it, until cleaning."""

    def __post_init__(self) -> None:
        self.source = Source(
            path=displayable(self.rel_path),
            sha256=None,
            bytes=None,
            media_type=None,
            encoding=None,
            encoding_confidence=None,
        )

    def fail(self, stage: Stage, code: str, message: str) -> None:
        """Mark the document failed: no content will be produced."""
        self.errors.append(ErrorInfo(stage=stage, code=code, message=message))
        self.failed = True
        self.data = None
        self.text = ""
        self.html = None
        self.blocks = []

    def add_error(self, stage: Stage, code: str, message: str) -> None:
        """Record a problem that leaves the document usable (status partial)."""
        self.errors.append(ErrorInfo(stage=stage, code=code, message=message))

    def add_warning(self, stage: Stage, code: str, message: str) -> None:
        """Record a fact worth knowing that is no problem (status stays ok)."""
        self.warnings.append(ErrorInfo(stage=stage, code=code, message=message))

    @property
    def status(self) -> Status:
        if self.failed:
            return "failed"
        return "partial" if self.errors else "ok"


def to_record(
    doc: Document,
    languages: tuple[str, ...],
    *,
    version: str,
    settings_digest: str,
    flow_run_id: str | None = None,
    processed_at: datetime | None = None,
) -> Record:
    """Build the output record of a processed document."""
    segments = [
        Segment(
            index=i,
            role=block.role,
            lang=block.lang,
            lang_confidence=round(block.lang_confidence, 4),
            text={block.lang: block.text, **_other(block.translations, block.lang)},
            machine_translated=sorted(_other(block.translations, block.lang)),
            other_langs=block.other_langs,
            level=block.level,
            marker=block.marker,
            footnote_of=block.footnote_of,
            sentences=block.sentences,
            translation_sentences={
                lang: spans
                for lang, spans in sorted(block.translation_sentences.items())
                if lang in block.translations and lang != block.lang
            },
            translation_quality={
                lang: _translation_quality(found)
                for lang, found in sorted(block.quality.items())
                if lang != block.lang and (lang in block.translations or found.rejected)
            },
        )
        for i, block in enumerate(doc.blocks)
    ]
    return Record(
        doc_id=doc.doc_id,
        status=doc.status,
        errors=doc.errors,
        warnings=doc.warnings,
        source=doc.source,
        metadata=doc.metadata,
        languages=list(languages),
        language=doc.language,
        language_shares=doc.language_shares,
        segments=segments,
        removed=doc.removed,
        pipeline=Pipeline(
            version=version,
            processed_at=(processed_at or datetime.now(UTC)).replace(microsecond=0),
            flow_run_id=flow_run_id,
            settings_digest=settings_digest,
        ),
    )


def _translation_quality(found: Quality) -> TranslationQuality:
    """The record's form of a block's ``quality`` entry (score rounded to 4 places)."""
    return TranslationQuality(
        score=None if found.score is None else round(found.score, 4),
        flags=cast("list[QualityFlag]", found.flags),
        glossary=found.glossary,
        rejected=found.rejected,
        packages=found.packages,
    )


def displayable(path: str) -> str:
    """``path`` as a record can hold it: a file name's bytes that are not UTF-8 (which Python
    keeps as lone surrogates) written as ``\\xNN``.

    >>> displayable("caf\\udce9.txt"), displayable("café.txt")
    ('caf\\\\xe9.txt', 'café.txt')
    """
    return path.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def document_from_record(record: Record) -> Document:
    """The document a record was built from, as far as the record holds it (no bytes, no
    raw text): :func:`to_record` of it gives the record back, but for ``processed_at``.
    Translating it again and building its record is how a record is retranslated."""
    doc = Document(
        rel_path=record.source.path,
        doc_id=record.doc_id,
        removed=list(record.removed),
        metadata=record.metadata.model_copy(deep=True),
        errors=list(record.errors),
        warnings=list(record.warnings),
        language=record.language,
        language_shares=dict(record.language_shares),
        failed=record.status == "failed",
    )
    doc.source = record.source.model_copy()
    for segment in record.segments:
        doc.blocks.append(
            Block(
                text=segment.text.get(segment.lang, ""),
                role=segment.role,
                level=segment.level,
                marker=segment.marker,
                footnote_of=segment.footnote_of,
                sentences=list(segment.sentences),
                lang=segment.lang,
                lang_confidence=segment.lang_confidence,
                other_langs=list(segment.other_langs),
                translations=_other(segment.text, segment.lang),
                translation_sentences={
                    k: list(v) for k, v in segment.translation_sentences.items()
                },
                quality={
                    k: Quality(
                        q.score, list(q.flags), list(q.glossary), q.rejected, list(q.packages)
                    )
                    for k, q in segment.translation_quality.items()
                },
            )
        )
    return doc


def _other(translations: Mapping[str, Any], lang: str) -> dict[str, str]:
    return {k: v for k, v in translations.items() if k != lang}


@dataclass
class OfficeText:
    """A document read by a format reader: its text in the form the text path reads (see the
    module docstring), what was removed and why, and its own metadata."""

    text: str = ""
    removed: list[Removed] = field(default_factory=list)
    title: str | None = None
    title_source: TitleSource | None = None
    author: str | None = None
