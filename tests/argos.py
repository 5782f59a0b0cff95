"""Test Argos packages built offline (see bench/argos_packages.py) and what they should output."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import sentencepiece as spm

from bench.argos_packages import (
    copy_model_spec,
    permutation,
    pieces,
    train_sentencepiece,
    write_package,
)
from lingoflow.processors.text.sentences import split_sentences
from tests.conftest import RAW

# Each direction scrambles tokens through its own seeded permutation, so a translation is
# recognisably different from its source and exactly predictable.
SEEDS = {("ko", "en"): 11, ("en", "ko"): 12, ("en", "ja"): 13}


@cache
def sentencepiece_model() -> bytes:
    """One SentencePiece model, trained on the samples' sentences plus some Korean."""
    sentences = [
        s
        for path in sorted(RAW.iterdir())
        for line in path.read_text(encoding="utf-8").splitlines()
        for s in split_sentences(line)
    ]
    sentences += ["서울시는 올해 새 공원을 연다고 밝혔다.", "감사합니다.", "탄소중립 회의"]
    return train_sentencepiece(sentences, 400)


@dataclass(frozen=True)
class Expected:
    """What a copy-model package turns a sentence into."""

    source: str
    target: str

    def translate(self, sentence: str) -> str:
        processor = spm.SentencePieceProcessor(model_proto=sentencepiece_model())
        vocab = pieces(sentencepiece_model())
        order = permutation(len(vocab), SEEDS[(self.source, self.target)])
        out = []
        for piece in processor.encode(sentence, out_type=str):
            index = processor.piece_to_id(piece)
            out.append(piece if index == 0 else vocab[order[index]])
        text = processor.decode_pieces(out).replace("▁", " ").replace("_", " ")
        return text[1:] if text.startswith(" ") else text


def build_packages(out_dir: Path, pairs: list[tuple[str, str]]) -> list[Path]:
    """``.argosmodel`` files for ``pairs`` in ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    model = sentencepiece_model()
    vocab = pieces(model)
    return [
        write_package(out_dir, copy_model_spec(vocab, SEEDS[pair]), model, *pair) for pair in pairs
    ]
