"""The translation step: every segment of a batch of documents into each language of the pair."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from pydantic import BaseModel, ConfigDict, Field

from lingoflow.processors.core.document import Block, Document, Quality
from lingoflow.processors.core.languages import Pair
from lingoflow.processors.language.detector import (
    LanguageDetector,
    default_candidates,
    detector_for,
)
from lingoflow.processors.text.sentences import NO_SPACE_LANGUAGES, join_with_spans
from lingoflow.processors.translate.cache import Translated, mean_score
from lingoflow.processors.translate.engine import EngineStats, TranslationEngine
from lingoflow.processors.translate.glossary import GlossaryMatch
from lingoflow.processors.translate.protect import Forced, join_pieces, missing_protected, pieces
from lingoflow.processors.translate.quality import quality_flags


class TranslationCounts(BaseModel):
    """What translation did, counted alike for a batch, a retranslation and a whole run."""

    model_config = ConfigDict(extra="forbid")

    sentences_translated: int = Field(0, description="Sentences a model translated.")
    sentences_from_cache: int = Field(
        0, description="Sentences whose translation came from the cache."
    )
    quality_flags: dict[str, int] = Field(
        default_factory=dict,
        description="Machine translations flagged, by flag (see the record schema's "
        "translation_quality); one per segment and target language.",
    )
    glossary_applied: int = Field(
        0, description="Glossary terms used in translations (per segment and target language)."
    )
    translations_rejected: int = Field(
        0, description="Flagged translations left out of the records (reject_flagged)."
    )
    missing_models: list[Pair] = Field(
        default_factory=list,
        description="Language pairs no installed translation package covers, directly or "
        "through English.",
    )

    def add(self, other: TranslationCounts) -> None:
        """Add ``other``'s counts to these."""
        self.sentences_translated += other.sentences_translated
        self.sentences_from_cache += other.sentences_from_cache
        flags = Counter(self.quality_flags) + Counter(other.quality_flags)
        self.quality_flags = dict(sorted(flags.items()))
        self.glossary_applied += other.glossary_applied
        self.translations_rejected += other.translations_rejected
        self.missing_models = sorted(set(self.missing_models) | set(other.missing_models))


@dataclass
class TranslationReport:
    """What translating a batch of documents did: the counts a run adds up, what the engine
    did, the glossary terms used (by term, one per segment and target language) and the
    sentences translated again around their protected spans or glossary terms."""

    counts: TranslationCounts = field(default_factory=lambda: TranslationCounts())
    engine: EngineStats = field(default_factory=EngineStats)
    glossary_terms: Counter[str] = field(default_factory=Counter)
    protected: int = 0

    def add(self, other: TranslationReport) -> None:
        """Add what ``other`` (another batch's translation) did to this report."""
        self.counts.add(other.counts)
        for name, value in vars(other.engine).items():
            setattr(self.engine, name, getattr(self.engine, name) + value)
        self.glossary_terms.update(other.glossary_terms)
        self.protected += other.protected


def translate_documents(
    docs: Sequence[Document],
    engine: TranslationEngine,
    languages: Sequence[str],
    detector: LanguageDetector | None = None,
) -> TranslationReport:
    """Fill ``block.translations`` for every segment of ``docs`` into each language of
    ``languages`` other than its own, and ``block.quality`` (the model's score, the flags of
    :mod:`lingoflow.processors.translate.quality`, the glossary terms used); reports the pairs no
    installed model covers.

    A sentence whose translation loses a protected span (a URL, an address, a number, a date:
    :mod:`lingoflow.processors.translate.protect`) or lacks the target of a glossary term it
    contains (:mod:`lingoflow.processors.translate.glossary`) is translated again cut around those
    spans, each term replaced by its target. Each document missing a pair gets one ``missing_model``
    error naming it (status partial); its segments keep their original text only. With
    ``reject_flagged`` a flagged translation is left out and the document gets a
    ``translation_rejected`` error for it. A translation a block already has is kept (a record
    translated again gets only what it lacks). ``detector`` (for the ``untranslated`` flag) defaults
    to the process's detector for ``languages``.
    """
    wanted: dict[Pair, list[str]] = defaultdict(list)
    for doc in docs:
        if doc.failed:
            continue
        for block in doc.blocks:
            for target in _targets(block, languages):
                wanted[Pair(block.lang, target)].extend(_sentences(block.text, block.sentences))
    done: dict[Pair, dict[str, Translated]] = {}
    terms: dict[Pair, dict[str, list[GlossaryMatch]]] = {}
    report = TranslationReport()
    missing: set[Pair] = set()
    flags: Counter[str] = Counter()
    glossary = engine.glossary
    for pair in sorted(wanted):
        unique = list(dict.fromkeys(wanted[pair]))
        result = engine.translate_scored(pair, unique, report.engine)
        if result is None:
            missing.add(pair)
            continue
        done[pair] = dict(zip(unique, result, strict=True))
        terms[pair] = {s: m for s in unique if (m := glossary.matches(s, pair))}
        report.protected += _enforce(engine, pair, done[pair], terms[pair], report.engine)
    packages: dict[Pair, list[str]] = {}
    if done and detector is None:
        detector = detector_for(default_candidates(languages, engine.languages()))
    for doc in docs:
        if doc.failed:
            continue
        doc_missing: set[Pair] = set()
        for index, block in enumerate(doc.blocks):
            for target in _targets(block, languages):
                pair = Pair(block.lang, target)
                if pair not in done:
                    doc_missing.add(pair)
                    continue
                quality = _translate_block(block, pair, done[pair], terms[pair], detector)
                quality.packages = list(packages.setdefault(pair, engine.packages(pair)))
                block.quality[target] = quality
                flags.update(quality.flags)
                report.glossary_terms.update(quality.glossary)
                if quality.flags and engine.config.reject_flagged:
                    quality.rejected = True
                    report.counts.translations_rejected += 1
                    del block.translations[target]
                    del block.translation_sentences[target]
                    doc.add_error(
                        "translate",
                        "translation_rejected",
                        rejected_message(index, pair, quality.flags),
                    )
        for pair in sorted(doc_missing):
            doc.add_error(
                "translate",
                "missing_model",
                f"no Argos Translate package for {pair} (direct or through English); "
                f"segments in {pair.source} keep their original text only",
            )
    counts = report.counts
    counts.sentences_translated = report.engine.translated
    counts.sentences_from_cache = report.engine.cached
    counts.quality_flags = dict(sorted(flags.items()))
    counts.glossary_applied = sum(report.glossary_terms.values())
    counts.missing_models = sorted(missing)
    return report


def _targets(block: Block, languages: Sequence[str]) -> list[str]:
    """The languages of ``languages`` ``block`` is still to be translated into: not its own,
    not one it has a translation into already, none when its language is undetermined."""
    if block.lang == "und":
        return []
    return [t for t in languages if t != block.lang and t not in block.translations]


def rejected_message(index: int, pair: Pair, flags: Sequence[str]) -> str:
    """The ``translation_rejected`` error of segment ``index``."""
    return (
        f"segment {index}: the {pair} translation was left out as flagged "
        f"({', '.join(flags)}); the segment keeps its original only"
    )


def _translate_block(
    block: Block,
    pair: Pair,
    done: dict[str, Translated],
    terms: dict[str, list[GlossaryMatch]],
    detector: LanguageDetector | None,
) -> Quality:
    """Put the translation of ``block`` into ``pair.target`` together from its sentences'
    (``done``); its quality."""
    sentences = _sentences(block.text, block.sentences)
    parts = [done[s] for s in sentences]
    text, spans = join_with_spans([p.text for p in parts], pair.target)
    block.translations[pair.target] = text
    block.translation_sentences[pair.target] = spans
    matches = [m for s in sentences for m in terms.get(s, ())]
    flags = quality_flags(
        block.text, text, block.lang, bounded=any(p.bounded for p in parts), detector=detector
    )
    if "untranslated" in flags and matches and _only_terms(sentences, terms):
        flags.remove("untranslated")  # nothing but do-not-translate terms and punctuation
    return Quality(
        score=mean_score(p.score for p in parts),
        flags=flags,
        glossary=list(dict.fromkeys(m.entry.source for m in matches)),
    )


def _only_terms(sentences: list[str], terms: dict[str, list[GlossaryMatch]]) -> bool:
    """The sentences have no letter outside their glossary terms."""
    for sentence in sentences:
        rest, position = [], 0
        for m in terms.get(sentence, ()):
            rest.append(sentence[position : m.start])
            position = m.end
        rest.append(sentence[position:])
        if any(c.isalpha() for c in "".join(rest)):
            return False
    return True


def _lacks_terms(translation: str, matches: Sequence[GlossaryMatch]) -> bool:
    """The translation does not carry every term's target as often as the source names it."""
    wanted = Counter(m.entry.target for m in matches)
    return any(translation.count(target) < count for target, count in wanted.items())


def _enforce(
    engine: TranslationEngine,
    pair: Pair,
    found: dict[str, Translated],
    terms: dict[str, list[GlossaryMatch]],
    stats: EngineStats,
) -> int:
    """Translate again, cut around their protected spans and glossary terms (each term
    replaced by its target), the sentences of ``found`` whose translation lost a protected
    span or lacks a term's target; returns how many there were."""
    broken = {
        s: pieces(s, [Forced(m.start, m.end, m.entry.target) for m in terms.get(s, ())])
        for s, t in found.items()
        if missing_protected(s, t.text) or _lacks_terms(t.text, terms.get(s, ()))
    }
    texts = list(
        dict.fromkeys(p.text for parts in broken.values() for p in parts if not p.protected)
    )
    translated = engine.translate_scored(pair, texts, stats) if texts else []
    lookup = dict(zip(texts, translated or [], strict=True))
    no_space = pair.target in NO_SPACE_LANGUAGES
    for sentence, parts in broken.items():
        new = [p.text if p.protected else lookup[p.text].text for p in parts]
        used = [lookup[p.text] for p in parts if not p.protected]
        found[sentence] = Translated(
            join_pieces(new, parts, no_space),
            mean_score(t.score for t in used),
            any(t.bounded for t in used),
        )
    return len(broken)


def _sentences(text: str, spans: Sequence[tuple[int, int]]) -> list[str]:
    parts = [text[a:b] for a, b in spans if text[a:b].strip()]
    return parts or ([text] if text.strip() else [])
