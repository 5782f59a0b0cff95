"""Quality signals of a machine translation: problems found without reading it.

Each check is one pure function of the source text, the translation and the language pair;
:func:`quality_flags` runs them all. The flags (documented in the record schema):

- ``untranslated``: the output equals the input, or is mostly in the source's script when the
  target is written in another one (Hangul left in an English translation), or is detected as
  the source language when both share a script (lingoflow's own detector);
- ``repetition``: a word or a phrase of up to three words repeated four times or more in a row
  (the loop a model falls into), when the source has no such run;
- ``length_ratio``: characters of output per character of input outside the band of the pair's
  scripts (:data:`LENGTH_BANDS`), for inputs of 10 characters or more;
- ``number_mismatch``: numbers or protected spans (URLs, e-mail addresses, phone numbers, dates,
  codes) of the source missing from the output, or numbers the output adds;
- ``truncated``: the output reached the decoding bound, so it may be cut.
"""

from __future__ import annotations

from collections import Counter

from lingoflow.processors.language.detector import SCRIPT_WEIGHT, LanguageDetector, script_runs
from lingoflow.processors.translate.protect import NUMBER, missing_protected

# Characters of output per character of input, by (source script, target script): Korean is
# about a third as long as English in characters. The bands are wide on purpose (a flag is
# for a translation that is wrong in length, not a loose one); they were set from the
# length ratios of parallel Korean-English news sentences, not measured on model output here.
LENGTH_BANDS: dict[tuple[str, str], tuple[float, float]] = {
    ("hangul", "latin"): (0.9, 8.0),
    ("latin", "hangul"): (0.12, 1.1),
    ("han", "latin"): (1.2, 12.0),
    ("latin", "han"): (0.08, 0.9),
    ("kana", "latin"): (0.9, 8.0),
    ("latin", "kana"): (0.12, 1.1),
}
SAME_SCRIPT_BAND = (0.4, 2.5)
OTHER_BAND = (0.15, 6.0)


def main_script(text: str) -> str | None:
    """The script most letters of ``text`` are in (Hangul and Han counted as in langid).

    >>> main_script("서울 Seoul City"), main_script("Seoul 서울시청")
    ('latin', 'hangul')
    """
    runs = script_runs(text)
    if not runs:
        return None
    return max(sorted(runs), key=lambda s: runs[s] * SCRIPT_WEIGHT.get(s, 1.0))


def untranslated(
    source: str, output: str, source_lang: str, detector: LanguageDetector | None = None
) -> bool:
    """The output is the input, or still in the source's language or script.

    >>> untranslated("환경부가 발표했다.", "환경부가 발표했다.", "ko")
    True
    >>> untranslated("환경부가 발표했다.", "The ministry announced it.", "ko")
    False
    """
    if not any(c.isalpha() for c in source):
        return False
    if output.strip() == source.strip():
        return True
    source_script, output_script = main_script(source), main_script(output)
    if source_script is None or output_script is None:
        return False
    if source_script != "latin" or output_script != "latin":
        return output_script == source_script and source_script != "latin"
    if detector is None or sum(c.isalpha() for c in output) < 20:
        return False
    found = detector.detect(output)
    return found.lang == source_lang and found.confidence >= 0.8


def repetition(source: str, output: str) -> bool:
    """A word or phrase of up to three words repeated four times or more in a row in the
    output, and not in the source.

    >>> repetition("The plan.", "The plan plan plan plan plan.")
    True
    >>> repetition("Very, very good.", "Very, very good.")
    False
    """
    return _longest_run(output.split()) >= 4 > _longest_run(source.split())


def _longest_run(words: list[str]) -> int:
    words = [w.strip(".,;:!?\"'()").lower() for w in words]
    best = 1 if words else 0
    for size in (1, 2, 3):
        for start in range(size):
            run, previous = 1, None
            for i in range(start, len(words) - size + 1, size):
                gram = tuple(words[i : i + size])
                run = run + 1 if gram == previous else 1
                previous = gram
                best = max(best, run)
    return best


def length_ratio(source: str, output: str) -> bool:
    """Output length per input length outside the band of the two scripts.

    >>> length_ratio("The ministry announced a new plan today.", "부처는 오늘 새 계획을 발표했다.")
    False
    >>> length_ratio("The ministry announced a new plan today.", "새")
    True
    """
    if len(source.strip()) < 10:
        return False
    pair = (main_script(source), main_script(output))
    if pair[0] is None or pair[1] is None:
        return False
    low, high = LENGTH_BANDS.get(
        (pair[0], pair[1]), SAME_SCRIPT_BAND if pair[0] == pair[1] else OTHER_BAND
    )
    ratio = len(output.strip()) / len(source.strip())
    return not low <= ratio <= high


def number_mismatch(source: str, output: str) -> bool:
    """Numbers or protected spans of the source not carried over, or numbers added.

    >>> number_mismatch("It costs 1,200 won in 2021.", "2021년에 1200원이다.")
    False
    >>> number_mismatch("It costs 1,200 won in 2021.", "2012년에 1200원이다.")
    True
    """
    if missing_protected(source, output):
        return True
    wanted = Counter(n.replace(",", "") for n in NUMBER.findall(source))
    found = Counter(n.replace(",", "") for n in NUMBER.findall(output))
    return bool(found - wanted) or bool(wanted - found)


def quality_flags(
    source: str,
    output: str,
    source_lang: str,
    *,
    bounded: bool = False,
    detector: LanguageDetector | None = None,
) -> list[str]:
    """Every flag that applies, in the documented order."""
    flags = []
    if untranslated(source, output, source_lang, detector):
        flags.append("untranslated")
    if repetition(source, output):
        flags.append("repetition")
    if length_ratio(source, output):
        flags.append("length_ratio")
    if number_mismatch(source, output):
        flags.append("number_mismatch")
    if bounded:
        flags.append("truncated")
    return flags
