"""Glossary matching: the time to find a glossary's terms in a sentence, by glossary size.

lingoflow finds the terms with an Aho-Corasick automaton (pyahocorasick); the reference is what
one regular expression of all the terms (what lingoflow used before) takes.

    python -m bench.glossary [--sizes 1000 10000 100000] [--regex-up-to 10000]
"""

from __future__ import annotations

import argparse
import re
import time

from lingoflow.processors.core.languages import Pair
from lingoflow.processors.translate.glossary import parse_glossary

SENTENCE = (
    "The Ministry of Environment and the Carbon Neutrality Commission presented the green new "
    "deal at the P4G summit in Seoul, with 2050 targets for every sector of the economy."
)
PAIR = Pair("en", "ko")


def glossary_text(size: int) -> str:
    words = ["Ministry of Environment", "Carbon Neutrality Commission", "green new deal", "P4G"]
    lines = [f"en\tko\t{w}\t용어{i}" for i, w in enumerate(words)]
    lines += [f"en\tko\tterm {i:06d} of the glossary\t용어{i}" for i in range(size - len(words))]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10_000, 100_000])
    parser.add_argument("--regex-up-to", type=int, default=10_000)
    args = parser.parse_args(argv)
    print("| terms | build s | automaton ms/sentence | regex ms/sentence | matches |")
    print("|---|---|---|---|---|")
    for size in args.sizes:
        text = glossary_text(size)
        start = time.perf_counter()
        glossary = parse_glossary(text)
        glossary.matches(SENTENCE, PAIR)  # the automaton is built with the glossary
        build = time.perf_counter() - start
        rounds = 200
        start = time.perf_counter()
        for _ in range(rounds):
            found = glossary.matches(SENTENCE, PAIR)
        automaton = (time.perf_counter() - start) / rounds * 1000
        regex = "-"
        if size <= args.regex_up_to:
            terms = sorted((e.source for e in glossary.entries), key=len, reverse=True)
            pattern = re.compile(r"(?<!\w)(?:" + "|".join(map(re.escape, terms)) + r")(?!\w)")
            start = time.perf_counter()
            for _ in range(5):
                pattern.findall(SENTENCE)
            regex = f"{(time.perf_counter() - start) / 5 * 1000:.2f}"
        print(f"| {size:,} | {build:.2f} | {automaton:.3f} | {regex} | {len(found)} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
