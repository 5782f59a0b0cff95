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
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from lingoflow.processors.core.config import TranslationConfig
from lingoflow.processors.core.languages import Pair
from lingoflow.processors.text.sentences import clause_parts, join_sentences
from lingoflow.processors.translate.cache import Translated, TranslationCache, mean_score
from lingoflow.processors.translate.glossary import Glossary, load_glossary
from lingoflow.processors.translate.packages import (
    InstalledPackage,
    installed_packages,
    packages_folder,
)
from lingoflow.processors.translate.quality import repetition

PIVOTS = ("en",)


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
                inter_threads, intra_threads = self.config.threads()
                if device == "auto":
                    device = "cuda" if ctranslate2.get_cuda_device_count() > 0 else "cpu"
                self._translator = ctranslate2.Translator(
                    str(self.installed.path / "model"),
                    device=device,
                    compute_type=self.config.compute_type,
                    inter_threads=inter_threads,
                    intra_threads=intra_threads,
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
        (:func:`lingoflow.processors.text.sentences.clause_parts`) and its parts translated and
        joined. Inputs are sorted by length and cut into batches of about
        ``max_batch_tokens`` tokens; each batch gets its own decoding bound (relative to its
        longest input) and all are submitted at once, asynchronously, so CTranslate2's
        ``inter_threads`` workers translate batches in parallel. An output that loops
        (:func:`lingoflow.processors.translate.quality.repetition`) is translated once more with
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
                mean_score([t.score for t in group]),
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
        folder = packages_folder(config)
        models: dict[Pair, ArgosModel] = {}
        for package in installed_packages(folder):  # sorted: the newest version wins
            models[Pair(package.from_code, package.to_code)] = ArgosModel(package, config)
        cache = (
            TranslationCache(config.cache_folder() / "translations.sqlite")
            if config.cache
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

    def packages(self, pair: Pair) -> list[str]:
        """The packages that translate ``pair``, as ``argos:<from>_<to>@<version>``."""
        return [
            f"argos:{m.installed.from_code}_{m.installed.to_code}@{m.installed.version}"
            for m in self.route(pair) or []
        ]

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
            f"[{json.dumps(model.key, ensure_ascii=False)}, {self.cache_settings()}, "
            f"{json.dumps(sentence, ensure_ascii=False)}]"
        )
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()

    def cache_settings(self) -> str:
        """The settings that change translations, glossary digest included, as the JSON
        every cache key holds (computed once per engine)."""
        if self._settings is None:
            self._settings = json.dumps(
                self.config.output_settings(self.glossary.digest), ensure_ascii=False
            )
        return self._settings

    @property
    def glossary(self) -> Glossary:
        """The configured glossary (empty without one), read once."""
        if self._glossary is None:
            path = self.config.glossary
            self._glossary = load_glossary(path) if path else Glossary()
        return self._glossary

    def languages(self) -> set[str]:
        """Every language an installed package translates from or to."""
        return {code for pair in self.models for code in (pair.source, pair.target)}

    def fingerprint(self) -> str:
        """Installed packages (direction, version, folder): part of the settings digest, so
        that installing a model makes the next run translate what it can."""
        return ";".join(sorted(m.key for m in self.models.values()))


_ENGINES: dict[str, TranslationEngine] = {}
_ENGINES_LOCK = threading.Lock()


def engine_for(config: TranslationConfig) -> TranslationEngine:
    """One engine per configuration and package folder state per process, reused across
    batches so each translator is loaded once."""
    folder = packages_folder(config)
    state = ";".join(f"{p.path.name}:{p.version}" for p in installed_packages(folder))
    key = json.dumps([config.model_dump(mode="json"), str(folder), state], sort_keys=True)
    with _ENGINES_LOCK:
        if key not in _ENGINES:
            _ENGINES[key] = TranslationEngine.load(config)
        return _ENGINES[key]


def pairs_without_model(engine: TranslationEngine, languages: Sequence[str]) -> list[Pair]:
    """The pairs between ``languages`` that no installed model translates (directly or
    through a pivot)."""
    pairs = [Pair(a, b) for a in languages for b in languages if a != b]
    return sorted(pair for pair in pairs if engine.route(pair) is None)


def glossary_without_model(engine: TranslationEngine) -> list[Pair]:
    """The language pairs of the engine's glossary that no installed model translates."""
    return sorted(pair for pair in engine.glossary.pairs if engine.route(pair) is None)
