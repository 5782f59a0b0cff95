"""What metadata the HTML extractors find on real pages, and what looking for it costs.

The pages are the 241 shared real pages (../shared/eval/boilerplate and ../shared/eval/html),
read through the pipeline without translation two ways: the default ``blocks`` extractor and
trafilatura for every page (``--html-extractor trafilatura``, whose metadata is trafilatura's
own). Neither set has labelled metadata, so the table says how many pages each finds a
publication date, an author, a site name and a URL for, and on how many pages the two agree
(both empty counts as agreeing); ``--show`` prints the pages where they differ, for a person
to judge. The last table times the default extractor's search for what a page does not
declare in ``<head>``, JSON-LD or ``<time>`` (``html.fill_missing_metadata``), per page that
needs it, over ``--rounds`` passes.

    python -m bench.metadata [--show] [--rounds 3]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from bench.heldout_html import read
from lingoflow.processors.core.config import CleanConfig, PipelineConfig, TranslationConfig
from lingoflow.processors.read.decode import decode_bytes
from lingoflow.processors.read.html import fill_missing_metadata, read_page

SHARED = Path(__file__).resolve().parent.parent.parent / "shared" / "eval"
FOLDERS = (SHARED / "boilerplate" / "html", SHARED / "html" / "pages")
CONFIG = PipelineConfig(translation=TranslationConfig(enabled=False))
SYSTEMS = {
    "blocks (default)": CONFIG,
    "trafilatura for every page": CONFIG.model_copy(
        update={"clean": CleanConfig(html_extractor="trafilatura")}
    ),
}
FIELDS = ("published", "authors", "organisation", "url")


def pages() -> list[Path]:
    return [p for folder in FOLDERS for p in sorted(folder.glob("*.html"))]


def metadata_of(path: Path, config: PipelineConfig) -> dict[str, str]:
    meta = read(path.read_bytes(), config).metadata
    return {
        "published": str(meta.published or ""),
        "authors": "; ".join(meta.authors),
        "organisation": meta.organisation or "",
        "url": meta.url or "",
    }


def search_seconds(paths: list[Path], rounds: int) -> tuple[int, list[float]]:
    """How many pages need the search, and its seconds over all of them in each round."""
    texts = [decode_bytes(p.read_bytes()).text for p in paths]
    times = []
    needed = 0
    for _ in range(rounds):
        total, needed = 0.0, 0
        for text in texts:
            page = read_page(text)
            if page.date and page.author and page.sitename:
                continue
            needed += 1
            start = time.perf_counter()
            fill_missing_metadata(page)
            total += time.perf_counter() - start
        times.append(total)
    return needed, times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--show", action="store_true", help="print the pages that differ")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    paths = pages()
    found = {name: [metadata_of(p, config) for p in paths] for name, config in SYSTEMS.items()}
    default, other = found.values()
    print(f"{len(paths)} pages\n")
    print("| found | " + " | ".join(SYSTEMS) + " | pages that agree |")
    print("|---|" + "---|" * (len(SYSTEMS) + 1))
    for name in FIELDS:
        counts = [sum(1 for m in metas if m[name]) for metas in found.values()]
        agree = sum(1 for a, b in zip(default, other, strict=True) if a[name] == b[name])
        print(f"| {name} | " + " | ".join(map(str, counts)) + f" | {agree} |")
    if args.show:
        for path, a, b in zip(paths, default, other, strict=True):
            for name in FIELDS:
                if a[name] != b[name]:
                    print(f"{path.name[:48]:48} {name:12} {a[name][:40]!r:42} {b[name][:40]!r}")
    needed, times = search_seconds(paths, args.rounds)
    median = statistics.median(times)
    print(
        f"\n| undeclared metadata searched | pages | s (median of {args.rounds}, min-max) |", end=""
    )
    print(" ms a page |")
    print("|---|---|---|---|")
    print(
        f"| fill_missing_metadata | {needed} | {median:.2f} ({min(times):.2f}-{max(times):.2f}) "
        f"| {1000 * median / max(1, needed):.1f} |"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
