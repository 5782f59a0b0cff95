"""Language identification that holds on short and mixed text.

:class:`LanguageDetector` decides in this order:

1. **Script.** Letters are grouped by writing system. Hangul is Korean and kana is Japanese
   without asking a model; Han without kana is Chinese (Japanese when the caller says the
   document is Japanese); Thai, Greek, Hebrew, Devanagari name one language each. Symbols and
   lone compatibility jamo used as bullets (ㅇ, □, ▸) are not letters of any language.
2. **Statistics within the script.** For scripts shared by several candidates (Latin, Cyrillic,
   Arabic) the text is scored against langdetect's n-gram profiles restricted to the candidates
   of that script, and a word-frequency signal from ``wordfreq`` is combined with it: on one or
   two words, whether a word is frequent in a language says more than character n-grams. The
   profiles are langdetect's and so are its n-grams (the same normalisation, the same 1-3-grams,
   the same smoothing), but instead of langdetect's random-sampling loop (7 trials of up to
   hundreds of random draws each, about 5 ms a segment) every n-gram of the text is counted once
   in a naive-Bayes sum over a matrix of the profiles (:class:`NgramProfiles`): deterministic,
   and about a tenth of the cost. Detections are cached by text per detector, as menus and
   footers repeat across the documents of a batch.
3. **Mixed text.** Each script's letters are weighed (Hangul, kana and Han count more per
   character than alphabetic letters); the dominant language labels the text and the others
   with a real share (at least 15 %) are reported in :attr:`Detection.others`. A Latin run too
   short to identify (a romanised name, an acronym) does not compete with a script-identified
   run, so "오재경 Oh Jae-Gyung" is Korean.

Text without letters (numbers, dates, URLs, e-mail addresses, symbols) is ``und`` with
confidence 0: in a document, the caller gives it the document's language (see
``lingoflow.processors.pipeline.detect_step``).
"""

from __future__ import annotations

import functools
import itertools
import math
import os
import re
import threading
from collections import Counter, OrderedDict, defaultdict
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Generic, Literal, TypeVar, overload

import numpy as np
from langdetect.detector import Detector
from langdetect.detector_factory import PROFILES_DIRECTORY, DetectorFactory
from langdetect.utils.ngram import NGram
from numpy.typing import NDArray

from lingoflow.processors.text.characters import (
    ASCII_LETTERS,
    BMP,
    ascii_letter_table,
    classes,
    code_points,
)
from lingoflow.processors.text.wordlists import frequencies

UNDETERMINED = "und"

# Default candidates: languages langdetect ships profiles for that lingoflow's users meet in
# public East Asian and European government and news pages (ISO 639-1).
DEFAULT_CANDIDATES: tuple[str, ...] = tuple(
    """ar de en es fr id it ja ko nl pt ru th vi zh""".split()
)

_LATIN_LANGUAGES = (
    "af ca cs cy da de en es et fi fr hr hu id it lt lv nl no pl pt ro sk sl so sq sv sw tl tr vi"
)
# Languages per writing system, for the scripts several languages share.
SCRIPT_LANGUAGES: dict[str, frozenset[str]] = {
    "latin": frozenset(_LATIN_LANGUAGES.split()),
    "cyrillic": frozenset(["bg", "mk", "ru", "uk"]),
    "arabic": frozenset(["ar", "fa", "ur"]),
}
# Scripts that name one language.
_SINGLE_SCRIPT_LANGUAGE = {
    "hangul": "ko",
    "kana": "ja",
    "thai": "th",
    "greek": "el",
    "hebrew": "he",
    "devanagari": "hi",
}
_RANGES: tuple[tuple[str, str], ...] = (
    ("hangul", "\uac00-\ud7a3\u1100-\u11ff\ua960-\ua97f\ud7b0-\ud7ff"),
    ("kana", "\u3040-\u30ff\u31f0-\u31ff\uff66-\uff9f"),
    ("han", "\u4e00-\u9fff\u3400-\u4dbf\uf900-\ufaff"),
    ("thai", "\u0e00-\u0e7f"),
    ("arabic", "\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff"),
    ("hebrew", "\u0590-\u05ff"),
    ("greek", "\u0370-\u03ff"),
    ("devanagari", "\u0900-\u097f"),
    ("cyrillic", "\u0400-\u04ff"),
    ("latin", "A-Za-z\u00c0-\u024f\u1e00-\u1eff"),
)
_SCRIPT_RE = [(name, re.compile(f"[{chars}]+")) for name, chars in _RANGES]
# Characters per script that carry about as much as one alphabetic letter (by information):
# a Hangul syllable or a Han character is roughly a two- or three-letter unit.
SCRIPT_WEIGHT = {"hangul": 2.5, "kana": 1.5, "han": 3.0}
"""Letters a character of these scripts counts for when scripts are weighed against each other
(others count 1)."""
# URLs and e-mail addresses are not text in any language.
_NOT_LANGUAGE = re.compile(r"(?:https?://|www\.)\S+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.IGNORECASE)
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")
# "www." in any case, as ``"www." in text.lower()`` finds it without lowering the text (no
# character outside ASCII lowers to one holding "w" or ".").
_WWW = re.compile(r"[wW][wW][wW]\.")
_VIETNAMESE = re.compile("[ăâđêôơưĂÂĐÊÔƠƯ\u1ea0-\u1ef9]")

# A Latin/Cyrillic/Arabic run shorter than this, next to a script-identified run, is a name or
# an acronym rather than a language of its own.
MIN_RUN_LETTERS = 20
# Share a language needs to be reported as another language of a mixed text.
MIN_OTHER_SHARE = 0.15
# Detections kept per detector, by text: menus, footers and labels repeat across documents.
CACHE_SIZE = 50_000
# Word-frequency signal: frequency floor for unknown words, and its weight against langdetect
# by number of words (short texts lean on word frequency).
_FLOOR = 1e-8
MAX_SHORT_WORDS = 12
"""Texts of at most this many words have their words' frequencies blended with the n-gram
scores (see :meth:`LanguageDetector._statistical_many`)."""


@dataclass(frozen=True)
class Detection:
    """A language code, a confidence in 0-1, and other languages of a mixed text."""

    lang: str
    confidence: float
    others: tuple[str, ...] = field(default=())
    by_script: bool = False


def script_runs(text: str) -> Counter[str]:
    """Letters per script in ``text`` (compatibility jamo, symbols and digits are not counted).

    >>> sorted(script_runs("Seoul 서울").items())
    [('hangul', 2), ('latin', 5)]
    """
    return script_runs_many([text])[0]


def script_runs_many(texts: Sequence[str]) -> list[Counter[str]]:
    """:func:`script_runs` of each of ``texts``, all counted at once: every character's script
    looked up in a table of the Basic Multilingual Plane (no script of :data:`_RANGES` lies
    beyond it), then counted per text and script.

    >>> script_runs_many(["Ab 가", "", "1 ㅇ"])
    [Counter({'latin': 2, 'hangul': 1}), Counter(), Counter()]
    """
    runs: list[Counter[str]] = []
    others: list[int] = []
    for k, text in enumerate(texts):
        if text.isascii():  # the common case: its letters are Latin, counted by bytes
            letters = len(text) - len(text.encode("ascii").translate(None, ASCII_LETTERS))
            runs.append(Counter({"latin": letters} if letters else {}))
        else:
            runs.append(Counter())
            others.append(k)
    if not others:
        return runs
    rest = [texts[k] for k in others]
    lengths = np.fromiter(map(len, rest), dtype=np.intp, count=len(rest))
    codes = code_points("".join(rest))
    scripts = np.take(_script_table(), np.where(codes < BMP, codes, 0))
    owner = np.repeat(np.arange(len(rest)), lengths)
    width = len(_RANGES) + 1
    counts = np.bincount(owner * width + scripts, minlength=len(rest) * width)
    names = [name for name, _ in _RANGES]
    for k, row in zip(others, counts.reshape(len(rest), width).tolist(), strict=True):
        runs[k].update({names[j - 1]: n for j, n in enumerate(row) if j and n})
    return runs


@functools.cache
def _script_table() -> NDArray[np.intp]:
    """For every character of the BMP, 1 + the index of its script in :data:`_RANGES` (0:
    none), as the scripts' patterns match it."""
    table = np.zeros(BMP, dtype=np.intp)
    everything = "".join(map(chr, range(BMP)))
    for k, (_, pattern) in enumerate(_SCRIPT_RE, start=1):
        for match in pattern.finditer(everything):
            table[match.start() : match.end()] = k
    return table


def default_candidates(
    languages: Iterable[str] = (), installed: Iterable[str] = ()
) -> tuple[str, ...]:
    """The documented default list, the configured language pair and the ``installed``
    languages (those of the translation packages).

    >>> "tl" in default_candidates(["en", "ko"], ["tl"])
    True
    """
    return tuple(sorted(set(DEFAULT_CANDIDATES) | set(languages) | set(installed)))


class LanguageDetector:
    """Deterministic detector over a fixed candidate set (see the module docstring).

    candidates:
        ISO 639-1 codes the detector may answer (plus ``und``). Languages of single-language
        scripts answer for their script only when they are candidates; otherwise the
        script's text is ``und``.
    seed:
        langdetect's random seed, kept for its factories (``bench.langid`` runs langdetect's
        sampling with it); lingoflow's own scoring draws nothing at random.
    word_frequencies:
        Combine wordfreq's word lists with langdetect (on by default; off reproduces plain
        restricted langdetect within each script).
    """

    _lock = threading.Lock()

    def __init__(
        self,
        candidates: tuple[str, ...] | list[str] = DEFAULT_CANDIDATES,
        seed: int = 0,
        *,
        word_frequencies: bool = True,
    ) -> None:
        self.candidates = tuple(sorted(set(candidates)))
        self.seed = seed
        self.word_frequencies = word_frequencies
        self._ngram_profiles: dict[str, NgramProfiles | None] = {}
        self._word_logs: dict[tuple[str, ...], _Rows[str]] = {}
        self._cache: OrderedDict[tuple[str, str | None], Detection] = OrderedDict()
        self._scoring = threading.Lock()
        """Held while a batch is scored: the word tables grow and empty in place, and threads
        of one process (a thread pool's batches) share the detector."""

    def detect(self, text: str, context: str | None = None) -> Detection:
        """Language of ``text``; ``context`` is the document's language when known (Han is
        Japanese in a Japanese document). Answers are cached by text (the last
        :data:`CACHE_SIZE` distinct texts)."""
        return self.detect_many([text], context)[0]

    def detect_many(self, texts: Sequence[str], context: str | None = None) -> list[Detection]:
        """:meth:`detect` of each of ``texts``, the texts not in the cache scored together: one
        matrix operation per script for the n-gram and word-frequency scores of all of them
        instead of one per text (the answers are the same as one at a time)."""
        cache = self._cache
        found: dict[str, Detection] = {}
        for text in texts:
            if text not in found and (hit := cache.get((text, context))) is not None:
                found[text] = hit
        todo = [t for t in dict.fromkeys(texts) if t not in found]
        if todo:
            found.update(self._detect_new(todo, context))
            with self._lock:
                for text in todo:
                    cache[(text, context)] = found[text]
                while len(cache) > CACHE_SIZE:
                    cache.popitem(last=False)
        return [found[text] for text in texts]

    def _detect_new(self, todo: list[str], context: str | None) -> dict[str, Detection]:
        """The detections of ``todo`` (distinct texts), scored together.

        An ASCII text has Latin letters only, so its detection is the Latin score of the
        text itself (the planning below gives the same: one script, nothing identified by
        script beside it); only the other texts are planned script by script."""
        cleaned = [_without_addresses(text) for text in todo]
        latin = self._group("latin")
        is_direct = [len(latin) > 1 and text.isascii() for text in cleaned]
        direct = [k for k, yes in enumerate(is_direct) if yes]
        rest = [k for k, yes in enumerate(is_direct) if not yes]
        plans = [
            self._plan(cleaned[k], runs, context)
            for k, runs in zip(rest, script_runs_many([cleaned[k] for k in rest]), strict=True)
        ]
        jobs = _jobs_by_script(plans)
        with self._scoring:
            if direct:
                # Scored with the planned Latin texts, in one matrix operation.
                planned = jobs.pop("latin", [])
                answers = self._statistical_many(
                    "latin", latin, [cleaned[k] for k in direct] + [t for _, t in planned]
                )
                for (plan, _), answer in zip(planned, answers[len(direct) :], strict=True):
                    plan.found["latin"] = answer
                found = dict(zip([todo[k] for k in direct], answers[: len(direct)], strict=True))
            else:
                found = {}
            for script, script_jobs in jobs.items():
                group = self._group(script)
                answers = self._statistical_many(script, group, [t for _, t in script_jobs])
                for (plan, _), answer in zip(script_jobs, answers, strict=True):
                    plan.found[script] = answer
        for k, plan in zip(rest, plans, strict=True):
            found[todo[k]] = plan.finish()
        return found

    def clear_cache(self) -> None:
        """Forget cached answers (benchmarks measure detection, not the cache)."""
        with self._scoring, self._lock:
            self._cache.clear()
            self._word_logs.clear()
            for profiles in self._ngram_profiles.values():
                if profiles is not None:
                    profiles.clear_cache()

    def _plan(self, text: str, runs: Counter[str], context: str | None) -> _Plan:
        """What can be said of ``text`` (without addresses) before any statistics: its
        letters per script (``runs``), the language of each script that names one, and the
        scripts left to score."""
        plan = _Plan(runs)
        identified = {s for s in plan.runs if s in _SINGLE_SCRIPT_LANGUAGE or s == "han"}
        for script, letters in plan.runs.items():
            if identified and script in SCRIPT_LANGUAGES and letters < MIN_RUN_LETTERS:
                continue  # a romanised name or acronym beside Hangul, kana or Han
            if script in _SINGLE_SCRIPT_LANGUAGE:
                lang = _SINGLE_SCRIPT_LANGUAGE[script]
                plan.found[script] = _if_candidate(lang, self.candidates)
            elif script == "han":
                japanese = plan.runs.get("kana", 0) > 0 or context == "ja"
                lang = "ja" if japanese and "ja" in self.candidates else "zh"
                plan.found[script] = _if_candidate(lang, self.candidates)
            else:
                group = self._group(script)
                if len(group) > 1:
                    plan.pending[script] = _script_text(text, script)
                else:
                    plan.found[script] = Detection(group[0] if group else UNDETERMINED, 1.0)
        return plan

    def _group(self, script: str) -> tuple[str, ...]:
        """The candidates written in ``script`` (sorted)."""
        return tuple(sorted(SCRIPT_LANGUAGES.get(script, frozenset()) & set(self.candidates)))

    def _statistical_many(
        self, script: str, group: tuple[str, ...], texts: list[str]
    ) -> list[Detection]:
        """The language among ``group`` of each of ``texts`` (all of one script): langdetect's
        n-gram scores, blended with word frequencies for texts of 1 to 12 words
        (the fewer the words, the more they count), Vietnamese letters favouring Vietnamese."""
        n, width = len(texts), len(group)
        profiles = self._profiles(script, group)
        ngram = np.zeros((n, width))
        ngram_keys = np.zeros((n, width), dtype=bool)
        langdetect_keys: list[list[str]] | None = None
        if profiles is not None:
            langdetect_keys = _langdetect_keys_many(texts)
            posterior, scored = profiles.posteriors(texts, langdetect_keys)
            columns = [group.index(lang) for lang in profiles.languages]
            np.add.at(ngram.T, columns, posterior.T)  # zh-cn and zh-tw add up to zh
            profiled = np.zeros(width, dtype=bool)
            profiled[columns] = True
            ngram_keys = scored[:, None] & profiled[None, :]
        scores, keys = ngram, ngram_keys
        if self.word_frequencies:
            found = list(map(_short_words, texts, langdetect_keys or itertools.repeat(None)))
            long = MAX_SHORT_WORDS + 1
            counts = np.array([long if words is None else len(words) for words in found])
            word_lists = [[] if words is None else [w.lower() for w in words] for words in found]
            short = (counts >= 1) & (counts <= MAX_SHORT_WORDS)
            logs, listed = self._word_log_matrix(group, word_lists, short)
            if short.any() and listed.any():
                best = np.where(listed, logs, -np.inf).max(axis=1, keepdims=True)
                frequency = np.where(listed, np.power(10.0, logs - best), 0.0)
                weight = np.where(counts <= 2, 0.85, np.where(counts <= 5, 0.6, 0.35))[:, None]
                blended = (ngram + 1e-4) ** (1 - weight) * (frequency + 1e-6) ** weight
                blend = short[:, None]
                scores = np.where(blend, blended, ngram)
                keys = np.where(blend, ngram_keys | listed[None, :], ngram_keys)
        if script == "latin" and "vi" in group:
            vietnamese = np.array(
                [not text.isascii() and _VIETNAMESE.search(text) is not None for text in texts]
            )
            factor = np.where(np.array(group) == "vi", 4.0, 0.5)
            scores = np.where(vietnamese[:, None], scores * factor, scores)
        scores = np.where(keys, scores, 0.0)
        best_column = np.where(keys, scores, -np.inf).argmax(axis=1)
        best = scores[np.arange(n), best_column].tolist()
        has_keys = np.asarray(keys.any(axis=1), dtype=bool).tolist()
        answers = []
        for column, has_key, top, total in zip(
            best_column.tolist(),
            has_keys,
            best,
            scores.sum(axis=1).tolist(),
            strict=True,
        ):
            if not has_key:
                answers.append(Detection(UNDETERMINED, 0.0))
                continue
            confidence = round(top / total, 4) if total else 0.0
            answers.append(Detection(group[column], confidence))
        return answers

    def _profiles(self, script: str, group: tuple[str, ...]) -> NgramProfiles | None:
        if script not in self._ngram_profiles:
            with self._lock:
                factory = _restricted_factory(group, self.seed)
                self._ngram_profiles[script] = (
                    NgramProfiles(factory) if factory is not None else None
                )
        return self._ngram_profiles[script]

    def _word_log_matrix(
        self, group: tuple[str, ...], word_lists: list[list[str]], rows: NDArray[np.bool_]
    ) -> tuple[NDArray[np.float64], NDArray[np.bool_]]:
        """For the texts marked in ``rows``, the sum over their words of log10 of each
        language's word frequency (floored), and which languages have a word list."""
        listed = np.array([_log_table(lang) is not None for lang in group], dtype=bool)
        result = np.zeros((len(word_lists), len(group)))
        if not listed.any():
            return result, listed
        table = self._word_logs.get(group)
        if table is None:
            table = self._word_logs[group] = _Rows(len(group))
        chosen = [k for k in np.flatnonzero(rows).tolist() if word_lists[k]]
        if chosen:
            result[chosen] = table.sums(
                [word_lists[k] for k in chosen],
                lambda new: table.add(new, self._log_frequencies(group, new)),
            )
        return result, listed

    def _log_frequencies(self, group: tuple[str, ...], words: list[str]) -> NDArray[np.float64]:
        """log10 of each of ``words``' frequency plus a floor (a row a word) in each language
        of ``group`` (0 where a language has no word list), a language at a time."""
        logs = np.zeros((len(words), len(group)))
        floor = math.log10(_FLOOR)
        for column, lang in enumerate(group):
            table = _log_table(lang)
            if table and words:
                logs[:, column] = list(map(table.get, words, itertools.repeat(floor)))
        return logs


@functools.cache
def _log_table(lang: str) -> dict[str, float] | None:
    """log10 of each word's frequency plus a floor in ``lang``'s word list (None: no list),
    made once per process and shared by its detectors (it is only read)."""
    return {word: math.log10(f + _FLOOR) for word, f in frequencies(lang).items()} or None


@dataclass
class _Plan:
    """One text on its way through :meth:`LanguageDetector.detect_many`: its letters per
    script, the detections found per script, the text of each script still to score."""

    runs: Counter[str]
    found: dict[str, Detection] = field(default_factory=dict)
    pending: dict[str, str] = field(default_factory=dict)

    def finish(self) -> Detection:
        """The text's language: the script languages weighed by letters (see the module's
        "Mixed text")."""
        if len(self.found) == 1:  # one script: its answer, as the weighing below gives it
            ((script, found),) = self.found.items()
            if found.lang == UNDETERMINED:
                return Detection(UNDETERMINED, 0.0)
            return Detection(
                found.lang, round(found.confidence, 4), by_script=script not in SCRIPT_LANGUAGES
            )
        weights: dict[str, float] = defaultdict(float)
        confidences: dict[str, float] = {}
        script_langs: set[str] = set()
        for script, found in self.found.items():
            if found.lang == UNDETERMINED:
                continue
            weights[found.lang] += self.runs[script] * SCRIPT_WEIGHT.get(script, 1.0)
            if script not in SCRIPT_LANGUAGES:
                script_langs.add(found.lang)
            confidences[found.lang] = max(confidences.get(found.lang, 0.0), found.confidence)
        if not weights:
            return Detection(UNDETERMINED, 0.0)
        total = sum(weights.values())
        lang = max(sorted(weights), key=lambda k: weights[k])
        share = weights[lang] / total
        others = tuple(
            sorted(k for k, v in weights.items() if k != lang and v / total >= MIN_OTHER_SHARE)
        )
        confidence = round(confidences[lang] * (0.5 + share / 2), 4)
        return Detection(lang, confidence, others, by_script=lang in script_langs)


def _first_words(text: str) -> list[str]:
    """The words of ``text``, at most ``MAX_SHORT_WORDS + 1`` of them: whether a text is short
    is all the word-frequency blend asks of a longer one (no need to find every word of a
    10,000-letter paragraph).

    >>> len(_first_words("a " * 100)), _first_words("Seoul, 2024 don't")
    (13, ['Seoul', "don't"])
    """
    return [m.group() for m in itertools.islice(_WORD.finditer(text), MAX_SHORT_WORDS + 1)]


def _short_words(text: str, langdetect_keys: list[str] | None = None) -> list[str] | None:
    """The words of ``text`` (:func:`_first_words`) when it has at most
    :data:`MAX_SHORT_WORDS` of them, None when it has more. Its :func:`_langdetect_keys`, when
    given, answer without a second search in ASCII text without addresses or more than
    langdetect's 10,000 characters: both find the runs of letters, and an apostrophe joins at
    most two runs into one word.

    >>> _short_words("Seoul, 2024", ["Seoul"]), _short_words("don't", ["don", "t "])
    (['Seoul'], ["don't"])
    >>> _short_words("a " * 13) is None
    True
    """
    if (
        langdetect_keys is not None
        and len(text) <= _MAX_TEXT_LENGTH
        and text.isascii()
        and "@" not in text
        and "://" not in text
    ):
        if "'" not in text:
            if len(langdetect_keys) > MAX_SHORT_WORDS:
                return None
            return [key.rstrip(" ") for key in langdetect_keys]
        if len(langdetect_keys) > 2 * MAX_SHORT_WORDS:  # at least MAX_SHORT_WORDS + 1 words
            return None
    words = _first_words(text)
    return words if len(words) <= MAX_SHORT_WORDS else None


def _without_addresses(text: str) -> str:
    """``text`` with URLs and e-mail addresses made spaces."""
    if "@" in text or "://" in text or (("w." in text or "W." in text) and _WWW.search(text)):
        return _NOT_LANGUAGE.sub(" ", text)
    return text


def _jobs_by_script(plans: list[_Plan]) -> dict[str, list[tuple[_Plan, str]]]:
    jobs: dict[str, list[tuple[_Plan, str]]] = defaultdict(list)
    for plan in plans:
        for script, text in plan.pending.items():
            jobs[script].append((plan, text))
    return jobs


def _if_candidate(lang: str, candidates: tuple[str, ...]) -> Detection:
    return Detection(lang, 1.0) if lang in candidates else Detection(UNDETERMINED, 0.0)


def _script_text(text: str, script: str) -> str:
    pattern = dict(_SCRIPT_RE)[script]
    return " ".join(pattern.findall(text)) if script != "latin" else text


def _restricted_factory(group: tuple[str, ...], seed: int) -> DetectorFactory | None:
    names = {"zh": ("zh-cn", "zh-tw")}
    profiles = []
    for lang in group:
        for name in names.get(lang, (lang,)):
            path = os.path.join(PROFILES_DIRECTORY, name)
            if os.path.exists(path):
                with open(path, encoding="utf-8") as fh:
                    profiles.append(fh.read())
    if len(profiles) < 2:
        return None
    factory = DetectorFactory()
    factory.load_json_profile(profiles)
    factory.seed = seed
    return factory


class NgramProfiles:
    """langdetect's n-gram profiles of some languages as a matrix, scored by a naive-Bayes sum.

    langdetect draws n-grams of the text at random, seven trials of up to thousands of draws,
    multiplying each language's probability by ``p(n-gram | language) + alpha / 10000`` until
    one language passes 0.99999; lingoflow takes every n-gram of the text once instead and sums
    the logarithms of the same factors (alpha 0.5, langdetect's default), which is the limit
    langdetect's sampling estimates, with no randomness. N-grams are extracted exactly as
    langdetect extracts them (:func:`langdetect_ngrams`, tested against it); as in langdetect,
    only the first 10,000 characters are read. A word's n-grams never cross a space, so each
    word's sum is computed once and kept (the last :data:`WORD_CACHE_SIZE` words).
    """

    def __init__(self, factory: DetectorFactory) -> None:
        self.languages: list[str] = [name.split("-")[0] for name in factory.langlist]
        table = factory.word_lang_prob_map
        self.index = {gram: row for row, gram in enumerate(table)}
        probabilities = np.array([table[gram] for gram in table], dtype=np.float64)
        weight = Detector.ALPHA_DEFAULT / Detector.BASE_FREQ
        self.log_factors: NDArray[np.float64] = np.log(probabilities + weight)
        self._words: _Rows[str] = _Rows(len(self.languages))
        self.grams = GramIndex(self.index)
        """The n-grams' rows in tables indexed by characters, so that the n-grams of many
        words are looked up at once (:func:`word_gram_rows`)."""

    def posteriors(
        self, texts: Sequence[str], key_lists: list[list[str]] | None = None
    ) -> tuple[NDArray[np.float64], NDArray[np.bool_]]:
        """Posterior probability of each of :attr:`languages` for each text (one row a text),
        and whether the text has any n-gram of the profiles (rows without are zero);
        ``key_lists``: the texts' :func:`_langdetect_keys` when the caller has them."""
        if key_lists is None:
            key_lists = _langdetect_keys_many(texts)
        result = np.zeros((len(texts), len(self.languages)))
        with_words = [k for k, keys in enumerate(key_lists) if keys]
        if not with_words:
            return result, np.zeros(len(texts), dtype=bool)
        lists = [key_lists[k] for k in with_words]
        sums, known = self._words.sums(lists, self._learn, with_known=True)
        scored = np.zeros(len(texts), dtype=bool)
        scored[with_words] = known
        if known.any():
            scores = sums[known]
            posterior = np.exp(scores - scores.max(axis=1, keepdims=True))
            result[scored] = posterior / posterior.sum(axis=1, keepdims=True)
        return result, scored

    def clear_cache(self) -> None:
        self._words.clear()

    def _learn(self, keys: list[str]) -> None:
        """Each new word's sum of log factors, by its key (:func:`_langdetect_keys`; a word
        without an n-gram of the profiles stays unknown: zeros), a few matrix operations for
        every :data:`LEARN_CHARACTERS` characters of words."""
        chunk: list[str] = []
        size = 0
        for key in keys:
            chunk.append(key)
            size += len(key)
            if size >= LEARN_CHARACTERS:
                self._learn_chunk(chunk)
                chunk, size = [], 0
        if chunk:
            self._learn_chunk(chunk)

    def _learn_chunk(self, keys: list[str]) -> None:
        words = list(map(_word_of_key, keys))
        if sum(map(len, words)) <= FEW_CHARACTERS:  # numpy's calls would cost more
            index = self.index
            found = [
                (index[g], k) for k, w in enumerate(words) for g in _word_ngrams(w) if g in index
            ]
            rows = np.array([r for r, _ in found], dtype=np.intp)
            owner = np.array([k for _, k in found], dtype=np.intp)
        else:
            rows, owner = word_gram_rows(words, self.grams)
        has_rows = np.zeros(len(keys), dtype=bool)
        has_rows[owner] = True
        scored = list(itertools.compress(keys, has_rows.tolist()))
        unscored = list(itertools.compress(keys, (~has_rows).tolist()))
        if scored:
            starts = np.flatnonzero(np.diff(owner, prepend=-1))
            gathered = np.take(self.log_factors, rows, axis=0)  # as log_factors[rows], faster
            self._words.add(scored, np.add.reduceat(gathered, starts, axis=0))
        self._words.add(unscored, None)


FEW_CHARACTERS = 128
"""New words of at most this many characters in all have their n-grams looked up one by
one (:func:`_word_ngrams`, the same rows in the same order as :func:`word_gram_rows`): a
text detected on its own learns a few words, and the fixed cost of the array operations
would be most of its detection."""

LEARN_CHARACTERS = 16_384
"""Characters of new words whose n-grams are looked up together: enough that numpy's calls
cost little against the work, few enough that their arrays (a few hundred kilobytes) are
memory the process has used before. Arrays of megabytes are fresh memory, and its first
touch (page faults, zeroed huge pages) cost more than the lookups: up to three times the
time of the same work."""


K = TypeVar("K", bound=Hashable)


class _Rows(Generic[K]):
    """Vectors by key in one growing matrix (the last :data:`WORD_CACHE_SIZE` keys, in
    generations), so that the sums of many texts' word vectors are one gather and one
    ``reduceat``; a key added without a vector is known to have none (zeros)."""

    def __init__(self, width: int) -> None:
        self.width = width
        self.matrix = np.zeros((1024, self.width))
        self.known = np.zeros(1024, dtype=bool)
        self.clear()

    def clear(self) -> None:
        """Forget every key. The matrix keeps its size (the rows past :attr:`size` are
        written before they are read): filling it again touches memory already in use."""
        self.row: dict[K, int] = {}
        self.size = 1  # row 0: zeros, for the keys without a vector

    def add(
        self, keys: list[K], vectors: Sequence[NDArray[np.float64]] | NDArray[np.float64] | None
    ) -> None:
        """Put ``keys`` in the table with their ``vectors`` (None: without a vector)."""
        if not keys:
            return
        if vectors is None:
            self.row.update(dict.fromkeys(keys, 0))
            return
        end = self.size + len(keys)
        if end > len(self.matrix):
            capacity = max(end, 2 * len(self.matrix))
            self.matrix = np.resize(self.matrix, (capacity, self.width))
            self.known = np.resize(self.known, capacity)
        self.matrix[self.size : end] = vectors
        self.known[self.size : end] = True
        self.row.update(zip(keys, range(self.size, end), strict=True))
        self.size = end

    @overload
    def sums(
        self, lists: list[list[K]], learn: Callable[[list[K]], None]
    ) -> NDArray[np.float64]: ...
    @overload
    def sums(
        self,
        lists: list[list[K]],
        learn: Callable[[list[K]], None],
        *,
        with_known: Literal[True],
    ) -> tuple[NDArray[np.float64], NDArray[np.bool_]]: ...
    def sums(
        self,
        lists: list[list[K]],
        learn: Callable[[list[K]], None],
        *,
        with_known: bool = False,
    ) -> NDArray[np.float64] | tuple[NDArray[np.float64], NDArray[np.bool_]]:
        """The sum of the vectors of each list of keys (every list non-empty), in the order
        of the keys; with ``with_known``, also whether any key of each list has a vector.
        The keys not in the table are handed to ``learn`` (distinct, in order of first
        appearance), which puts them in it (:meth:`add`); the table starts again (and every
        key is learnt) when they would take it past :data:`WORD_CACHE_SIZE`. Each key is
        looked up once, the known and the new together.

        >>> table: _Rows[str] = _Rows(1)
        >>> table.sums([["a", "b"], ["b"]], lambda new: table.add(new, [[1.0], [2.0]])).tolist()
        [[3.0], [2.0]]
        """
        flat = list(itertools.chain.from_iterable(lists))
        if self.row:
            rows = np.fromiter(
                map(self.row.get, flat, itertools.repeat(-1)), dtype=np.intp, count=len(flat)
            )
            absent = np.flatnonzero(rows < 0)
            absent_keys = list(map(flat.__getitem__, absent.tolist()))
        else:  # every key is new: no need to look
            rows, absent, absent_keys = np.empty(len(flat), dtype=np.intp), None, flat
        if absent_keys:
            new = list(dict.fromkeys(absent_keys))
            if len(self.row) + len(new) > WORD_CACHE_SIZE:
                self.clear()
                absent, absent_keys, new = None, flat, list(dict.fromkeys(flat))
            learn(new)
            looked_up = np.fromiter(
                map(self.row.__getitem__, absent_keys), dtype=np.intp, count=len(absent_keys)
            )
            if absent is None:
                rows = looked_up
            else:
                rows[absent] = looked_up
        lengths = np.fromiter(map(len, lists), dtype=np.intp, count=len(lists))
        starts = np.zeros(len(lists), dtype=np.intp)
        np.cumsum(lengths[:-1], out=starts[1:])
        gathered = np.take(self.matrix, rows, axis=0)  # as matrix[rows], several times faster
        sums: NDArray[np.float64] = np.add.reduceat(gathered, starts, axis=0)
        if not with_known:
            return sums
        known: NDArray[np.bool_] = np.logical_or.reduceat(np.take(self.known, rows), starts)
        return sums, known


WORD_CACHE_SIZE = 200_000


def langdetect_ngrams(text: str) -> list[str]:
    """The 1-, 2- and 3-grams langdetect's ``Detector`` extracts from ``text`` (before it keeps
    those of its profiles), in any order: URLs and e-mail addresses removed, Vietnamese
    normalised, the first 10,000 characters with runs of spaces collapsed, Latin letters dropped
    from mostly non-Latin text, characters normalised as ``NGram.normalize`` does, and within
    each word the n-grams of the word padded with spaces, but none at a capital letter that
    follows a capital letter.

    >>> sorted(langdetect_ngrams("Go NOW"))
    [' G', ' Go', ' N', 'G', 'Go', 'Go ', 'N', 'o', 'o ']
    """
    return [gram for word in _langdetect_words(text) for gram in _word_ngrams(word)]


def _langdetect_words(text: str) -> list[str]:
    """The normalised words of ``text`` as langdetect reads it, each with the space that
    follows it (every word but the last has one).

    >>> _langdetect_words("Go, now!"), _langdetect_words("Go now")
    (['Go ', 'now '], ['Go ', 'now'])
    """
    return list(map(_word_of_key, _langdetect_keys(text)))


def _langdetect_keys(text: str) -> list[str]:
    """:func:`_langdetect_words` as the keys of the detector's word tables: a word that a
    space follows (all but the last) without it, the last word without a following space
    with one (:func:`_word_of_key` turns a key back into its word). Splitting at spaces
    makes these keys at half the cost of finding the words with their spaces.

    >>> _langdetect_keys("Go, now!"), _langdetect_keys("Go now")
    (['Go', 'now'], ['Go', 'now '])
    """
    return _langdetect_keys_many([text])[0]


def _langdetect_keys_many(texts: Sequence[str]) -> list[list[str]]:
    """:func:`_langdetect_keys` of each of ``texts``. ASCII text is read as bytes, one text
    at a time; the texts with a character outside ASCII are normalised together, in one
    array (the fixed cost of numpy's calls, a dozen a text, was most of a short text's).

    >>> _langdetect_keys_many(["Go now", "Café, ça va", "서울 Seoul 시청", "서울특별시 시청 A"])
    [['Go', 'now '], ['Café', 'ça', 'va '], ['가가', 'Seoul', '가가 '], ['가가가가가', '가가']]
    """
    keys: list[list[str]] = []
    others: list[tuple[int, str]] = []
    for text in texts:
        if "://" in text:
            text = Detector.URL_RE.sub(" ", text)
        if "@" in text:
            text = Detector.MAIL_RE.sub(" ", text)
        if text.isascii():  # Basic Latin: letters stay, everything else is a space
            text = text[:_MAX_TEXT_LENGTH]
            if "  " in text:
                text = _SPACES.sub(" ", text)
            letters = text.encode("ascii").translate(_ASCII_LETTERS_ONLY).decode("ascii")
            keys.append(_keys_of(letters, letters.split()))  # letters and spaces only
            continue
        text = NGram.normalize_vi(text)[:_MAX_TEXT_LENGTH]
        if "  " in text:
            text = _SPACES.sub(" ", text)
        others.append((len(keys), text))
        keys.append([])
    if others:
        normalised = _normalised_many([t for _, t in others])
        for (k, _), text in zip(others, normalised, strict=True):
            keys[k] = _keys_of(text)
    return keys


def _normalised_many(texts: list[str]) -> list[str]:
    """Each of ``texts`` (none empty) as langdetect reads its characters: Latin letters
    left out of a text where characters from U+0300 outnumber them two to one, every
    character of the Basic Multilingual Plane ``NGram.normalize``'d.

    >>> _normalised_many(["ab가", "a가나다"])
    ['ab가', '가가가']
    """
    codes = code_points("".join(texts))
    lengths = np.fromiter(map(len, texts), dtype=np.intp, count=len(texts))
    starts = np.cumsum(lengths) - lengths
    latin = (codes >= 0x41) & (codes <= 0x7A)  # langdetect's [A-z], "[\\]^_`" included
    # langdetect means to leave out Latin Extended Additional here, but compares the block
    # with a name unicode_block never returns: every character from U+0300 counts
    latin_count = np.add.reduceat(latin, starts)
    high_count = np.add.reduceat(codes >= 0x300, starts)
    dropped = np.repeat(2 * latin_count < high_count, lengths) & latin
    inside = codes < BMP
    mapped = np.take(_ngram_normalization(), np.where(inside, codes, 0))
    normalised = np.where(inside, mapped, codes)
    if dropped.any():
        normalised = normalised[~dropped]
        lengths = lengths - np.add.reduceat(dropped, starts)
        starts = np.cumsum(lengths) - lengths
    joined = normalised.astype("<u4").tobytes().decode("utf-32-le", "surrogatepass")
    return [joined[a:b] for a, b in zip(starts.tolist(), (starts + lengths).tolist(), strict=True)]


def _keys_of(normalised: str, words: list[str] | None = None) -> list[str]:
    """The words of ``normalised`` (split at spaces only) as :func:`_langdetect_keys`;
    ``words``: those words when already split (text of letters and spaces only, where
    ``str.split()`` finds them at less cost).

    >>> _keys_of("ab  c d"), _keys_of("ab c\u3000 "), _keys_of("ab  c", "ab  c".split())
    (['ab', 'c', 'd '], ['ab', 'c\u3000'], ['ab', 'c '])
    """
    keys = list(filter(None, normalised.split(" "))) if words is None else words
    if keys and normalised[-1] != " ":
        keys[-1] += " "
    return keys


def _word_of_key(key: str) -> str:
    """The word a key of :func:`_langdetect_keys` stands for.

    >>> _word_of_key("ab"), _word_of_key("ab ")
    ('ab ', 'ab')
    """
    return key[:-1] if key[-1] == " " else key + " "


def _word_ngrams(word: str) -> list[str]:
    """langdetect's n-grams of one normalised word, with its following space if it has one
    (see :func:`langdetect_ngrams`).

    >>> _word_ngrams("ab "), _word_ngrams("ab")
    (['a', 'b', ' a', 'ab', 'b ', ' ab', 'ab '], ['a', 'b', ' a', 'ab', ' ab'])
    """
    padded = " " + word
    m = len(padded)
    rest = word[1:]
    if rest == rest.lower():  # no capital after a capital
        grams = list(word[:-1] if word[-1] == " " else word)
        grams.extend(padded[j - 1 : j + 1] for j in range(1, m))
        grams.extend(padded[j - 2 : j + 1] for j in range(2, m))
        return grams
    grams = []
    for j in range(1, m):
        if padded[j].isupper() and padded[j - 1].isupper():
            continue
        if padded[j] != " ":
            grams.append(padded[j])
        grams.append(padded[j - 1 : j + 1])
        if j >= 2:
            grams.append(padded[j - 2 : j + 1])
    return grams


class GramIndex:
    """The rows of a set of one- to three-character n-grams, looked up for many n-grams at
    once by position instead of by search.

    Each character of any n-gram gets a number from 1 (0: a character of none); a one-gram's
    row is found at its number, a two-gram's at ``first * width + second``, and a three-gram's
    at ``prefix * width + third``, where ``prefix`` numbers the two-character beginnings of
    the three-grams (0: a beginning of none). For langdetect's profiles of the nine default
    Latin-script candidates (8,024 n-grams of 167 characters, 1,263 beginnings) the tables
    hold about 270,000 numbers, beside one number for each code point of the Basic
    Multilingual Plane; a lookup is one array index where a search of the sorted n-grams
    takes a dozen steps.

    >>> GramIndex({"ab": 3}).two.reshape(3, 3).tolist()  # rows by first, columns by second
    [[-1, -1, -1], [-1, -1, 3], [-1, -1, -1]]
    """

    def __init__(self, rows: Mapping[str, int]) -> None:
        if any(not 1 <= len(gram) <= 3 for gram in rows):
            raise ValueError("n-grams are of one to three characters")
        chars = sorted({char for gram in rows for char in gram})
        self.width = width = len(chars) + 1
        # one past the last character: the number of every code point beyond (0)
        self.numbers = np.zeros(max([BMP, *(ord(c) + 1 for c in chars)]) + 1, dtype=np.intp)
        self.numbers[[ord(c) for c in chars]] = np.arange(1, width)
        number = {char: k for k, char in enumerate(chars, start=1)}
        prefixes: dict[str, int] = {}
        for gram in rows:
            if len(gram) == 3:
                prefixes.setdefault(gram[:2], len(prefixes) + 1)
        self.one = np.full(width, -1, dtype=np.intp)
        self.two = np.full(width * width, -1, dtype=np.intp)
        self.prefix = np.zeros(width * width, dtype=np.intp)
        self.three = np.full((len(prefixes) + 1) * width, -1, dtype=np.intp)
        for beginning, k in prefixes.items():
            self.prefix[number[beginning[0]] * width + number[beginning[1]]] = k
        for gram, row in rows.items():
            last = number[gram[-1]]
            if len(gram) == 1:
                self.one[last] = row
            elif len(gram) == 2:
                self.two[number[gram[0]] * width + last] = row
            else:
                self.three[prefixes[gram[:2]] * width + last] = row

    def lookup(self, codes: NDArray[np.uint32]) -> NDArray[np.intp]:
        """For each position of ``codes``, the rows of the one-, two- and three-grams that
        end there (a row of the result for each length; -1: none).

        >>> GramIndex({"a": 7, " ab": 9}).lookup(code_points(" ab")).tolist()
        [[-1, 7, -1], [-1, -1, -1], [-1, -1, 9]]
        """
        take = np.take  # as indexing with an array of positions, and faster
        numbers = take(self.numbers, np.minimum(codes, len(self.numbers) - 1))
        width = self.width
        before = np.concatenate([[0], numbers[:-1]])  # 0: no character
        two_before = np.concatenate([[0], before[:-1]])
        found: NDArray[np.intp] = np.stack(
            [
                take(self.one, numbers),
                take(self.two, before * width + numbers),
                take(self.three, take(self.prefix, two_before * width + before) * width + numbers),
            ]
        )
        return found


def word_gram_rows(
    words: Sequence[str], grams: GramIndex
) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    """The rows of the n-grams of ``words`` found in ``grams``, in the order of the words
    and, within each word, in the order :func:`_word_ngrams` gives them; and for each row,
    the position of its word. Every word's n-grams are found at once with numpy instead of
    one string at a time: each word is padded with a space in front, and an n-gram ends at
    each of its characters after the pad. The same rows in the same order as looking up
    :func:`_word_ngrams` one by one (a test asserts it), so that the sums over them are the
    same to the last bit.

    >>> [r.tolist() for r in word_gram_rows(["ab ", "ba"], GramIndex({"a": 7, "b": 8, " ab": 9}))]
    [[7, 8, 9, 8, 7], [0, 0, 0, 1, 1]]
    """
    if not words:
        empty = np.zeros(0, dtype=np.intp)
        return empty, empty
    codes = code_points("".join(map(" ".__add__, words)))
    padded = np.fromiter(map(len, words), dtype=np.intp, count=len(words)) + 1
    starts = np.cumsum(padded) - padded
    owner = np.repeat(np.arange(len(words)), padded)
    position = np.arange(len(codes)) - starts[owner]  # 0: the pad
    upper, changes = classes(codes, (str.isupper, _lowers))
    # Words with a character after the first that lowercasing changes take the other order
    # (and the capital-after-capital rule); _word_ngrams's two paths.
    changed = np.concatenate([[0], np.cumsum(changes & (position >= 2))])
    capitals = (changed[starts + padded] - changed[starts]) > 0
    ends = position >= 1
    skip = capitals[owner] & upper & np.concatenate([[False], upper[:-1]])
    valid = (
        ends & ~skip & (codes != 32),
        ends & ~skip,
        (position >= 2) & ~skip,
    )
    found = grams.lookup(codes)
    # Slots: each word has 3 * (its characters) of them, an n-gram's slot the order
    # _word_ngrams gives it: by length then position, or (capitals) by position then length.
    count = padded - 1
    base = 3 * (starts - np.arange(len(words)))
    slots = np.full(3 * int(count.sum()), -1, dtype=np.intp)
    word_base, word_count, word_capitals = base[owner], count[owner], capitals[owner]
    for length, ok in enumerate(valid):
        rows = found[length]
        at = np.flatnonzero(ok & (rows >= 0))
        j = position[at] - 1
        slot = (
            np.where(word_capitals[at], 3 * j + length, length * word_count[at] + j) + word_base[at]
        )
        slots[slot] = rows[at]
    kept = np.flatnonzero(slots >= 0)
    slot_owner = np.repeat(np.arange(len(words)), 3 * count)
    return slots[kept], slot_owner[kept]


def _lowers(char: str) -> bool:
    """Whether lowercasing changes ``char``."""
    return char.lower() != char


_MAX_TEXT_LENGTH = 10_000
_SPACES = re.compile(" {2,}")
_ASCII_LETTERS_ONLY = ascii_letter_table()
"""A ``bytes.translate`` table: ASCII letters stay, every other byte is a space."""


@functools.cache
def _ngram_normalization() -> NDArray[np.uint32]:
    """``NGram.normalize`` of every character of the Basic Multilingual Plane, by code point
    (it maps a character to one character; none above the BMP changes)."""
    table = np.arange(BMP, dtype="<u4")
    for code in range(BMP):
        normal = NGram.normalize(chr(code))
        if len(normal) != 1:
            raise ValueError(f"NGram.normalize({code:#x}) is not one character")
        table[code] = ord(normal)
    return table


_DETECTORS: dict[tuple[tuple[str, ...], int], LanguageDetector] = {}
_DETECTORS_LOCK = threading.Lock()


def clear_caches() -> None:
    """Forget the cached answers of every detector of this process (for benchmarks)."""
    with _DETECTORS_LOCK:
        for detector in _DETECTORS.values():
            detector.clear_cache()


def detector_for(candidates: tuple[str, ...], seed: int = 0) -> LanguageDetector:
    """One detector per candidate set and seed per process, reused by every batch (building
    one loads langdetect profiles and word lists)."""
    with _DETECTORS_LOCK:
        key = (candidates, seed)
        if key not in _DETECTORS:
            _DETECTORS[key] = LanguageDetector(candidates, seed=seed)
        return _DETECTORS[key]
