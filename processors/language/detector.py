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
import math
import os
import re
import threading
from collections import Counter, OrderedDict, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
from langdetect.detector import Detector
from langdetect.detector_factory import PROFILES_DIRECTORY, DetectorFactory
from langdetect.utils.ngram import NGram
from numpy.typing import NDArray

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
_ASCII_LETTERS = re.compile("[A-Za-z]+")
# Characters per script that carry about as much as one alphabetic letter (by information):
# a Hangul syllable or a Han character is roughly a two- or three-letter unit.
SCRIPT_WEIGHT = {"hangul": 2.5, "kana": 1.5, "han": 3.0}
"""Letters a character of these scripts counts for when scripts are weighed against each other
(others count 1)."""
# URLs and e-mail addresses are not text in any language.
_NOT_LANGUAGE = re.compile(r"(?:https?://|www\.)\S+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.IGNORECASE)
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")
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
    counts: Counter[str] = Counter()
    if text.isascii():  # the common case: one pattern, not ten
        latin = sum(map(len, _ASCII_LETTERS.findall(text)))
        if latin:
            counts["latin"] = latin
        return counts
    for name, pattern in _SCRIPT_RE:
        letters = sum(map(len, pattern.findall(text)))
        if letters:
            counts[name] = letters
    return counts


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
        self._freqs: dict[str, dict[str, float]] = {}
        self._cache: OrderedDict[tuple[str, str | None], Detection] = OrderedDict()

    def detect(self, text: str, context: str | None = None) -> Detection:
        """Language of ``text``; ``context`` is the document's language when known (Han is
        Japanese in a Japanese document). Answers
        are cached by text (the last :data:`CACHE_SIZE` distinct texts)."""
        key = (text, context)
        found = self._cache.get(key)
        if found is None:
            found = self._detect(text, context)
            with self._lock:
                self._cache[key] = found
                if len(self._cache) > CACHE_SIZE:
                    self._cache.popitem(last=False)
        return found

    def clear_cache(self) -> None:
        """Forget cached answers (benchmarks measure detection, not the cache)."""
        with self._lock:
            self._cache.clear()
            for profiles in self._ngram_profiles.values():
                if profiles is not None:
                    profiles.clear_cache()

    def _detect(self, text: str, context: str | None) -> Detection:
        if "@" in text or "://" in text or "www." in text.lower():
            text = _NOT_LANGUAGE.sub(" ", text)
        runs = script_runs(text)
        if not runs:
            return Detection(UNDETERMINED, 0.0)
        weights: dict[str, float] = defaultdict(float)
        confidences: dict[str, float] = {}
        script_langs: set[str] = set()
        identified = {s for s in runs if s in _SINGLE_SCRIPT_LANGUAGE or s == "han"}
        for script, letters in runs.items():
            if identified and script in SCRIPT_LANGUAGES and letters < MIN_RUN_LETTERS:
                continue  # a romanised name or acronym beside Hangul, kana or Han
            found = self._detect_script(script, text, runs, context)
            if found.lang == UNDETERMINED:
                continue
            weights[found.lang] += letters * SCRIPT_WEIGHT.get(script, 1.0)
            if script not in SCRIPT_LANGUAGES:
                script_langs.add(found.lang)
            confidences[found.lang] = max(confidences.get(found.lang, 0.0), found.confidence)
        if not weights:
            return Detection(UNDETERMINED, 0.0)
        total = sum(weights.values())
        lang = max(sorted(weights), key=lambda k: weights[k])
        weight = weights[lang]
        share = weight / total
        others = tuple(
            sorted(k for k, v in weights.items() if k != lang and v / total >= MIN_OTHER_SHARE)
        )
        confidence = round(confidences[lang] * (0.5 + share / 2), 4)
        return Detection(lang, confidence, others, by_script=lang in script_langs)

    def _detect_script(
        self, script: str, text: str, runs: Counter[str], context: str | None
    ) -> Detection:
        if script in _SINGLE_SCRIPT_LANGUAGE:
            lang = _SINGLE_SCRIPT_LANGUAGE[script]
            return Detection(lang, 1.0) if lang in self.candidates else Detection(UNDETERMINED, 0)
        if script == "han":
            japanese = runs.get("kana", 0) > 0 or context == "ja"
            lang = "ja" if japanese and "ja" in self.candidates else "zh"
            return Detection(lang, 1.0) if lang in self.candidates else Detection(UNDETERMINED, 0)
        group = tuple(sorted(SCRIPT_LANGUAGES.get(script, frozenset()) & set(self.candidates)))
        if not group:
            return Detection(UNDETERMINED, 0.0)
        if len(group) == 1:
            return Detection(group[0], 1.0)
        return self._statistical(script, group, _script_text(text, script))

    def _statistical(self, script: str, group: tuple[str, ...], text: str) -> Detection:
        scores = self._langdetect(script, group, text)
        words = [w.lower() for w in _WORD.findall(text)]
        if self.word_frequencies and words and len(words) <= 12:
            scores = _combine(scores, self._word_scores(group, words), len(words))
        if script == "latin" and "vi" in group and len(_VIETNAMESE.findall(text)) >= 1:
            scores = {k: v * (4.0 if k == "vi" else 0.5) for k, v in scores.items()}
        if not scores:
            return Detection(UNDETERMINED, 0.0)
        total = sum(scores.values())
        lang = max(sorted(scores), key=lambda k: scores[k])
        return Detection(lang, round(scores[lang] / total, 4) if total else 0.0)

    def _langdetect(self, script: str, group: tuple[str, ...], text: str) -> dict[str, float]:
        profiles = self._profiles(script, group)
        return profiles.probabilities(text) if profiles is not None else {}

    def _profiles(self, script: str, group: tuple[str, ...]) -> NgramProfiles | None:
        if script not in self._ngram_profiles:
            with self._lock:
                factory = _restricted_factory(group, self.seed)
                self._ngram_profiles[script] = (
                    NgramProfiles(factory) if factory is not None else None
                )
        return self._ngram_profiles[script]

    def _word_scores(self, group: tuple[str, ...], words: list[str]) -> dict[str, float]:
        logs = {}
        for lang in group:
            freqs = self._frequencies(lang)
            if freqs is None:
                continue
            logs[lang] = sum(math.log10(freqs.get(w, 0.0) + _FLOOR) for w in words)
        if not logs:
            return {}
        best = max(logs.values())
        return {k: 10 ** (v - best) for k, v in logs.items()}

    def _frequencies(self, lang: str) -> dict[str, float] | None:
        if lang not in self._freqs:
            self._freqs[lang] = dict(frequencies(lang))
        return self._freqs[lang] or None


def _combine(langdetect: dict[str, float], words: dict[str, float], n: int) -> dict[str, float]:
    """Geometric blend; the fewer the words, the more the word-frequency signal counts."""
    if not words:
        return langdetect
    weight = 0.85 if n <= 2 else 0.6 if n <= 5 else 0.35
    keys = set(words) | set(langdetect)
    return {
        k: (langdetect.get(k, 0.0) + 1e-4) ** (1 - weight) * (words.get(k, 0.0) + 1e-6) ** weight
        for k in keys
    }


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
        self.languages = [name.split("-")[0] for name in factory.langlist]
        table = factory.word_lang_prob_map
        self.index = {gram: row for row, gram in enumerate(table)}
        probabilities = np.array([table[gram] for gram in table], dtype=np.float64)
        weight = Detector.ALPHA_DEFAULT / Detector.BASE_FREQ
        self.log_factors: NDArray[np.float64] = np.log(probabilities + weight)
        self._words: dict[tuple[str, bool], NDArray[np.float64] | None] = {}

    def probabilities(self, text: str) -> dict[str, float]:
        """Posterior probability per language (languages sharing a code, such as zh-cn and
        zh-tw, summed); empty when the text has no n-gram of the profiles."""
        words = _langdetect_words(text)
        cache = self._words
        unseen = [w for w in dict.fromkeys(words) if w not in cache]
        if unseen:
            self._learn(unseen)
        vectors = [v for w in words if (v := cache[w]) is not None]
        if not vectors:
            return {}
        scores = np.sum(vectors, axis=0)
        posterior = np.exp(scores - scores.max())
        posterior /= posterior.sum()
        result: dict[str, float] = {}
        for lang, p in zip(self.languages, posterior.tolist(), strict=True):
            result[lang] = result.get(lang, 0.0) + p
        return result

    def clear_cache(self) -> None:
        self._words.clear()

    def _learn(self, words: list[tuple[str, bool]]) -> None:
        """Each word's sum of log factors, all words in one matrix operation."""
        if len(self._words) + len(words) > WORD_CACHE_SIZE:
            self._words.clear()
        index = self.index
        rows: list[int] = []
        starts: list[int] = []
        scored: list[tuple[str, bool]] = []
        for word in words:
            found = [index[g] for g in _word_ngrams(*word) if g in index]
            if found:
                starts.append(len(rows))
                rows.extend(found)
                scored.append(word)
            else:
                self._words[word] = None
        if rows:
            sums = np.add.reduceat(self.log_factors[rows], starts, axis=0)
            self._words.update(zip(scored, sums, strict=True))


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
    return [gram for word in _langdetect_words(text) for gram in _word_ngrams(*word)]


def _langdetect_words(text: str) -> list[tuple[str, bool]]:
    """The normalised words of ``text`` as langdetect reads it, each with whether a space
    follows it (every word but the last)."""
    if "://" in text:
        text = Detector.URL_RE.sub(" ", text)
    if "@" in text:
        text = Detector.MAIL_RE.sub(" ", text)
    if text.isascii():  # Basic Latin: letters stay, everything else is a space
        text = _SPACES.sub(" ", text[:_MAX_TEXT_LENGTH])
        return _words_of(_NOT_ASCII_LETTER.sub(" ", text))
    text = NGram.normalize_vi(text)[:_MAX_TEXT_LENGTH]
    text = _SPACES.sub(" ", text)
    latin = len(_LATIN_RANGE.findall(text))
    # langdetect means to leave out Latin Extended Additional here, but compares the block
    # with a name unicode_block never returns: every character from U+0300 counts
    non_latin = len(_FROM_U0300.findall(text))
    if latin * 2 < non_latin:
        text = _LATIN_RANGE.sub("", text)
    return _words_of(text.translate(_ngram_normalization()))


def _words_of(normalised: str) -> list[tuple[str, bool]]:
    words = normalised.split(" ")
    last = len(words) - 1
    return [(word, k < last) for k, word in enumerate(words) if word]


def _word_ngrams(word: str, spaced: bool) -> list[str]:
    """langdetect's n-grams of one normalised word (see :func:`langdetect_ngrams`)."""
    padded = " " + word + (" " if spaced else "")
    m = len(padded)
    rest = word[1:]
    if rest == rest.lower():  # no capital after a capital
        grams = list(word)
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


_MAX_TEXT_LENGTH = 10_000
_SPACES = re.compile(" {2,}")
_LATIN_RANGE = re.compile("[A-z]")
_FROM_U0300 = re.compile("[\u0300-\U0010ffff]")
_NOT_ASCII_LETTER = re.compile("[^A-Za-z]")


@functools.cache
def _ngram_normalization() -> dict[int, str]:
    """``NGram.normalize`` for every character of the Basic Multilingual Plane, as a
    ``str.translate`` table (the characters it changes; none above the BMP changes)."""
    table = {}
    for code in range(0x10000):
        char = chr(code)
        normal = NGram.normalize(char)
        if normal != char:
            table[code] = normal
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
