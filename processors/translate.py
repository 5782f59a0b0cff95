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
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from lingoflow.processors.config import TranslationConfig
from lingoflow.processors.document import Document
from lingoflow.processors.models import (
    InstalledPackage,
    Pair,
    install_command,
    installed_packages,
    packages_dir,
)

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
            "CREATE TABLE IF NOT EXISTS translation (key TEXT PRIMARY KEY, target TEXT NOT NULL)"
        )
        self._db.commit()

    def get_many(self, keys: Sequence[str]) -> dict[str, str]:
        """Cached targets of ``keys`` (missing keys are absent)."""
        found: dict[str, str] = {}
        with self._lock:
            for start in range(0, len(keys), 500):
                chunk = list(keys[start : start + 500])
                marks = ",".join("?" * len(chunk))
                rows = self._db.execute(
                    f"SELECT key, target FROM translation WHERE key IN ({marks})", chunk
                )
                found.update(rows.fetchall())
        return found

    def put_many(self, items: dict[str, str]) -> None:
        """Store translations."""
        if not items:
            return
        with self._lock:
            self._db.executemany(
                "INSERT OR IGNORE INTO translation (key, target) VALUES (?, ?)", items.items()
            )
            self._db.commit()

    def __len__(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM translation").fetchone()[0])

    def close(self) -> None:
        with self._lock:
            self._db.close()


@dataclass
class EngineStats:
    """What an engine did: sentences asked for, found in the cache, translated by a model."""

    requested: int = 0
    cached: int = 0
    translated: int = 0
    target_tokens: int = 0


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

    def translate(self, sentences: list[str], stats: EngineStats) -> list[str]:
        """Translate ``sentences`` (already unique).

        They are sorted by length and cut into batches of about ``max_batch_tokens`` tokens;
        each batch gets its own decoding bound (relative to its longest input) and all are
        submitted at once, asynchronously, so CTranslate2's ``inter_threads`` workers translate
        batches in parallel.
        """
        if not sentences:
            return []
        tokenized = [self.encode(s) for s in sentences]
        order = sorted(range(len(sentences)), key=lambda i: len(tokenized[i]))
        prefix = self.package.target_prefix
        translator = self.translator()
        pending = []
        for chunk in batches(order, tokenized, self.config.max_batch_tokens):
            inputs = [tokenized[i] for i in chunk]
            longest = max(len(t) for t in inputs)
            bound = (
                math.ceil(self.config.max_decoding_ratio * longest) + self.config.max_decoding_extra
            )
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
                max_decoding_length=max(bound, 1),
            )
            pending.append((chunk, futures))
        results: list[str] = [""] * len(sentences)
        for chunk, futures in pending:
            for i, future in zip(chunk, futures, strict=True):
                tokens = future.result().hypotheses[0]
                stats.target_tokens += len(tokens)
                results[i] = self.decode(tokens)
        return results


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
        route = self.route(pair)
        if route is None:
            return None
        stats = stats if stats is not None else self.stats
        texts = list(sentences)
        for model in route:
            texts = self._through(model, texts, stats)
        return texts

    def _through(self, model: ArgosModel, sentences: list[str], stats: EngineStats) -> list[str]:
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
        return [known.get(s, s) for s in sentences]

    def _cache_key(self, model: ArgosModel, sentence: str) -> str:
        payload = json.dumps(
            [model.key, self.config.output_settings(), sentence], ensure_ascii=False
        )
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()

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


@dataclass
class TranslationReport:
    """What translating a batch of documents did."""

    missing: set[Pair] = field(default_factory=set)
    stats: EngineStats = field(default_factory=EngineStats)


def translate_documents(
    docs: Sequence[Document], engine: TranslationEngine, languages: Sequence[str]
) -> TranslationReport:
    """Fill ``block.translations`` for every segment of ``docs`` into each language of
    ``languages`` other than its own; reports the pairs no installed model covers.

    Each document missing a pair gets one ``missing_model`` warning naming it (status partial);
    its segments keep their original text only.
    """
    wanted: dict[Pair, list[str]] = defaultdict(list)
    for doc in docs:
        if doc.failed:
            continue
        for block in doc.blocks:
            for target in languages:
                if block.lang not in ("und", target):
                    wanted[Pair(block.lang, target)].extend(_sentences(block.text, block.sentences))
    done: dict[Pair, dict[str, str]] = {}
    report = TranslationReport()
    for pair in sorted(wanted):
        unique = list(dict.fromkeys(wanted[pair]))
        result = engine.translate(pair, unique, report.stats)
        if result is None:
            report.missing.add(pair)
        else:
            done[pair] = dict(zip(unique, result, strict=True))
    for doc in docs:
        if doc.failed:
            continue
        doc_missing: set[Pair] = set()
        for block in doc.blocks:
            for target in languages:
                if block.lang in ("und", target):
                    continue
                pair = Pair(block.lang, target)
                if pair in done:
                    parts = [done[pair][s] for s in _sentences(block.text, block.sentences)]
                    block.translations[target] = join_sentences(parts, target)
                else:
                    doc_missing.add(pair)
        for pair in sorted(doc_missing):
            doc.warn(
                "translate",
                "missing_model",
                f"no Argos Translate package for {pair} (direct or through English); "
                f"segments in {pair.source} keep their original text only",
            )
    return report


def _sentences(text: str, spans: Sequence[tuple[int, int]]) -> list[str]:
    parts = [text[a:b] for a, b in spans if text[a:b].strip()]
    return parts or ([text] if text.strip() else [])


def join_sentences(parts: list[str], target: str) -> str:
    """Sentences of one segment put back together in the target language."""
    return ("" if target in _NO_SPACE_TARGETS else " ").join(p.strip() for p in parts if p.strip())
