"""Language identification that holds on short and mixed text.

:class:`LanguageDetector` decides in this order:

1. **Script.** Letters are grouped by writing system. Hangul is Korean and kana is Japanese
   without asking a model; Han without kana is Chinese (Japanese when the caller says the
   document is Japanese); Thai, Greek, Hebrew, Devanagari name one language each. Symbols and
   lone compatibility jamo used as bullets (ㅇ, □, ▸) are not letters of any language.
2. **Statistics within the script.** For scripts shared by several candidates (Latin, Cyrillic,
   Arabic) langdetect runs with its profiles restricted to the candidates of that script (smaller
   and faster than all 55), seeded so results never change, and a word-frequency signal from
   ``wordfreq`` is combined with it: on one or two words, whether a word is frequent in a
   language says more than character n-grams.
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

import math
import os
import re
import threading
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from langdetect.detector_factory import PROFILES_DIRECTORY, DetectorFactory
from langdetect.lang_detect_exception import LangDetectException

UNDETERMINED = "und"

# Default candidates: languages langdetect ships profiles for that lingoflow's users meet in
# public East Asian and European government and news pages (ISO 639-1).
DEFAULT_CANDIDATES: tuple[str, ...] = (
    "ar", "de", "en", "es", "fr", "id", "it", "ja", "ko", "nl", "pt", "ru", "th", "vi", "zh",
)  # fmt: skip

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
_SCRIPT_WEIGHT = {"hangul": 2.5, "kana": 1.5, "han": 3.0}
# URLs and e-mail addresses are not text in any language.
_NOT_LANGUAGE = re.compile(r"(?:https?://|www\.)\S+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.IGNORECASE)
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")
_VIETNAMESE = re.compile("[ăâđêôơưĂÂĐÊÔƠƯ\u1ea0-\u1ef9]")

# A Latin/Cyrillic/Arabic run shorter than this, next to a script-identified run, is a name or
# an acronym rather than a language of its own.
MIN_RUN_LETTERS = 20
# Share a language needs to be reported as another language of a mixed text.
MIN_OTHER_SHARE = 0.15
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
    for name, pattern in _SCRIPT_RE:
        for match in pattern.finditer(text):
            counts[name] += len(match.group())
    return counts


def default_candidates(languages: tuple[str, ...] | list[str] = ()) -> tuple[str, ...]:
    """The documented default list, the configured language pair and the languages of the
    installed translation packages."""
    from lingoflow.processors.models import model_languages

    return tuple(sorted(set(DEFAULT_CANDIDATES) | set(languages) | model_languages()))


class LanguageDetector:
    """Deterministic detector over a fixed candidate set (see the module docstring).

    candidates:
        ISO 639-1 codes the detector may answer (plus ``und``). Languages of single-language
        scripts answer for their script only when they are candidates; otherwise the
        script's text is ``und``.
    seed:
        langdetect's random seed; the same text always gets the same answer.
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
        self._factories: dict[str, DetectorFactory | None] = {}
        self._freqs: dict[str, dict[str, float]] = {}

    def detect(self, text: str, context: str | None = None) -> Detection:
        """Language of ``text``; ``context`` is the document's language when known."""
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
            weights[found.lang] += letters * _SCRIPT_WEIGHT.get(script, 1.0)
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
        factory = self._factory(script, group)
        if factory is None:
            return {}
        with self._lock:  # langdetect detectors share the factory's tables
            detector = factory.create()
            detector.append(text)
            try:
                probabilities = detector.get_probabilities()
            except LangDetectException:
                return {}
        return {p.lang.split("-")[0]: float(p.prob) for p in probabilities}

    def _factory(self, script: str, group: tuple[str, ...]) -> DetectorFactory | None:
        if script not in self._factories:
            with self._lock:
                self._factories[script] = _restricted_factory(group, self.seed)
        return self._factories[script]

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
            self._freqs[lang] = _load_frequencies(lang)
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


def _load_frequencies(lang: str) -> dict[str, float]:
    from wordfreq import get_frequency_dict  # loaded on first use: ~4 MB per language

    try:
        return dict(get_frequency_dict(lang, wordlist="small"))
    except LookupError:
        return {}


_DETECTORS: dict[tuple[tuple[str, ...], int], LanguageDetector] = {}
_DETECTORS_LOCK = threading.Lock()


def detector_for(candidates: tuple[str, ...], seed: int = 0) -> LanguageDetector:
    """One detector per candidate set and seed per process, reused by every batch (building
    one loads langdetect profiles and word lists)."""
    with _DETECTORS_LOCK:
        key = (candidates, seed)
        if key not in _DETECTORS:
            _DETECTORS[key] = LanguageDetector(candidates, seed=seed)
        return _DETECTORS[key]
