"""Translation throughput: lingoflow's engine against argostranslate and raw CTranslate2.

Builds a synthetic Argos package shaped like the real ones (Transformer base: 6+6 layers,
d_model 512, 8 heads, FFN 2048, a shared vocabulary of 32,000 pieces, int8, seeded random
weights) and translates the same sentences from the samples, all in one run, with beam size 4
and a decoding cap of 1.5x the input length (random weights would otherwise decode to the limit):

  (a) argostranslate: its own PackageTranslation.translate, one call per paragraph (segment),
      its own settings (ARGOS_INTER_THREADS 1, ARGOS_INTRA_THREADS 0, batch of 32 tokens); only
      the sentence splitter (MiniSBD, which downloads models) is replaced by lingoflow's, and
      the cap is passed to CTranslate2;
  (b) lingoflow: translate_documents over Document objects, as the flow's batch task runs it
      (sentences of all documents at once, sorted, token-budget batches, inter 2 / intra 1);
      the translation cache is off so that every sentence is computed;
  (c) the limit: translate_batch over pre-tokenized input, sorted by length and split into the
      same token-budget batches submitted asynchronously (so the cap rule is the same),
      inter 2 / intra 1, no tokenization, detokenization or bookkeeping;
  (d) lingoflow's engine alone on the same unique sentences: no protected-span check and
      retry, no quality flags; (b) over (d) is what those cost.

    python -m bench.translation [--copies N] [--beam-size N] [--skip-argostranslate]

The last lines are ``speedup_vs_argostranslate=B/A fraction_of_raw_ctranslate2=B/C`` and
``translation_qa_overhead=B/D-1`` (time). The random weights garble every number, so every
sentence with a protected span is translated a second time around its spans: the worst case
of that check (a real model carries most numbers over and needs no second pass).
"""

from __future__ import annotations

import argparse
import copy
import math
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

CAP_RATIO = 1.5
VOCAB_SIZE = 32_000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--copies", type=int, default=6, help="copies of the samples (default 6)")
    parser.add_argument("--beam-size", type=int, default=4)
    parser.add_argument(
        "--skip-argostranslate", action="store_true", help="leave out (a), the slow row"
    )
    args = parser.parse_args(argv)

    state = Path(tempfile.mkdtemp(prefix="lingoflow-bench-"))
    packages = state / "packages"
    os.environ["ARGOS_PACKAGES_DIR"] = str(packages)  # before argostranslate is imported
    os.environ.setdefault("XDG_DATA_HOME", str(state / "data"))
    os.environ.setdefault("XDG_CACHE_HOME", str(state / "cache"))
    os.environ["ARGOS_BEAM_SIZE"] = str(args.beam_size)

    from lingoflow.processors.models import install_archive

    docs = sample_documents(args.copies)
    archive = build_model(state, docs)
    install_archive(archive, packages)
    paragraphs = [b.text for d in docs for b in d.blocks]
    sentences = [b.text[s:e] for d in docs for b in d.blocks for s, e in b.sentences]
    to_korean = [
        b.text[s:e] for d in docs for b in d.blocks if b.lang != "ko" for s, e in b.sentences
    ]
    print(
        f"{len(docs)} documents, {len(paragraphs)} paragraphs, {len(sentences)} sentences "
        f"(unique {len(set(sentences))}); beam {args.beam_size}, cap {CAP_RATIO}x input"
    )

    rows = [
        ("(b) lingoflow engine (flow path)", *run_lingoflow(docs, packages, args.beam_size)),
        ("(c) raw translate_batch, pre-tokenized", *run_raw(sentences, packages, args.beam_size)),
        ("(d) lingoflow engine alone, no QA", *run_engine(to_korean, packages, args.beam_size)),
    ]
    if not args.skip_argostranslate:
        argos = run_argostranslate(paragraphs, packages)
        rows.insert(0, ("(a) argostranslate translate per paragraph", *argos))
    print()
    print("| system | seconds | sentences/s | target tokens/s |")
    print("|---|---|---|---|")
    for name, seconds, tokens in rows:
        print(
            f"| {name} | {seconds:.1f} | {len(sentences) / seconds:.1f} | {tokens / seconds:.0f} |"
        )
    rate = {name[:3]: len(sentences) / seconds for name, seconds, _ in rows}
    print()
    if "(a)" in rate:
        print(f"speedup_vs_argostranslate={rate['(b)'] / rate['(a)']:.2f} ", end="")
    print(f"fraction_of_raw_ctranslate2={rate['(b)'] / rate['(c)']:.2f}")
    print(f"translation_qa_overhead={rate['(d)'] / rate['(b)'] - 1:.2f}")
    return 0


def sample_documents(copies: int) -> list[Any]:
    """The samples, cleaned, ``copies`` times; copy k numbers its sentences "(k)" so that no
    two copies are identical (deduplication must not help lingoflow)."""
    from lingoflow.processors.config import PipelineConfig
    from lingoflow.processors.document import Document
    from lingoflow.processors.pipeline import clean_documents
    from lingoflow.processors.sentences import sentence_spans

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


def run_argostranslate(paragraphs: list[str], packages: Path) -> tuple[float, int]:
    import ctranslate2
    from argostranslate import settings
    from argostranslate import translate as argos

    from lingoflow.processors.sentences import split_sentences

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
    underlying.hypotheses(paragraphs[0], num_hypotheses=1)  # load before timing
    counter[0] = 0
    start = time.perf_counter()
    for paragraph in paragraphs:
        underlying.hypotheses(paragraph, num_hypotheses=1)  # no cache, as a new text would be
    return time.perf_counter() - start, counter[0]


def loaded_engine(packages: Path, beam_size: int) -> Any:
    """lingoflow's engine over ``packages`` with the bench's settings, its model loaded."""
    from lingoflow.processors.config import TranslationConfig
    from lingoflow.processors.translate import Pair, TranslationEngine

    config = TranslationConfig(
        packages_dir=str(packages),
        beam_size=beam_size,
        cache=False,
        max_decoding_ratio=CAP_RATIO,
        max_decoding_extra=0,
    )
    engine = TranslationEngine.load(config)
    engine.translate(Pair("en", "ko"), ["Warm up."])  # load before timing
    return engine


def run_lingoflow(docs: list[Any], packages: Path, beam_size: int) -> tuple[float, int]:
    from lingoflow.processors.translate import translate_documents

    engine = loaded_engine(packages, beam_size)
    start = time.perf_counter()
    report = translate_documents(docs, engine, ("ko",))
    return time.perf_counter() - start, report.stats.target_tokens


def run_engine(sentences: list[str], packages: Path, beam_size: int) -> tuple[float, int]:
    from lingoflow.processors.translate import EngineStats, Pair

    engine = loaded_engine(packages, beam_size)
    stats = EngineStats()
    start = time.perf_counter()
    engine.translate_scored(Pair("en", "ko"), list(dict.fromkeys(sentences)), stats)
    return time.perf_counter() - start, stats.target_tokens


def run_raw(sentences: list[str], packages: Path, beam_size: int) -> tuple[float, int]:
    import ctranslate2
    import sentencepiece as spm

    from lingoflow.processors.translate import batches

    folder = next(packages.iterdir())
    processor = spm.SentencePieceProcessor(model_file=str(folder / "sentencepiece.model"))
    tokenized = [processor.encode(s, out_type=str) for s in sentences]
    order = sorted(range(len(tokenized)), key=lambda i: len(tokenized[i]))
    translator = ctranslate2.Translator(str(folder / "model"), inter_threads=2, intra_threads=1)
    translator.translate_batch([tokenized[0]], beam_size=beam_size, max_decoding_length=4)
    budget = 512
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


if __name__ == "__main__":
    sys.exit(main())
