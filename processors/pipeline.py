"""The processing steps of a document, and their one composition.

Each ``*_step`` takes a :class:`Document`, fills its next fields and returns it; a failed
document passes through untouched. :func:`run_steps` composes them over a batch of documents
(one document is a batch of one): decode and repair, lines repeated across each source,
cleaning, language detection, translation. :func:`lingoflow.processors.batch.process_batch`
reads the inputs and calls it; the Prefect tasks, the benchmarks and the tests all go through
that path.
"""

from __future__ import annotations

import gc
import threading
import time
import traceback
from collections import defaultdict
from collections.abc import Callable, Sequence
from pathlib import PurePosixPath
from typing import Concatenate, ParamSpec, TypeVar

from lingoflow.processors.clean.cleaner import clean_blocks, clean_text
from lingoflow.processors.clean.lines import Cleaned
from lingoflow.processors.clean.page_blocks import select_blocks
from lingoflow.processors.clean.removal import repeated_lines
from lingoflow.processors.core.budget import TooSlowError, time_budget
from lingoflow.processors.core.config import (
    DEFAULT_MAX_BYTES,
    CleanConfig,
    PipelineConfig,
    RepairConfig,
)
from lingoflow.processors.core.document import Block, Document, OfficeText, PageBlock, Quality
from lingoflow.processors.core.record import Stage
from lingoflow.processors.language.detector import (
    CACHE_SIZE,
    UNDETERMINED,
    Detection,
    LanguageDetector,
    default_candidates,
    detector_for,
)
from lingoflow.processors.read.decode import decode_bytes
from lingoflow.processors.read.formats import SUFFIXES, OfficeError, office_kind
from lingoflow.processors.read.html import (
    PARSER_DEPTH,
    HtmlExtraction,
    depth_cut,
    element_count,
    extract_html,
    fill_missing_metadata,
    looks_like_html,
    read_page,
    visible_text,
    visible_words_at_most,
)
from lingoflow.processors.read.office import read_office
from lingoflow.processors.text.characters import letter_counts
from lingoflow.processors.text.entities import metadata_date
from lingoflow.processors.text.garbling import garbled
from lingoflow.processors.text.normalize import normalize_line
from lingoflow.processors.text.repair import RepairReport, repair_text
from lingoflow.processors.translate.documents import TranslationReport, translate_documents
from lingoflow.processors.translate.engine import TranslationEngine
from lingoflow.processors.translate.packages import model_languages, packages_folder

P = ParamSpec("P")
R = TypeVar("R")

# Segments shorter than this (in letters) or detected with less confidence take the language
# of the document instead; their confidence is then reported below 0.5 (inherited).
MIN_LETTERS = 20
MIN_CONFIDENCE = 0.8
INHERITED_CONFIDENCE = 0.3


def guarded(
    stage: Stage,
    budget: float | None,
    step: Callable[Concatenate[Document, P], R],
    doc: Document,
    *args: P.args,
    **kwargs: P.kwargs,
) -> R | None:
    """``step(doc, *args, **kwargs)``, a step of ``doc``, run so that nothing it raises goes
    further than ``doc``: a document past its time budget (``budget`` seconds in all, see
    :mod:`lingoflow.processors.core.budget`) fails ``too_slow``; any other exception fails it
    ``internal_error``, naming the exception and the step (its traceback kept in
    ``doc.traceback`` for the log), and the other documents go on. A document that failed
    before is left alone (None)."""
    if doc.failed:
        return None
    started = time.monotonic()
    try:
        with time_budget(None if budget is None else budget - doc.seconds):
            return step(doc, *args, **kwargs)
    except TooSlowError:
        doc.fail(
            stage,
            "too_slow",
            f"processing took longer than the document time budget of {budget:g} s (at the "
            f"{stage} step); it is tried again on the next run",
        )
    except Exception as exc:
        doc.traceback = traceback.format_exc()
        doc.fail(stage, "internal_error", f"{type(exc).__name__} in the {stage} step: {exc}")
    finally:
        doc.seconds += time.monotonic() - started
    return None


def decode_step(doc: Document, max_bytes: int = DEFAULT_MAX_BYTES) -> Document:
    """Bytes to text; counts replaced bytes as an undecodable_bytes warning. PDF, DOCX and
    HWPX documents are read by their format's reader (archives expand to ``max_bytes`` at
    the most); one that cannot be read fails with the reader's reason."""
    if doc.failed or doc.data is None:
        return doc
    kind = office_kind(doc.source.media_type)
    if kind is not None:
        try:
            doc.office = read_office(doc.data, kind, max_bytes)
        except OfficeError as exc:
            doc.fail("decode", exc.code, exc.message)
            return doc
        doc.text, doc.data = doc.office.text, None
        return doc
    decoded = decode_bytes(doc.data)
    doc.source.encoding = decoded.encoding
    doc.source.encoding_confidence = decoded.confidence
    doc.text = decoded.text
    doc.data = None
    if decoded.replaced:
        doc.add_error(
            "decode",
            "undecodable_bytes",
            f"{decoded.replaced} byte(s) could not be decoded as {decoded.encoding} "
            "and were replaced with U+FFFD",
        )
    return doc


def repair_step(doc: Document, config: RepairConfig) -> Document:
    """Recognise HTML, then repair mojibake and normalise the text."""
    if doc.failed:
        return doc
    if doc.office is None and looks_like_html(doc.text):
        doc.source.media_type = "text/html"
        doc.html = doc.text
        doc.text = ""
    else:
        doc.source.media_type = doc.source.media_type if doc.office is not None else "text/plain"
        report = RepairReport()
        doc.text = repair_text(doc.text, config, report)
        warn_repairs(doc, report)
    return doc


def _repair_blocks(
    blocks: Sequence[Block | PageBlock], config: RepairConfig, report: RepairReport
) -> None:
    """Repair the texts of ``blocks`` in one pass over their lines (one call instead of one a
    block); block by block when repair joined or split lines."""
    texts = [block.text for block in blocks]
    if any("\n" in text for text in texts):
        repaired = [repair_text(text, config, report) for text in texts]
    else:
        repaired = repair_text("\n".join(texts), config, report).split("\n")
        if len(repaired) != len(blocks):
            repaired = [repair_text(text, config) for text in texts]
    for block, text in zip(blocks, repaired, strict=True):
        block.text = text


def warn_repairs(doc: Document, report: RepairReport) -> None:
    """The record's warnings for what repair did: ``repaired`` (which mojibake, on how many
    lines) and ``repair_uncertain`` (what was left as it was, and why)."""
    if summary := report.summary():
        doc.add_warning("repair", "repaired", summary)
    for doubt in dict.fromkeys(report.doubts):
        doc.add_warning("repair", "repair_uncertain", doubt)


def clean_step(
    doc: Document, config: PipelineConfig, repeated: frozenset[str] = frozenset()
) -> Document:
    """Boilerplate removed with reasons, notices separated, blocks with roles, metadata.

    ``repeated`` holds the lines repeated across documents of the same source
    (:func:`repeated_by_source`), empty when the document is processed alone.
    """
    if doc.failed:
        return doc
    if doc.html is not None:
        report = RepairReport()
        large, elements, cut = False, 0, None
        if config.clean.html_extractor != "blocks":
            elements = element_count(doc.html)
            if elements > config.clean.trafilatura_max_elements:
                # a page the parser cuts stays with trafilatura, whose fallback reads past it
                cut = depth_cut(doc.html)
                large = not cut
        if large:
            doc.add_warning(
                "clean",
                "large_page",
                f"the page opens {elements:,} elements, more than trafilatura_max_elements "
                f"({config.clean.trafilatura_max_elements:,}): it was read with the blocks "
                "extractor, whose work grows in proportion to the page",
            )
        if config.clean.html_extractor == "blocks" or large:
            page = read_page(doc.html)
            cut = page.cut
            _repair_blocks(page.page, config.repair, report)
            kept, dropped = select_blocks(page.page, config.clean)
            cleaned = clean_blocks(kept, config.clean, repeated)
            cleaned.removed = dropped + cleaned.removed
            fallback = None if large else _blocks_fallback(doc.html, page, cleaned, config)
            fill_missing_metadata(page)  # the page's metadata, whoever reads its text
            if fallback:
                doc.add_warning(
                    "clean", "extractor_fallback", f"{fallback}: the page was read with trafilatura"
                )
                report = RepairReport()  # the record reports what its own text went through
                _, cleaned = _with_trafilatura(doc, config, repeated, report, metadata=False)
        else:
            cut = depth_cut(doc.html) if cut is None else cut
            page, cleaned = _with_trafilatura(doc, config, repeated, report)
        if cut:
            doc.add_error(
                "clean",
                "markup_too_deep",
                f"the page nests its elements more than {PARSER_DEPTH} deep, where HTML "
                "parsers stop reading: text standing deeper is missing from the record",
            )
        warn_repairs(doc, report)
        doc.html = None
        meta = cleaned.metadata
        meta.title = page.title or meta.title
        meta.title_source = "html" if page.title else "text" if meta.title else None
        meta.organisation = page.sitename
        meta.url = page.url or meta.url
        meta.authors = [page.author] if page.author else meta.authors
        meta.published = metadata_date(page.date or "") or meta.published
        meta.declared_language = page.lang
        first = next((b for b in cleaned.blocks if b.role != "notice"), None)  # notices stand apart
        if page.title and first is not None and first.text == page.title:
            first.role = "title"
    elif doc.office is not None:
        cleaned = clean_text(doc.text, office_rules(config.clean))
        cleaned.removed = doc.office.removed + cleaned.removed
        _office_metadata(cleaned, doc.office)
        doc.text, doc.office = "", None
    else:
        cleaned = clean_text(doc.text, config.clean, repeated)
        cleaned.metadata.title_source = "text" if cleaned.metadata.title else None
        doc.text = ""
    _note_misleading_name(doc)
    doc.blocks = cleaned.blocks
    doc.removed.extend(cleaned.removed)
    doc.metadata = cleaned.metadata
    if not doc.blocks:
        doc.add_warning("clean", "no_content", "no text content was found in the document")
    return doc


def _blocks_fallback(
    html: str, page: HtmlExtraction, cleaned: Cleaned, config: PipelineConfig
) -> str | None:
    """Why the page is better read with trafilatura than with the blocks extractor, if it is:
    the parser cut the page at its depth limit (trafilatura's fallback reads past the cut), or
    the blocks extractor kept nothing, or fewer than :data:`BLOCKS_FALLBACK_SHARE` of the
    page's visible words (it found no article), on a page trafilatura reads in proportion to
    its size (at most ``trafilatura_max_elements`` elements)."""
    if page.cut:
        return f"the page nests its elements more than {PARSER_DEPTH} deep, where the parser stops"
    visible = sum(len(b.text.split()) for b in page.page)
    kept = _words(cleaned)
    if kept and kept >= BLOCKS_FALLBACK_SHARE * visible:
        return None
    if element_count(html) > config.clean.trafilatura_max_elements:
        return None
    if not visible:  # libxml2 gave up on the markup (trafilatura falls back to another parser)
        return "the parser found no visible text"
    return f"the blocks extractor kept {kept:,} of the page's {visible:,} visible words"


def _with_trafilatura(
    doc: Document,
    config: PipelineConfig,
    repeated: frozenset[str],
    report: RepairReport,
    metadata: bool = True,
) -> tuple[HtmlExtraction, Cleaned]:
    """The page read by trafilatura and cleaned by the rules, or read as text when trafilatura
    kept a fragment of it (:func:`_unless_a_fragment`, which the record then says); with
    trafilatura's metadata, or (``metadata`` False: the page's metadata is read already)
    without."""
    assert doc.html is not None
    page = extract_html(doc.html, metadata)
    _repair_blocks(page.blocks, config.repair, report)
    extracted = clean_blocks(page.blocks, config.clean, repeated)
    cleaned = _unless_a_fragment(extracted, doc.html, config, repeated)
    if cleaned is not extracted:
        doc.add_warning(
            "clean",
            "extracted_fragment",
            f"trafilatura kept {_words(extracted):,} words of the page, its visible text "
            f"cleaned as text keeps {_words(cleaned):,}: the page was read as text",
        )
    return page, cleaned


BLOCKS_FALLBACK_SHARE = 0.2
"""The blocks extractor found no article when it kept fewer than this share of the words of
the page's visible blocks; the page is then read with trafilatura (``extractor_fallback``).

Measured on the 241 shared pages with main-content labels, each scored by a model trained
without it (5 folds by page, through the pipeline: ``python -m bench.heldout_html``): where the
blocks extractor kept under an eighth of the visible words it had missed most of the article
on 7 of 8 evaluation pages (no wanted snippet on 3 of them, trafilatura all of them) and on 3
of 4 boilerplate pages (page F1 0.00-0.01 against 0.62-0.99). The F1 of both sets is flat
from 0.125 to 0.4 (eval/html 0.942-0.944, eval/boilerplate 0.955-0.956, against 0.919 and
0.953 without the fallback and 0.935 and 0.951 for the trafilatura path); 0.2 sends 15 of 119
and 4 of 122 of those pages to trafilatura."""


OFFICE_DISABLED_RULES = frozenset(
    {
        "navigation",
        "breadcrumb",
        "menu",
        "empty_label",
        "context",
        "section_label",
        "share_widget",
        "call_to_action",
        "post_meta",
        "repeated",
        "boilerplate",
    }
)
"""Rules for web-site chrome, which office documents do not have (their running headers and
footers are removed by the readers, by position and repetition)."""


def office_rules(config: CleanConfig) -> CleanConfig:
    """The cleaning settings for a document read from PDF, DOCX or HWPX."""
    return config.model_copy(
        update={"disabled_rules": config.disabled_rules | OFFICE_DISABLED_RULES}
    )


def _office_metadata(cleaned: Cleaned, office: OfficeText) -> None:
    """The reader's title (a Title style, the largest type of the first page, the file's
    Title property) wins over the first heading-like line the cleaning found: the block
    that holds it becomes the title, and the cleaning's title, if another block, a
    heading."""
    meta = cleaned.metadata
    if office.author and not meta.authors:
        meta.authors = [office.author]
    if not office.title:
        meta.title_source = "text" if meta.title else None
        return
    meta.title, meta.title_source = office.title, office.title_source
    key = _title_key(office.title)
    found = False
    for block in cleaned.blocks:
        if not found and _title_key(block.text) == key:
            block.role, block.level, found = "title", None, True
        elif block.role == "title":
            block.role, block.level = "heading", 1


def _title_key(text: str) -> str:
    return " ".join(text.replace(" | ", " ").split()).casefold()


def _note_misleading_name(doc: Document) -> None:
    """A warning when the file name promises a format the content is not (a ``.docx`` that
    is an HTML page): the content decides how it is read."""
    promised = SUFFIXES.get(PurePosixPath(doc.rel_path).suffix.lower())
    if promised is not None and promised != doc.source.media_type:
        doc.add_warning(
            "decode",
            "misleading_name",
            f"the file name ends in {PurePosixPath(doc.rel_path).suffix}, but the content is "
            f"{doc.source.media_type}; it was read as such",
        )


FRAGMENT_SHARE = 0.3
"""The extractor's output is a fragment when the page's visible text, cleaned as text (the
boilerplate classifier and the rules), keeps more than 1 / FRAGMENT_SHARE times as many words.

Measured on the 238 shared pages with main-content labels (eval/boilerplate and eval/html):
where trafilatura kept at most 0.21 of the text path's words it had returned a fragment of a
long article (the text path's page F1 0.33 -> 0.96, 0.24 -> 1.00); from 0.39 up it had the
article and the text path adds comment threads, sidebars and promotions (page precision 0.99
-> 0.41-0.57). 0.3 lies between the two; 0.5 also switched those pages."""


def _unless_a_fragment(
    cleaned: Cleaned, html: str, config: PipelineConfig, repeated: frozenset[str]
) -> Cleaned:
    """The extractor's result, or the page's visible text cleaned as text (the boilerplate
    classifier and every text rule) when the extractor kept too little of the article.

    Cheap when the extractor did its job: the visible text is only cleaned when the
    extractor kept less than :data:`FRAGMENT_SHARE` of all its words, as the text path cannot
    keep more than all of them."""
    extracted = _words(cleaned)
    if extracted >= FRAGMENT_SHARE * visible_words_at_most(html):
        return cleaned
    visible = visible_text(html)
    if extracted >= FRAGMENT_SHARE * len(visible.split()):
        return cleaned
    as_text = clean_text(repair_text(visible, config.repair), config.clean, repeated)
    return as_text if extracted < FRAGMENT_SHARE * _words(as_text) else cleaned


def _words(cleaned: Cleaned) -> int:
    return sum(len(b.text.split()) for b in cleaned.blocks)


def source_lines(doc: Document) -> list[str]:
    """The lines of a decoded, repaired document, for the repeated-lines statistic."""
    if doc.failed:
        return []
    if doc.html is not None:
        return []  # HTML chrome is removed by the extractor
    # The same normalisation the rules see, so that "**Newsroom**" repeated in every document
    # is counted as the "Newsroom" line the repeated rule looks up.
    return [text for line in doc.text.split("\n") if (text := normalize_line(line)[0])]


def detect_step(doc: Document, detector: LanguageDetector, languages: tuple[str, ...]) -> Document:
    """Language per segment and of the document.

    1. Every segment is detected on its own.
    2. The document's language is the one with the largest share of letters over body segments
       (notices excluded), weighted by confidence; ``language_shares`` keeps every share.
    3. Segments the detector cannot vouch for take a language from their context, with
       ``lang_confidence`` 0.3 to say so: text without letters (numbers, dates, URLs, e-mail
       addresses) and short or unsure Latin/Cyrillic/Arabic-script text (fewer than 20 letters
       or confidence below 0.8: labels, names, "3 Dec 2023") take the language of both
       neighbours when they agree, else the document's. Script-identified text (Hangul, kana,
       Han, Thai, ...) always keeps its own language.
    """
    if doc.failed:
        return doc
    texts = [b.text for b in doc.blocks]
    detections = detector.detect_many(texts)
    letters = letter_counts(texts)
    doc.language, doc.language_shares = _document_language(
        doc.blocks, letters, detections, languages
    )
    if doc.language == "ja":  # Han-only segments of a Japanese document are Japanese
        detections = detector.detect_many(texts, context="ja")
    trusted = [_trusted(n, d) for n, d in zip(letters, detections, strict=True)]
    before = _last_trusted(detections, trusted)
    after = _last_trusted(detections[::-1], trusted[::-1])[::-1]
    for i, (block, found) in enumerate(zip(doc.blocks, detections, strict=True)):
        block.other_langs = list(found.others)
        if trusted[i]:
            block.lang, block.lang_confidence = found.lang, found.confidence
        else:
            near = before[i]
            block.lang = near if near is not None and near == after[i] else doc.language
            block.lang_confidence = INHERITED_CONFIDENCE
    return doc


def detect_batch(docs: Sequence[Document], detector: LanguageDetector) -> None:
    """Detect the segments of all ``docs`` together (:meth:`LanguageDetector.detect_many`
    scores a batch in one matrix operation per script), so that each document's
    :func:`detect_step` finds its answers in the detector's cache. Should the batch raise,
    each document's own step meets the error and fails alone."""
    texts = [b.text for doc in docs if not doc.failed for b in doc.blocks]
    if len(set(texts)) > CACHE_SIZE:
        return  # answers would leave the cache before their documents read them
    try:
        detector.detect_many(texts)
    except Exception:  # each document's detect_step fails with its own error
        return


def garbling_step(doc: Document) -> Document:
    """A record whose text looks garbled (:mod:`~lingoflow.processors.text.garbling`) is
    partial, with a ``garbled_text`` error naming the measure: a reader's silent failure is
    never an ``ok`` record."""
    if doc.failed or not doc.blocks:
        return doc
    found = garbled([b.text for b in doc.blocks], [b.lang for b in doc.blocks])
    if found is not None:
        doc.add_error("decode", "garbled_text", found.message())
    return doc


def _trusted(letters: int, found: Detection) -> bool:
    """Whether a segment of ``letters`` letters can keep the language ``found`` for it."""
    if found.lang == UNDETERMINED:
        return False
    if found.by_script:
        return True
    return letters >= MIN_LETTERS and found.confidence >= MIN_CONFIDENCE


def _last_trusted(detections: list[Detection], trusted: list[bool]) -> list[str | None]:
    """For each segment, the language of the nearest trusted segment before it (None when
    there is none), in one pass.

    >>> from lingoflow.processors.language.detector import Detection
    >>> _last_trusted([Detection("en", 0.9), Detection("fr", 0.4)] * 2, [True, False] * 2)
    [None, 'en', 'en', 'en']
    """
    found: list[str | None] = []
    last: str | None = None
    for detection, ok in zip(detections, trusted, strict=True):
        found.append(last)
        if ok:
            last = detection.lang
    return found


def _document_language(
    blocks: list[Block],
    letters: list[int],
    detections: list[Detection],
    languages: tuple[str, ...],
) -> tuple[str, dict[str, float]]:
    shares: dict[str, float] = defaultdict(float)
    for block, count, found in zip(blocks, letters, detections, strict=True):
        if block.role != "notice" and found.lang != UNDETERMINED:
            shares[found.lang] += count * found.confidence
    total = sum(shares.values())
    if not total:
        return (languages[0] if languages else UNDETERMINED), {}
    language = max(sorted(shares), key=lambda k: shares[k])
    return language, {
        k: round(v / total, 4) for k, v in sorted(shares.items()) if v / total >= 0.005
    }


class StageClock:
    """Adds the time spent in ``with clock(stage):`` blocks to ``seconds[stage]``."""

    def __init__(self, seconds: dict[str, float] | None = None) -> None:
        self.seconds = seconds if seconds is not None else {}
        self.stage = ""
        self.start = 0.0

    def __call__(self, stage: str) -> StageClock:
        self.stage = stage
        return self

    def __enter__(self) -> None:
        self.start = time.perf_counter()

    def __exit__(self, *exc: object) -> None:
        elapsed = time.perf_counter() - self.start
        self.seconds[self.stage] = self.seconds.get(self.stage, 0.0) + elapsed


def source_key(doc: Document) -> str:
    """Documents of one source share their folder under the raw directory.

    >>> source_key(Document(rel_path="gov/press/a.txt", doc_id="x"))
    'gov/press'
    """
    return str(PurePosixPath(doc.rel_path).parent)


def repeated_by_source(
    docs: Sequence[Document], config: PipelineConfig, lines: dict[int, list[str]]
) -> dict[str, frozenset[str]]:
    """Lines repeated across the documents of each source among ``docs``; ``lines`` holds
    each document's :func:`source_lines` by ``id``."""
    by_source: dict[str, list[list[str]]] = defaultdict(list)
    for doc in docs:
        by_source[source_key(doc)].append(lines.get(id(doc), []))
    return {key: repeated_lines(lines, config.clean) for key, lines in by_source.items()}


def clean_documents(
    docs: Sequence[Document], config: PipelineConfig, clock: StageClock | None = None
) -> None:
    """Decode, repair and clean ``docs`` (read by
    :func:`lingoflow.processors.read.ingest.read_input` or built in memory): their segments,
    before language detection."""
    clock = clock or StageClock()
    budget = config.document_timeout
    with clock("decode"):
        for doc in docs:
            guarded("decode", budget, decode_step, doc, config.max_bytes)
            guarded("repair", budget, repair_step, doc, config.repair)
    with clock("clean"):
        lines = {id(doc): guarded("clean", budget, source_lines, doc) or [] for doc in docs}
        repeated = repeated_by_source(docs, config, lines)
        for doc in docs:
            found = repeated.get(source_key(doc), frozenset())
            guarded("clean", budget, clean_step, doc, config, found)


def run_steps(
    docs: Sequence[Document],
    config: PipelineConfig,
    *,
    detector: LanguageDetector | None = None,
    engine: TranslationEngine | None = None,
    clock: StageClock | None = None,
) -> TranslationReport | None:
    """Every step after ingest, on a batch of documents; never raises for bad content.

    ``detector`` defaults to the process's detector for the configured languages; without an
    ``engine`` nothing is translated and None is returned, else what translation did.
    """
    clock = clock or StageClock()
    installed = model_languages(packages_folder(config.translation))
    detector = detector or detector_for(
        default_candidates(config.languages, installed), config.langdetect_seed
    )
    clean_documents(docs, config, clock)
    with clock("detect"):
        detect_batch(docs, detector)
        for doc in docs:
            guarded("detect", config.document_timeout, detect_step, doc, detector, config.languages)
    with clock("check"):
        for doc in docs:
            guarded("detect", config.document_timeout, garbling_step, doc)
    if engine is None:
        freeze_long_lived()
        return None
    with clock("translate"):
        report = translate_guarded(docs, engine, config.languages, detector)
    freeze_long_lived()
    return report


_frozen = False
_freezing = threading.Lock()


def freeze_long_lived() -> None:
    """Once per process, after its first batch: what that batch loaded (language profiles and
    word lists, the page classifier, Kiwi, dateparser's and htmldate's tables, the modules
    themselves: over 100,000 Python objects that live as long as the process) is moved out of
    the reach of Python's cyclic garbage collector (``gc.freeze``). Every batch creates enough
    lasting objects (its documents, the caches' new entries) to set off full collections, and
    each of those walked all of them again: about 55 ms a collection, 5 % of a pass over real
    pages. Frozen objects are still freed when nothing refers to them (reference counting);
    only a reference cycle among them would outlive its use, and the steps make none (a pass
    over the shared pages with the collector off leaves no cyclic garbage; a test keeps it
    so)."""
    global _frozen
    with _freezing:
        if _frozen:
            return
        _frozen = True
        gc.collect()
        gc.freeze()


def translate_guarded(
    docs: Sequence[Document],
    engine: TranslationEngine,
    languages: tuple[str, ...],
    detector: LanguageDetector,
) -> TranslationReport:
    """Translate ``docs`` together; when that raises, once more one document at a time, so
    that only the document that raises fails (``internal_error``) and the others are
    translated."""
    saved = [(doc, list(doc.errors), [_translation_state(b) for b in doc.blocks]) for doc in docs]
    try:
        return translate_documents(docs, engine, languages, detector)
    except Exception:
        report = TranslationReport()
        for doc, errors, blocks in saved:
            doc.errors = errors
            for block, state in zip(doc.blocks, blocks, strict=True):
                block.translations, block.translation_sentences, block.quality = state

            done = guarded("translate", None, _translate_one, doc, engine, languages, detector)
            if done is not None:
                report.add(done)
        return report


def _translate_one(
    doc: Document,
    engine: TranslationEngine,
    languages: tuple[str, ...],
    detector: LanguageDetector,
) -> TranslationReport:
    return translate_documents([doc], engine, languages, detector)


def _translation_state(
    block: Block,
) -> tuple[dict[str, str], dict[str, list[tuple[int, int]]], dict[str, Quality]]:
    return dict(block.translations), dict(block.translation_sentences), dict(block.quality)
