"""Throughput of the pipeline without translation on real pages, against trafilatura alone.

The data is ../shared/eval/boilerplate (122 real pages): its HTML folder and its text folder
(the pages' naive visible text, menus and footers included). In one run, on the same pages:

  (a) trafilatura alone: ``trafilatura.extract`` on each HTML page's bytes (defaults, comments
      off), the extraction every HTML page of lingoflow also goes through;
  (b) lingoflow, HTML path: the HTML pages through every step but translation (decode, repair,
      extraction and cleaning, language detection), in batches as a run makes them (the
      default ``blocks`` extractor: one parse, a learned decision per block, trafilatura where
      it finds no article);
  (b') lingoflow, HTML path with ``--html-extractor trafilatura`` (trafilatura for every page,
      CleanConfig.html_extractor);
  (c) lingoflow, text path: the text files the same way.

After one warm-up pass of every system (models and profiles loaded, Kiwi included), the
systems run in ``--rounds`` interleaved rounds, each round one pass of every system over all
pages in an order rotated each round, so that a slow spell of the machine falls on all of them
alike (trafilatura alone measured 30 to 51 pages/s in separate runs here). Reported: each
system's median pages/s, its ratio to (a) taken within each round (median, min-max), and the
share of each stage in lingoflow's stage time (median round): decode and repair, cleaning,
language detection, and the garbled-text check.

    python -m bench.pipeline [--data DIR] [--rounds N] [--batch N]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Iterator
from pathlib import Path

from lingoflow.processors import compiled_modules
from lingoflow.processors.core.config import CleanConfig, PipelineConfig, TranslationConfig
from lingoflow.processors.core.document import Document
from lingoflow.processors.language.detector import clear_caches
from lingoflow.processors.pipeline import StageClock, run_steps
from lingoflow.processors.read.ingest import doc_id_for
from lingoflow.processors.text.features import clear_caches as clear_feature_caches
from lingoflow.processors.text.normalize import clear_cache as clear_normalize_cache

DEFAULT_DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "eval" / "boilerplate"
CONFIG = PipelineConfig(translation=TranslationConfig(enabled=False))
CONFIGS = {
    "html": CONFIG,
    "html-trafilatura": CONFIG.model_copy(
        update={"clean": CleanConfig(html_extractor="trafilatura")}
    ),
    "text": CONFIG,
}
GOALS = {"html": 1.0, "html-trafilatura": 1.0, "text": 2.0}
LABELS = {"html": "(b)", "html-trafilatura": "(b')", "text": "(c)"}
DETECT_SHARE_GOAL = 0.15
STAGES = ("decode", "clean", "detect", "check")


def read_pages(folder: Path, suffix: str) -> list[tuple[str, bytes]]:
    return [(p.name, p.read_bytes()) for p in sorted(folder.glob(f"*{suffix}"))]


def clear_all_caches() -> None:
    """Forget every detection, word, normalised line and judged token: a cold start."""
    clear_caches()
    clear_normalize_cache()
    clear_feature_caches()


def run_batches(
    pages: list[tuple[str, bytes]],
    batch: int,
    config: PipelineConfig = CONFIG,
    clock: StageClock | None = None,
) -> Iterator[list[Document]]:
    """Every page through the pipeline in batches of ``batch`` as a run makes them; each
    batch's documents once processed."""
    for start in range(0, len(pages), batch):
        docs = [
            Document(rel_path=f"pages/{name}", doc_id=doc_id_for(f"pages/{name}"), data=data)
            for name, data in pages[start : start + batch]
        ]
        run_steps(docs, config, clock=clock)
        yield docs


def lingoflow_pass(
    pages: list[tuple[str, bytes]], batch: int, config: PipelineConfig = CONFIG
) -> dict[str, float]:
    """One pass of every page through the pipeline without translation; seconds per stage."""
    seconds: dict[str, float] = {}
    clear_all_caches()  # each pass starts cold: a run meets its pages once
    for _ in run_batches(pages, batch, config, StageClock(seconds)):
        pass
    return seconds


def trafilatura_pass(pages: list[tuple[str, bytes]]) -> float:
    import trafilatura

    start = time.perf_counter()
    for _, data in pages:
        trafilatura.extract(data, include_comments=False)
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--batch", type=int, default=64)
    args = parser.parse_args(argv)
    html = read_pages(args.data / "html", ".html")
    text = read_pages(args.data / "text", ".txt")
    compiled = compiled_modules()
    print(f"lingoflow: compiled build, {len(compiled)} modules" if compiled else "lingoflow: plain")
    print(
        f"{len(html)} HTML pages ({sum(len(d) for _, d in html) / 1e6:.1f} MB), "
        f"{len(text)} text pages ({sum(len(d) for _, d in text) / 1e6:.1f} MB); "
        f"{args.rounds} interleaved rounds after a warm-up"
    )
    pages = {"html": html, "html-trafilatura": html, "text": text}
    seconds: dict[str, list[float]] = {"trafilatura": [], **{name: [] for name in CONFIGS}}
    stages: dict[str, list[dict[str, float]]] = {name: [] for name in CONFIGS}

    def one_pass(name: str) -> None:
        start = time.perf_counter()
        if name == "trafilatura":
            trafilatura_pass(html)
        else:
            stages[name].append(lingoflow_pass(pages[name], args.batch, CONFIGS[name]))
        seconds[name].append(time.perf_counter() - start)

    order = list(seconds)
    for name in order:  # warm-up, not counted
        one_pass(name)
    for values in (*seconds.values(), *stages.values()):
        values.clear()
    for k in range(args.rounds):
        for name in order[k % len(order) :] + order[: k % len(order)]:
            one_pass(name)

    def median_rate(name: str) -> float:
        return statistics.median(len(pages.get(name, html)) / t for t in seconds[name])

    print(
        "\n| system | pages/s (median) | x trafilatura, median (min-max) | goal | decode+repair |"
        " clean | detect | check |"
    )
    print("|---|---|---|---|---|---|---|---|")
    print(f"| (a) trafilatura alone, HTML | {median_rate('trafilatura'):.1f} | 1.00 | | | | | |")
    met = {}
    for name in CONFIGS:
        count = len(pages[name])
        ratios = [
            (count / mine) / (len(html) / base)
            for mine, base in zip(seconds[name], seconds["trafilatura"], strict=True)
        ]
        middle = sorted(range(args.rounds), key=lambda r: seconds[name][r])[args.rounds // 2]
        share = stages[name][middle]
        total = sum(share.values()) or 1.0
        cells = " | ".join(f"{100 * share.get(s, 0.0) / total:.0f} %" for s in STAGES)
        ratio = statistics.median(ratios)
        print(
            f"| {LABELS[name]} lingoflow, {name} | {median_rate(name):.1f} | "
            f"{ratio:.2f} ({min(ratios):.2f}-{max(ratios):.2f}) | >= {GOALS[name]} | {cells} |"
        )
        met[name] = ratio >= GOALS[name] and share.get("detect", 0.0) / total <= DETECT_SHARE_GOAL
    print("\nSeconds per stage, every round (decode+repair / clean / detect / check):")
    for name in CONFIGS:
        rounds = ", ".join(
            " / ".join(f"{one.get(s, 0.0):.2f}" for s in STAGES) for one in stages[name]
        )
        print(f"  {name}: {rounds}")
    for name, ok in met.items():
        print(f"{name}: goals met: {ok}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
