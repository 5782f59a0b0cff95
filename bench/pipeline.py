"""Throughput of the pipeline without translation on real pages, against trafilatura alone.

The data is ../shared/eval/boilerplate (122 real pages): its HTML folder and its text folder
(the pages' naive visible text, menus and footers included). In one run, on the same pages:

  (a) trafilatura alone: ``trafilatura.extract`` on each HTML page's bytes (defaults, comments
      off), the extraction every HTML page of lingoflow also goes through;
  (b) lingoflow, HTML path: the HTML pages through every step but translation (decode, repair,
      extraction and cleaning, language detection), in batches as a run makes them;
  (b') lingoflow, HTML path with the ``blocks`` extractor (one parse, a learned decision per
      block: CleanConfig.html_extractor);
  (c) lingoflow, text path: the text files the same way.

Each system runs ``--repeat`` times over all pages after one warm-up pass (models and profiles
loaded, Kiwi included); the best pass is reported, as pages/s, the ratio to (a), and the share
of each stage in lingoflow's stage time.

    python -m bench.pipeline [--data DIR] [--repeat N] [--batch N]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path

from lingoflow.processors.core.config import CleanConfig, PipelineConfig, TranslationConfig
from lingoflow.processors.core.document import Document
from lingoflow.processors.language.detector import clear_caches
from lingoflow.processors.pipeline import StageClock, run_steps
from lingoflow.processors.read.ingest import doc_id_for
from lingoflow.processors.text.normalize import clear_cache as clear_normalize_cache

DEFAULT_DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "eval" / "boilerplate"
CONFIG = PipelineConfig(translation=TranslationConfig(enabled=False))
CONFIGS = {
    "html": CONFIG,
    "html-blocks": CONFIG.model_copy(update={"clean": CleanConfig(html_extractor="blocks")}),
    "text": CONFIG,
}
GOALS = {"html": 1.0, "html-blocks": 1.0, "text": 2.0}
LABELS = {"html": "(b)", "html-blocks": "(b')", "text": "(c)"}
DETECT_SHARE_GOAL = 0.15


def read_pages(folder: Path, suffix: str) -> list[tuple[str, bytes]]:
    return [(p.name, p.read_bytes()) for p in sorted(folder.glob(f"*{suffix}"))]


def lingoflow_pass(
    pages: list[tuple[str, bytes]], batch: int, config: PipelineConfig = CONFIG
) -> dict[str, float]:
    """One pass of every page through the pipeline without translation; seconds per stage."""
    seconds: dict[str, float] = {}
    clock = StageClock(seconds)
    clear_caches()  # each pass starts cold: a run meets its pages once
    clear_normalize_cache()
    for start in range(0, len(pages), batch):
        docs = [
            Document(rel_path=f"pages/{name}", doc_id=doc_id_for(f"pages/{name}"), data=data)
            for name, data in pages[start : start + batch]
        ]
        run_steps(docs, config, clock=clock)
    return seconds


def trafilatura_pass(pages: list[tuple[str, bytes]]) -> float:
    import trafilatura

    start = time.perf_counter()
    for _, data in pages:
        trafilatura.extract(data, include_comments=False)
    return time.perf_counter() - start


def best_of(repeat: int, run: Callable[[], float]) -> float:
    run()  # warm-up
    return min(run() for _ in range(repeat))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--batch", type=int, default=64)
    args = parser.parse_args(argv)
    html = read_pages(args.data / "html", ".html")
    text = read_pages(args.data / "text", ".txt")
    print(
        f"{len(html)} HTML pages ({sum(len(d) for _, d in html) / 1e6:.1f} MB), "
        f"{len(text)} text pages ({sum(len(d) for _, d in text) / 1e6:.1f} MB); "
        f"best of {args.repeat} after a warm-up"
    )

    baseline = best_of(args.repeat, lambda: trafilatura_pass(html))
    stages: dict[str, dict[str, float]] = {}

    def timed(name: str, pages: list[tuple[str, bytes]]) -> Callable[[], float]:
        def run() -> float:
            start = time.perf_counter()
            seconds = lingoflow_pass(pages, args.batch, CONFIGS[name])
            elapsed = time.perf_counter() - start
            if name not in stages or elapsed < sum(stages[name].values()) + 1e-9:
                stages[name] = seconds
            return elapsed

        return run

    results = {
        "html": best_of(args.repeat, timed("html", html)),
        "html-blocks": best_of(args.repeat, timed("html-blocks", html)),
        "text": best_of(args.repeat, timed("text", text)),
    }
    print("\n| system | pages/s | x trafilatura | goal | decode+repair | clean | detect |")
    print("|---|---|---|---|---|---|---|")
    print(f"| (a) trafilatura alone, HTML | {len(html) / baseline:.1f} | 1.00 | | | | |")
    for name, elapsed in results.items():
        count = len(text) if name == "text" else len(html)
        share = stages[name]
        total = sum(share.values()) or 1.0
        cells = " | ".join(
            f"{100 * share.get(s, 0.0) / total:.0f} %" for s in ("decode", "clean", "detect")
        )
        ratio = baseline / elapsed
        print(
            f"| {LABELS[name]} lingoflow, {name} | {count / elapsed:.1f} | "
            f"{ratio:.2f} | >= {GOALS[name]} | {cells} |"
        )
    detect = {n: s.get("detect", 0.0) / (sum(s.values()) or 1.0) for n, s in stages.items()}
    for name in results:
        met = baseline / results[name] >= GOALS[name] and detect[name] <= DETECT_SHARE_GOAL
        print(f"{name}: goals met: {met}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
