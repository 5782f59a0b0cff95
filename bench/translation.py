"""Translation throughput: lingoflow against argostranslate and raw CTranslate2, interleaved.

Builds a synthetic Argos package shaped like the real ones (Transformer base: 6+6 layers,
d_model 512, 8 heads, FFN 2048, a shared vocabulary of 32,000 pieces, int8, seeded random
weights) and translates sentences of the samples with beam size 4 and a decoding cap of 1.5x
the input length (random weights would otherwise decode to the limit). Systems:

  (a) argostranslate: its own PackageTranslation.translate, one call per paragraph (segment),
      its own settings (ARGOS_INTER_THREADS 1, ARGOS_INTRA_THREADS 0, batch of 32 tokens); only
      the sentence splitter (MiniSBD, which downloads models) is replaced by lingoflow's, and
      the cap is passed to CTranslate2;
  (b) lingoflow, flow path: translate_documents over Document objects, as the flow's batch task
      runs it, with translation QA on (protected spans checked and translated again around when
      lost, looping output retried, scores and flags) and a glossary of the samples' names
      (:data:`GLOSSARY`); cache off;
  (c) the limit: translate_batch over pre-tokenized input, sorted by length and split into the
      same token-budget batches submitted asynchronously, no tokenization, detokenization or
      bookkeeping;
  (d) lingoflow's engine alone on the same unique sentences: no QA, no retry; the same
      decoding work as (a) and (c).

The systems run in rounds: the documents are cut into as many slices as rounds, round k
translates slice k with every system, in an order rotated each round, so each system meets
the same machine conditions; ratios are taken per round and reported as the median with the
spread (min-max) over rounds. The random weights garble every number and loop on nearly every
sentence, so (b) does second passes a real model rarely needs: their count is printed, and the
QA's own cost (the checks, without second passes) is timed apart.

    python -m bench.translation [--rounds 5] [--per-round 24] [--skip-argostranslate]
    python -m bench.translation --quick     # 3 rounds of 8 sentences, under three minutes
    python -m bench.translation --sweep     # thread layouts and batch token budgets

The last lines are ``speedup_vs_argostranslate=D/A fraction_of_raw_ctranslate2=D/C
flow_vs_argostranslate=B/A translation_qa_overhead=...`` (medians over rounds).
"""

from __future__ import annotations

import argparse
import copy
import math
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

CAP_RATIO = 1.5
VOCAB_SIZE = 32_000
GLOSSARY = (
    "en\tko\tMinistry of the Interior and Safety\t행정안전부\n"
    "en\tko\tCarbon Neutrality\t탄소중립\n"
    "en\tko\tP4G\tP4G\n"
    "en\tko\tSeoul\t서울\n"
)


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--copies", type=int, default=2, help="copies of the samples (default 2)")
    parser.add_argument("--beam-size", type=int, default=4)
    parser.add_argument(
        "--per-round", type=int, default=24, help="sentences a round, at most (0: all)"
    )
    parser.add_argument("--quick", action="store_true", help="3 rounds of 8 sentences")
    parser.add_argument("--sweep", action="store_true", help="thread layouts and token budgets")
    parser.add_argument("--skip-argostranslate", action="store_true", help="leave out (a)")
    args = parser.parse_args(argv)
    if args.quick:
        args.rounds, args.copies, args.per_round = 3, 1, 8

    state = Path(tempfile.mkdtemp(prefix="lingoflow-bench-"))
    packages = state / "packages"
    os.environ["ARGOS_PACKAGES_DIR"] = str(packages)  # before argostranslate is imported
    os.environ.setdefault("XDG_DATA_HOME", str(state / "data"))
    os.environ.setdefault("XDG_CACHE_HOME", str(state / "cache"))
    os.environ["ARGOS_BEAM_SIZE"] = str(args.beam_size)

    from lingoflow.processors.core.config import TranslationConfig
    from lingoflow.processors.translate.packages import install_archive

    defaults = TranslationConfig()
    inter_threads, intra_threads = defaults.threads()
    print(
        f"CPU: {cpu_model()}; {os.cpu_count()} logical cores; "
        f"lingoflow inter_threads {inter_threads}, intra_threads "
        f"{intra_threads}, max_batch_tokens {defaults.max_batch_tokens}; "
        f"OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', 'unset')}"
    )
    docs = sample_documents(args.copies)
    install_archive(build_model(state, docs), packages)
    if args.sweep:
        return sweep(docs, packages, args.beam_size)
    slices = [_capped(docs[k :: args.rounds], args.per_round) for k in range(args.rounds)]
    sentences = sum(len(_sentences(s)) for s in slices)
    print(
        f"{len(docs)} documents, {sentences} sentences in {args.rounds} rounds; "
        f"beam {args.beam_size}, cap {CAP_RATIO}x input"
    )

    glossary = state / "glossary.tsv"
    glossary.write_text(GLOSSARY, encoding="utf-8")
    systems: dict[str, Callable[[list[Any]], tuple[float, int]]] = {
        "b": lambda d: run_lingoflow(d, packages, args.beam_size, str(glossary)),
        "c": lambda d: run_raw(_sentences(d), packages, args.beam_size),
        "d": lambda d: run_engine(_to_korean(d), packages, args.beam_size),
    }
    if not args.skip_argostranslate:
        systems = {"a": lambda d: run_argostranslate(_paragraphs(d), packages), **systems}
    warm = _capped(slices[0], 1)
    for run in systems.values():  # load every model before timing
        run(copy.deepcopy(warm))
    rates: dict[str, list[float]] = {name: [] for name in systems}
    seconds: dict[str, float] = dict.fromkeys(systems, 0.0)
    names = list(systems)
    for k, chunk in enumerate(slices):
        order = names[k % len(names) :] + names[: k % len(names)]
        count = len(_sentences(chunk))
        for name in order:
            elapsed, _ = systems[name](copy.deepcopy(chunk))
            seconds[name] += elapsed
            rates[name].append(count / elapsed)
        print(f"round {k + 1}: " + ", ".join(f"({n}) {rates[n][-1]:.2f}/s" for n in order))

    labels = {
        "a": "(a) argostranslate translate per paragraph",
        "b": "(b) lingoflow flow path, translation QA on",
        "c": "(c) raw translate_batch, pre-tokenized",
        "d": "(d) lingoflow engine alone, no QA",
    }
    print("\n| system | seconds (all rounds) | sentences/s, median | min-max over rounds |")
    print("|---|---|---|---|")
    for name in systems:
        r = rates[name]
        print(
            f"| {labels[name]} | {seconds[name]:.1f} | {statistics.median(r):.2f} | "
            f"{min(r):.2f}-{max(r):.2f} |"
        )

    def ratio(x: str, y: str) -> str:
        values = [p / q for p, q in zip(rates[x], rates[y], strict=True)]
        return f"{statistics.median(values):.2f} ({min(values):.2f}-{max(values):.2f})"

    print()
    if "a" in systems:
        print(f"speedup_vs_argostranslate={ratio('d', 'a')}")
        print(f"flow_vs_argostranslate={ratio('b', 'a')}")
    print(f"fraction_of_raw_ctranslate2={ratio('d', 'c')}")
    print(f"flow_fraction_of_raw_ctranslate2={ratio('b', 'c')}")
    qa = qa_costs(docs, packages, args.beam_size, 16 if args.quick else 200)
    print(
        f"second passes on this model: {qa['retried']} looping outputs retried, "
        f"{qa['protected']} sentences translated again around lost spans, of {qa['sentences']}"
    )
    overhead = [q / p - 1 for p, q in zip(rates["b"], rates["d"], strict=True)]
    print(
        f"translation_qa_overhead={statistics.median(overhead):.2f} ((b) over (d), this "
        f"model's second passes included); translation_qa_checks_overhead="
        f"{qa['checks'] / qa['engine']:.3f} (the checks alone, over the engine's time)"
    )
    return 0


def _capped(docs: list[Any], limit: int) -> list[Any]:
    """The documents with their blocks cut after ``limit`` sentences in all (0: no limit)."""
    if not limit:
        return docs
    out, count = [], 0
    for doc in docs:
        if count >= limit:
            break
        twin = copy.deepcopy(doc)
        kept = []
        for block in twin.blocks:
            if count >= limit:
                break
            kept.append(block)
            count += len(block.sentences)
        twin.blocks = kept
        out.append(twin)
    return out


def _paragraphs(docs: list[Any]) -> list[str]:
    return [b.text for d in docs for b in d.blocks]


def _sentences(docs: list[Any]) -> list[str]:
    return [b.text[s:e] for d in docs for b in d.blocks for s, e in b.sentences]


def _to_korean(docs: list[Any]) -> list[str]:
    return [b.text[s:e] for d in docs for b in d.blocks if b.lang != "ko" for s, e in b.sentences]


def sample_documents(copies: int) -> list[Any]:
    """The samples, cleaned, ``copies`` times; copy k numbers its sentences "(k)" so that no
    two copies are identical (deduplication must not help lingoflow)."""
    from lingoflow.processors.core.config import PipelineConfig
    from lingoflow.processors.core.document import Document
    from lingoflow.processors.pipeline import clean_documents
    from lingoflow.processors.text.sentences import sentence_spans

    raw = Path(__file__).resolve().parent.parent / "raw"
    base = []
    for path in sorted(raw.iterdir()):
        doc = Document(rel_path=path.name, doc_id="bench-000000000000", data=path.read_bytes())
        clean_documents([doc], PipelineConfig())
        base.append(doc)
    docs = []
    for k in range(copies):
        for doc in base:
            twin = copy.deepcopy(doc)
            for block in twin.blocks:
                if k:
                    parts = [block.text[s:e] for s, e in block.sentences]
                    block.text = " ".join(f"({k}) {p}" for p in parts)
                    block.sentences = sentence_spans(block.text)
                block.lang = "en"
            docs.append(twin)
    return docs


def build_model(state: Path, docs: list[Any]) -> Path:
    """An en→ko package: SentencePiece trained on the samples, vocabulary padded to 32,000."""
    from bench.argos_packages import pieces, random_base_spec, train_sentencepiece, write_package

    sentences = [b.text for d in docs for b in d.blocks]
    model = train_sentencepiece(sentences, 2000)
    vocab = pieces(model)
    vocab += [f"<extra_{i}>" for i in range(VOCAB_SIZE - len(vocab))]
    return write_package(state, random_base_spec(vocab, seed=0), model, "en", "ko")


class CappedTranslator:
    """A CTranslate2 translator that adds the decoding cap to argostranslate's calls."""

    def __init__(self, translator: Any, counter: list[int]) -> None:
        self.translator = translator
        self.counter = counter

    def translate_batch(self, tokens: list[list[str]], **kwargs: Any) -> Any:
        cap = math.ceil(CAP_RATIO * max(len(t) for t in tokens))
        results = self.translator.translate_batch(tokens, max_decoding_length=cap, **kwargs)
        self.counter[0] += sum(len(r.hypotheses[0]) for r in results)
        return results


_ARGOS: dict[str, Any] = {}


def run_argostranslate(paragraphs: list[str], packages: Path) -> tuple[float, int]:
    if "translation" not in _ARGOS:
        import ctranslate2
        from argostranslate import settings
        from argostranslate import translate as argos

        from lingoflow.processors.text.sentences import split_sentences

        class OurSplitter:
            def split_sentences(self, text: str) -> list[str]:
                return split_sentences(text)

        translation = argos.get_translation_from_codes("en", "ko")
        underlying = getattr(translation, "underlying", translation)
        underlying.sentencizer = OurSplitter()
        counter = [0]
        model = next(packages.iterdir()) / "model"
        underlying.translator = CappedTranslator(
            ctranslate2.Translator(
                str(model),
                device=settings.device,
                inter_threads=settings.inter_threads,
                intra_threads=settings.intra_threads,
                compute_type=settings.compute_type,
            ),
            counter,
        )
        _ARGOS.update(translation=underlying, counter=counter)
    underlying, counter = _ARGOS["translation"], _ARGOS["counter"]
    counter[0] = 0
    start = time.perf_counter()
    for paragraph in paragraphs:
        underlying.hypotheses(paragraph, num_hypotheses=1)  # no cache, as a new text would be
    return time.perf_counter() - start, counter[0]


_ENGINES: dict[tuple[Any, ...], Any] = {}


def loaded_engine(packages: Path, beam_size: int, **settings: Any) -> Any:
    """lingoflow's engine over ``packages`` with the bench's settings, its model loaded (one
    per settings, reused across rounds)."""
    from lingoflow.processors.core.config import TranslationConfig
    from lingoflow.processors.core.languages import Pair
    from lingoflow.processors.translate.engine import TranslationEngine

    key = (str(packages), beam_size, tuple(sorted(settings.items())))
    if key not in _ENGINES:
        config = TranslationConfig(
            packages_dir=str(packages),
            beam_size=beam_size,
            cache=False,
            max_decoding_ratio=CAP_RATIO,
            max_decoding_extra=0,
            **settings,
        )
        engine = TranslationEngine.load(config)
        engine.translate(Pair("en", "ko"), ["Warm up."])  # load before timing
        _ENGINES[key] = engine
    return _ENGINES[key]


def run_lingoflow(
    docs: list[Any], packages: Path, beam_size: int, glossary: str | None = None
) -> tuple[float, int]:
    from lingoflow.processors.translate.documents import translate_documents

    engine = loaded_engine(packages, beam_size, glossary=glossary)
    start = time.perf_counter()
    report = translate_documents(docs, engine, ("ko",))
    return time.perf_counter() - start, report.engine.target_tokens


def run_engine(
    sentences: list[str], packages: Path, beam_size: int, **settings: Any
) -> tuple[float, int]:
    from lingoflow.processors.core.languages import Pair
    from lingoflow.processors.translate.engine import EngineStats

    engine = loaded_engine(
        packages, beam_size, repetition_retry_ngram=0, repetition_retry_penalty=1.0, **settings
    )
    stats = EngineStats()
    start = time.perf_counter()
    engine.translate_scored(Pair("en", "ko"), list(dict.fromkeys(sentences)), stats)
    return time.perf_counter() - start, stats.target_tokens


_RAW: dict[tuple[Any, ...], Any] = {}


def run_raw(
    sentences: list[str],
    packages: Path,
    beam_size: int,
    inter: int = 0,
    intra: int = 0,
    budget: int = 0,
) -> tuple[float, int]:
    import ctranslate2
    import sentencepiece as spm

    from lingoflow.processors.core.config import TranslationConfig
    from lingoflow.processors.translate.engine import batches

    defaults = TranslationConfig()
    inter, intra = inter or defaults.threads()[0], intra or defaults.threads()[1]
    budget = budget or defaults.max_batch_tokens
    folder = next(packages.iterdir())
    key = (str(folder), inter, intra)
    if key not in _RAW:
        processor = spm.SentencePieceProcessor(model_file=str(folder / "sentencepiece.model"))
        translator = ctranslate2.Translator(
            str(folder / "model"), inter_threads=inter, intra_threads=intra
        )
        translator.translate_batch([["a"]], beam_size=beam_size, max_decoding_length=4)
        _RAW[key] = (processor, translator)
    processor, translator = _RAW[key]
    tokenized = [processor.encode(s, out_type=str) for s in sentences]
    order = sorted(range(len(tokenized)), key=lambda i: len(tokenized[i]))
    tokens = 0
    start = time.perf_counter()
    pending = []
    for chunk in batches(order, tokenized, budget):
        inputs = [tokenized[i] for i in chunk]
        pending += translator.translate_batch(
            inputs,
            max_batch_size=budget,
            batch_type="tokens",
            asynchronous=True,
            beam_size=beam_size,
            length_penalty=0.2,
            replace_unknowns=True,
            max_decoding_length=math.ceil(CAP_RATIO * max(len(t) for t in inputs)),
        )
    for future in pending:
        tokens += len(future.result().hypotheses[0])
    return time.perf_counter() - start, tokens


def qa_costs(docs: list[Any], packages: Path, beam_size: int, limit: int) -> dict[str, float]:
    """What translation QA costs on a slice: the engine's time, the checks' time on its
    outputs (protected spans, quality flags), and how many second passes this model needs."""
    from lingoflow.processors.core.languages import Pair
    from lingoflow.processors.translate.engine import EngineStats
    from lingoflow.processors.translate.protect import missing_protected
    from lingoflow.processors.translate.quality import quality_flags

    sentences = list(dict.fromkeys(_to_korean(docs)))[:limit]
    engine = loaded_engine(
        packages, beam_size, repetition_retry_ngram=0, repetition_retry_penalty=1.0
    )
    start = time.perf_counter()
    found = engine.translate_scored(Pair("en", "ko"), sentences, EngineStats()) or []
    engine_seconds = time.perf_counter() - start
    start = time.perf_counter()
    lost = sum(bool(missing_protected(s, t.text)) for s, t in zip(sentences, found, strict=True))
    for s, t in zip(sentences, found, strict=True):
        quality_flags(s, t.text, "en", bounded=t.bounded)
    checks = time.perf_counter() - start
    stats = EngineStats()
    retrying = loaded_engine(packages, beam_size)
    sample = sentences[: max(1, limit // 4)]  # the retry rate on a quarter: each costs a pass
    retrying.models[Pair("en", "ko")].translate(sample, stats)
    return {
        "engine": engine_seconds,
        "checks": checks,
        "protected": lost,
        "retried": round(stats.retried * len(sentences) / len(sample)),
        "sentences": len(sentences),
    }


def sweep(docs: list[Any], packages: Path, beam_size: int) -> int:
    """Raw CTranslate2 and lingoflow's engine under thread layouts and token budgets, on the
    same 24 sentences, one after the other for each setting; sentences/s."""
    cores = os.cpu_count() or 1
    layouts = sorted({(cores, 1), (1, cores), (max(1, cores // 2), 2), (2 * cores, 1)})
    sentences = _to_korean(docs)[:24]
    print(f"sweep: {len(sentences)} sentences, beam {beam_size}")
    print(
        "\n| inter_threads | intra_threads | max_batch_tokens | raw sentences/s | "
        "lingoflow engine sentences/s |"
    )
    print("|---|---|---|---|---|")
    for inter, intra in layouts:
        for budget in (128, 192, 256, 512):
            raw = len(sentences) / run_raw(sentences, packages, beam_size, inter, intra, budget)[0]
            ours = (
                len(sentences)
                / run_engine(
                    sentences,
                    packages,
                    beam_size,
                    inter_threads=inter,
                    intra_threads=intra,
                    max_batch_tokens=budget,
                )[0]
            )
            print(f"| {inter} | {intra} | {budget} | {raw:.2f} | {ours:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
