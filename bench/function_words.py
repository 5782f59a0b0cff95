"""Write lingoflow's multilingual function-word list (processors/text/function_words.txt).

The most frequent words of 24 Latin-script languages according to wordfreq (Robyn Speer,
https://github.com/rspeer/wordfreq; its data is CC BY-SA 4.0): the 40 most frequent alphabetic
words of each, which are nearly all articles, pronouns, prepositions, conjunctions and
auxiliaries. The page-block classifier measures a block's share of them, so that running text
in German or Portuguese reads as running text and not as a menu.

    python -m bench.function_words
"""

from __future__ import annotations

from pathlib import Path

from wordfreq import top_n_list

from lingoflow.processors.text.features import FUNCTION_WORDS_PATH

LANGUAGES = "en de fr es it pt nl sv da nb pl cs sk ro hu fi tr id vi ca sh sl lt lv".split()
PER_LANGUAGE = 40


def main() -> int:
    words: set[str] = set()
    for lang in LANGUAGES:
        words.update([w for w in top_n_list(lang, PER_LANGUAGE * 2) if w.isalpha()][:PER_LANGUAGE])
    header = (
        "# The 40 most frequent alphabetic words of each of these languages in wordfreq\n"
        "# (https://github.com/rspeer/wordfreq, data CC BY-SA 4.0), one a line:\n"
        f"# {' '.join(LANGUAGES)}. Written by python -m bench.function_words.\n"
    )
    Path(FUNCTION_WORDS_PATH).write_text(header + "\n".join(sorted(words)) + "\n", encoding="utf-8")
    print(f"{len(words)} words -> {FUNCTION_WORDS_PATH}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
