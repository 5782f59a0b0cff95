"""Translation with Argos Translate packages, run by CTranslate2 directly.

argostranslate's own ``translate`` imports torch, stanza and spacy (3-6 s, 320 MB), splits
sentences with models it tries to download, and calls the model once per paragraph. lingoflow
instead:

* finds installed packages with ``argostranslate.package`` (model folder, SentencePiece or BPE
  tokenizer, target prefix) without importing ``argostranslate.translate``;
* collects every sentence of every segment of a batch of documents (sentence spans come from
  cleaning), removes duplicates and sentences already in the persistent cache, sorts the rest by
  length and calls ``ctranslate2.Translator.translate_batch`` on all of them at once, with a token
  budget per batch and a decoding-length bound relative to the input;
* detokenizes with the package's own tokenizer and reassembles each segment from its sentences;
* goes through English (or another language) when no direct package exists, as argostranslate
  does.

Decoding settings follow argostranslate (beam 4, length penalty 0.2, unknown tokens replaced
from the source), so single sentences come out exactly as argostranslate translates them.
"""

from __future__ import annotations

import hashlib
import json
import math
import sqlite3
import threading
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from lingoflow.processors.config import TranslationConfig
from lingoflow.processors.document import Block, Document, Quality
from lingoflow.processors.glossary import Glossary, GlossaryMatch, load_glossary
from lingoflow.processors.langid import LanguageDetector, default_candidates, detector_for
from lingoflow.processors.models import (
    InstalledPackage,
    Pair,
    install_command,
    installed_packages,
    packages_dir,
)
from lingoflow.processors.protect import Forced, join_pieces, missing_protected, pieces
from lingoflow.processors.quality import quality_flags, repetition
from lingoflow.processors.sentences import clause_parts

__all__ = ["Pair", "TranslationEngine", "engine_for", "install_command", "translate_documents"]

# Targets written without spaces between sentences.
_NO_SPACE_TARGETS = frozenset({"ja", "zh", "th"})
PIVOTS = ("en",)


class TranslationCache:
    """Translations already made, in SQLite, keyed by package, settings and exact source text.

    Safe for several processes: SQLite's write-ahead log, short transactions, and INSERT OR
    IGNORE (two runs that translate the same sentence write the same value).
    """

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(path), timeout=60, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS scored_translation (key TEXT PRIMARY KEY, "
            "target TEXT NOT NULL, score REAL, bounded INTEGER NOT NULL)"
        )
        self._db.commit()

    def get_many(self, keys: Sequence[str]) -> dict[str, Translated]:
        """Cached translations of ``keys`` (missing keys are absent)."""
        found: dict[str, Translated] = {}
        with self._lock:
            for start in range(0, len(keys), 500):
                chunk = list(keys[start : start + 500])
                marks = ",".join("?" * len(chunk))
                rows = self._db.execute(
                    "SELECT key, target, score, bounded FROM scored_translation "
                    f"WHERE key IN ({marks})",
                    chunk,
                )
                found.update((k, Translated(t, s, bool(b))) for k, t, s, b in rows.fetchall())
        return found

    def put_many(self, items: dict[str, Translated]) -> None:
        """Store translations."""
        if not items:
            return
        rows = [(k, t.text, t.score, int(t.bounded)) for k, t in items.items()]
        with self._lock:
            self._db.executemany(
                "INSERT OR IGNORE INTO scored_translation (key, target, score, bounded) "
                "VALUES (?, ?, ?, ?)",
                rows,
            )
            self._db.commit()

    def __len__(self) -> int:
        with self._lock:
            row = self._db.execute("SELECT COUNT(*) FROM scored_translation").fetchone()
            return int(row[0])

    def close(self) -> None:
        with self._lock:
            self._db.close()


@dataclass(frozen=True)
class Translated:
    """One sentence's translation: its text, the model's length-normalised log-probability
    (mean over the parts of a split sentence, summed over the hops of a pivot route; None when
    unknown), and whether the output reached the decoding bound (so may be cut)."""

    text: str
    score: float | None = None
    bounded: bool = False


@dataclass
class EngineStats:
    """What an engine did: sentences asked for, found in the cache, translated by a model."""

    requested: int = 0
    cached: int = 0
    translated: int = 0
    target_tokens: int = 0
    retried: int = 0


class ArgosModel:
    """One installed package: its tokenizer and, once needed, its CTranslate2 translator."""

    def __init__(self, package: InstalledPackage, config: TranslationConfig) -> None:
        from argostranslate.package import Package  # light: no torch, stanza or spacy

        self.installed = package
        self.package = Package(package.path)
        self.config = config
        self._translator: Any = None
        self._lock = threading.Lock()

    @property
    def key(self) -> str:
        """Identity of the package in cache keys."""
        p = self.installed
        return f"{p.path.name}|{p.from_code}|{p.to_code}|{p.version}"

    def translator(self) -> Any:
        """The CTranslate2 translator, loaded on first use and reused."""
        with self._lock:
            if self._translator is None:
                import ctranslate2

                device = self.config.device
                if device == "auto":
                    device = "cuda" if ctranslate2.get_cuda_device_count() > 0 else "cpu"
                self._translator = ctranslate2.Translator(
                    str(self.installed.path / "model"),
                    device=device,
                    compute_type=self.config.compute_type,
                    inter_threads=self.config.inter_threads,
                    intra_threads=self.config.intra_threads,
                )
            return self._translator

    def encode(self, sentence: str) -> list[str]:
        tokens: list[str] = self.package.tokenizer.encode(sentence)
        return tokens

    def decode(self, tokens: list[str]) -> str:
        """Detokenize as argostranslate does: the package's tokenizer, target prefix and the
        tokenizer's leading space removed."""
        value: str = self.package.tokenizer.decode(tokens)
        prefix = self.package.target_prefix
        if prefix and value.startswith(prefix):
            value = value[len(prefix) :]
        return value[1:] if value.startswith(" ") else value

    def translate(self, sentences: list[str], stats: EngineStats) -> list[Translated]:
        """Translate ``sentences`` (already unique).

        A sentence longer than ``max_input_tokens`` is split at clause boundaries
        (:func:`lingoflow.processors.sentences.clause_parts`) and its parts translated and
        joined. Inputs are sorted by length and cut into batches of about
        ``max_batch_tokens`` tokens; each batch gets its own decoding bound (relative to its
        longest input) and all are submitted at once, asynchronously, so CTranslate2's
        ``inter_threads`` workers translate batches in parallel. An output that loops
        (:func:`lingoflow.processors.quality.repetition`) is translated once more with
        ``no_repeat_ngram_size`` and ``repetition_penalty``, and the retry kept when it no
        longer loops.
        """
        if not sentences:
            return []
        limit = max(1, self.config.max_input_tokens)
        tokenized: list[list[str]] = []
        texts: list[str] = []
        owners: list[int] = []
        for index, sentence in enumerate(sentences):
            tokens = self.encode(sentence)
            if len(tokens) <= limit:
                parts, part_texts = [tokens], [sentence]
            else:
                pieces = clause_parts(sentence, lambda s: len(self.encode(s)) <= limit)
                parts = [self.encode(p) for p in pieces] or [tokens]
                part_texts = pieces if pieces else [sentence]
            tokenized.extend(parts)
            texts.extend(part_texts)
            owners.extend([index] * len(parts))
        done = self._translate_tokens(tokenized, stats)
        self._retry_loops(tokenized, texts, done, stats)
        grouped: list[list[Translated]] = [[] for _ in sentences]
        for owner, translated in zip(owners, done, strict=True):
            grouped[owner].append(translated)
        return [
            Translated(
                join_sentences([t.text for t in group], self.installed.to_code),
                _mean([t.score for t in group]),
                any(t.bounded for t in group),
            )
            for group in grouped
        ]

    def _retry_loops(
        self,
        tokenized: list[list[str]],
        texts: list[str],
        done: list[Translated],
        stats: EngineStats,
    ) -> None:
        """Translate again, with repetition constraints, the outputs of ``done`` that loop;
        replaces those whose retry does not."""
        ngram, penalty = self.config.repetition_retry_ngram, self.config.repetition_retry_penalty
        if ngram <= 0 and penalty <= 1.0:
            return
        looping = [i for i, t in enumerate(done) if repetition(texts[i], t.text)]
        if not looping:
            return
        stats.retried += len(looping)
        again = self._translate_tokens(
            [tokenized[i] for i in looping],
            stats,
            no_repeat_ngram_size=max(0, ngram),
            repetition_penalty=max(1.0, penalty),
        )
        for i, retried in zip(looping, again, strict=True):
            if not repetition(texts[i], retried.text):
                done[i] = retried

    def _translate_tokens(
        self, tokenized: list[list[str]], stats: EngineStats, **decoding: Any
    ) -> list[Translated]:
        order = sorted(range(len(tokenized)), key=lambda i: len(tokenized[i]))
        prefix = self.package.target_prefix
        translator = self.translator()
        pending = []
        for chunk in batches(order, tokenized, self.config.max_batch_tokens):
            inputs = [tokenized[i] for i in chunk]
            longest = max(len(t) for t in inputs)
            ratio, extra = self.config.max_decoding_ratio, self.config.max_decoding_extra
            bound = max(1, math.ceil(ratio * longest) + extra)
            futures = translator.translate_batch(
                inputs,
                target_prefix=[[prefix]] * len(inputs) if prefix else None,
                max_batch_size=self.config.max_batch_tokens,
                batch_type="tokens",
                asynchronous=True,
                beam_size=self.config.beam_size,
                num_hypotheses=1,
                length_penalty=self.config.length_penalty,
                replace_unknowns=True,
                max_decoding_length=bound,
                max_input_length=0,  # never cut: inputs were split to fit
                return_scores=True,
                **decoding,
            )
            pending.append((chunk, futures, bound))
        results: list[Translated] = [Translated("")] * len(tokenized)
        for chunk, futures, bound in pending:
            for i, future in zip(chunk, futures, strict=True):
                result = future.result()
                tokens = result.hypotheses[0]
                stats.target_tokens += len(tokens)
                score = _per_token(result.scores, len(tokens), self.config.length_penalty)
                results[i] = Translated(self.decode(tokens), score, len(tokens) >= bound)
        return results


def _per_token(scores: list[float], length: int, penalty: float) -> float | None:
    """The mean log-probability per output token: CTranslate2 returns the cumulated
    log-probability divided by ``length ** length_penalty``; that division is undone and the
    sum divided by the length (the end token counts)."""
    if not scores:
        return None
    tokens = max(1, length + 1)
    return float(scores[0]) * float(tokens**penalty) / tokens


def _mean(values: Iterable[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return sum(known) / len(known) if known else None


def batches(order: list[int], tokenized: list[list[str]], budget: int) -> Iterable[list[int]]:
    """Consecutive runs of the length-sorted inputs holding at most ``budget`` tokens each
    (a longer single input is a batch of its own)."""
    chunk: list[int] = []
    tokens = 0
    for i in order:
        size = max(1, len(tokenized[i]))
        if chunk and tokens + size > budget:
            yield chunk
            chunk, tokens = [], 0
        chunk.append(i)
        tokens += size
    if chunk:
        yield chunk


@dataclass
class TranslationEngine:
    """Installed models, a cache, and the routing between languages."""

    config: TranslationConfig
    models: dict[Pair, ArgosModel] = field(default_factory=dict)
    cache: TranslationCache | None = None
    stats: EngineStats = field(default_factory=EngineStats)
    _settings: str | None = field(default=None, repr=False)
    _glossary: Glossary | None = field(default=None, repr=False)

    @classmethod
    def load(cls, config: TranslationConfig) -> TranslationEngine:
        """An engine over the packages installed in the configured folder."""
        folder = Path(config.packages_dir) if config.packages_dir else packages_dir()
        models: dict[Pair, ArgosModel] = {}
        for package in installed_packages(folder):  # sorted: the newest version wins
            models[Pair(package.from_code, package.to_code)] = ArgosModel(package, config)
        cache = (
            TranslationCache(Path(config.cache_dir) / "translations.sqlite")
            if (config.cache and config.cache_dir)
            else None
        )
        return cls(config=config, models=models, cache=cache)

    def route(self, pair: Pair) -> list[ArgosModel] | None:
        """The models that translate ``pair``: direct, else through a pivot language."""
        if pair in self.models:
            return [self.models[pair]]
        pivots = [*PIVOTS, *sorted({p.target for p in self.models} - set(PIVOTS))]
        for pivot in pivots:
            first, second = Pair(pair.source, pivot), Pair(pivot, pair.target)
            if first in self.models and second in self.models:
                return [self.models[first], self.models[second]]
        return None

    def translate(
        self, pair: Pair, sentences: Sequence[str], stats: EngineStats | None = None
    ) -> list[str] | None:
        """Translations of ``sentences`` in order, or None when no model covers ``pair``.
        Counts go to ``stats`` when given (one per caller: batches may run in threads),
        else to the engine's own."""
        found = self.translate_scored(pair, sentences, stats)
        return None if found is None else [t.text for t in found]

    def translate_scored(
        self, pair: Pair, sentences: Sequence[str], stats: EngineStats | None = None
    ) -> list[Translated] | None:
        """As :meth:`translate`, with each translation's score and bound flag."""
        route = self.route(pair)
        if route is None:
            return None
        stats = stats if stats is not None else self.stats
        found = [Translated(s, 0.0) for s in sentences]
        for model in route:
            hop = self._through(model, [t.text for t in found], stats)
            found = [
                Translated(
                    h.text,
                    None if h.score is None or f.score is None else f.score + h.score,
                    f.bounded or h.bounded,
                )
                for f, h in zip(found, hop, strict=True)
            ]
        return found

    def _through(
        self, model: ArgosModel, sentences: list[str], stats: EngineStats
    ) -> list[Translated]:
        unique = list(dict.fromkeys(s for s in sentences if s.strip()))
        stats.requested += len(unique)
        keys = {s: self._cache_key(model, s) for s in unique}
        done = self.cache.get_many(list(keys.values())) if self.cache is not None else {}
        known = {s: done[k] for s, k in keys.items() if k in done}
        stats.cached += len(known)
        todo = [s for s in unique if s not in known]
        translated = dict(zip(todo, model.translate(todo, stats), strict=True))
        stats.translated += len(todo)
        if self.cache is not None:
            self.cache.put_many({keys[s]: t for s, t in translated.items()})
        known.update(translated)
        return [known.get(s, Translated(s)) for s in sentences]

    def _cache_key(self, model: ArgosModel, sentence: str) -> str:
        # json.dumps([model.key, settings, sentence]), with the settings serialised once
        payload = (
            f"[{json.dumps(model.key, ensure_ascii=False)}, {self._settings_json()}, "
            f"{json.dumps(sentence, ensure_ascii=False)}]"
        )
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()

    def _settings_json(self) -> str:
        if self._settings is None:
            self._settings = json.dumps(self.config.output_settings(), ensure_ascii=False)
        return self._settings

    @property
    def glossary(self) -> Glossary:
        """The configured glossary (empty without one), read once."""
        if self._glossary is None:
            path = self.config.glossary
            self._glossary = load_glossary(path) if path else Glossary()
        return self._glossary

    def fingerprint(self) -> str:
        """Installed packages (direction, version, folder): part of the settings digest, so
        that installing a model makes the next run translate what it can."""
        return ";".join(sorted(m.key for m in self.models.values()))


_ENGINES: dict[str, TranslationEngine] = {}
_ENGINES_LOCK = threading.Lock()


def engine_for(config: TranslationConfig) -> TranslationEngine:
    """One engine per configuration and package folder state per process, reused across
    batches so each translator is loaded once."""
    folder = Path(config.packages_dir) if config.packages_dir else packages_dir()
    state = ";".join(f"{p.path.name}:{p.version}" for p in installed_packages(folder))
    key = json.dumps([asdict(config), str(folder), state], sort_keys=True, default=str)
    with _ENGINES_LOCK:
        if key not in _ENGINES:
            _ENGINES[key] = TranslationEngine.load(config)
        return _ENGINES[key]


def glossary_without_model(engine: TranslationEngine) -> list[Pair]:
    """The language pairs of the engine's glossary that no installed model translates."""
    return sorted(pair for pair in engine.glossary.pairs if engine.route(pair) is None)


@dataclass
class TranslationReport:
    """What translating a batch of documents did: pairs without a model, counts, the quality
    flags raised (by kind, one per segment and target language), the sentences translated
    again around their protected spans or glossary terms, the glossary terms used (one per
    segment and target language) and the translations rejected for their flags."""

    missing: set[Pair] = field(default_factory=set)
    stats: EngineStats = field(default_factory=EngineStats)
    flags: Counter[str] = field(default_factory=Counter)
    protected: int = 0
    glossary: Counter[str] = field(default_factory=Counter)
    rejected: int = 0


def translate_documents(
    docs: Sequence[Document],
    engine: TranslationEngine,
    languages: Sequence[str],
    detector: LanguageDetector | None = None,
) -> TranslationReport:
    """Fill ``block.translations`` for every segment of ``docs`` into each language of
    ``languages`` other than its own, and ``block.quality`` (the model's score, the flags of
    :mod:`lingoflow.processors.quality`, the glossary terms used); reports the pairs no
    installed model covers.

    A sentence whose translation loses a protected span (a URL, an address, a number, a date:
    :mod:`lingoflow.processors.protect`) or lacks the target of a glossary term it contains
    (:mod:`lingoflow.processors.glossary`) is translated again cut around those spans, each
    term replaced by its target. Each document missing a pair gets one ``missing_model``
    error naming it (status partial); its segments keep their original text only. With
    ``reject_flagged`` a flagged translation is left out and the document gets a
    ``translation_rejected`` error for it. ``detector`` (for the ``untranslated`` flag)
    defaults to the process's detector for ``languages``.
    """
    wanted: dict[Pair, list[str]] = defaultdict(list)
    for doc in docs:
        if doc.failed:
            continue
        for block in doc.blocks:
            for target in languages:
                if block.lang not in ("und", target):
                    wanted[Pair(block.lang, target)].extend(_sentences(block.text, block.sentences))
    done: dict[Pair, dict[str, Translated]] = {}
    terms: dict[Pair, dict[str, list[GlossaryMatch]]] = {}
    report = TranslationReport()
    glossary = engine.glossary
    for pair in sorted(wanted):
        unique = list(dict.fromkeys(wanted[pair]))
        result = engine.translate_scored(pair, unique, report.stats)
        if result is None:
            report.missing.add(pair)
            continue
        done[pair] = dict(zip(unique, result, strict=True))
        terms[pair] = {s: m for s in unique if (m := glossary.matches(s, pair))}
        report.protected += _enforce(engine, pair, done[pair], terms[pair], report.stats)
    if done and detector is None:
        detector = detector_for(default_candidates(tuple(languages)))
    for doc in docs:
        if doc.failed:
            continue
        doc_missing: set[Pair] = set()
        for index, block in enumerate(doc.blocks):
            for target in languages:
                if block.lang in ("und", target):
                    continue
                pair = Pair(block.lang, target)
                if pair not in done:
                    doc_missing.add(pair)
                    continue
                quality = _translate_block(block, pair, done[pair], terms[pair], detector)
                block.quality[target] = quality
                report.flags.update(quality.flags)
                report.glossary.update(quality.glossary)
                if quality.flags and engine.config.reject_flagged:
                    quality.rejected = True
                    report.rejected += 1
                    del block.translations[target]
                    del block.translation_sentences[target]
                    doc.warn("translate", "translation_rejected",
                             rejected_message(index, pair, quality.flags))  # fmt: skip
        for pair in sorted(doc_missing):
            doc.warn(
                "translate",
                "missing_model",
                f"no Argos Translate package for {pair} (direct or through English); "
                f"segments in {pair.source} keep their original text only",
            )
    return report


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
        score=_mean(p.score for p in parts),
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
    no_space = pair.target in _NO_SPACE_TARGETS
    for sentence, parts in broken.items():
        new = [p.text if p.protected else lookup[p.text].text for p in parts]
        used = [lookup[p.text] for p in parts if not p.protected]
        found[sentence] = Translated(
            join_pieces(new, parts, no_space),
            _mean(t.score for t in used),
            any(t.bounded for t in used),
        )
    return len(broken)


def _sentences(text: str, spans: Sequence[tuple[int, int]]) -> list[str]:
    parts = [text[a:b] for a, b in spans if text[a:b].strip()]
    return parts or ([text] if text.strip() else [])


def join_sentences(parts: list[str], target: str) -> str:
    """Sentences of one segment put back together in the target language."""
    return join_with_spans(parts, target)[0]


def join_with_spans(parts: list[str], target: str) -> tuple[str, list[tuple[int, int]]]:
    """:func:`join_sentences`, and the span of each part in the result (an empty span where
    a part is empty), so that sentence ``i`` of the source and of the translation align.

    >>> join_with_spans(["Hello. ", "", "Bye."], "en")
    ('Hello. Bye.', [(0, 6), (6, 6), (7, 11)])
    """
    separator = "" if target in _NO_SPACE_TARGETS else " "
    text, spans = "", []
    for part in parts:
        part = part.strip()
        if not part:
            spans.append((len(text), len(text)))
            continue
        if text:
            text += separator
        spans.append((len(text), len(text) + len(part)))
        text += part
    return text, spans
