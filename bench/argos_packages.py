"""Build real Argos Translate packages offline, for tests and benchmarks.

Nothing is downloaded: a SentencePiece model is trained in memory on the given sentences and a
CTranslate2 Transformer is built with CTranslate2's own spec API. Two kinds of model:

* :func:`copy_model_spec`: one encoder and one decoder layer with hand-set weights that copy the
  input (optionally through a seeded permutation of the vocabulary, so the output differs from
  the input in a known way). Deterministic, so tests can assert exact outputs.
* :func:`random_base_spec`: shaped like real Argos packages (Transformer base: 6+6 layers,
  d_model 512, 8 heads, FFN 2048) with seeded random weights, for speed measurements.

:func:`write_package` zips either into an ``.argosmodel`` file laid out like the published ones.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import sentencepiece as spm
from ctranslate2.specs import TransformerSpec

SPECIALS = ("<unk>", "<s>", "</s>")
POSITIONS = 1024
POSITION_DIMS = 128
QUERY_SCALE = 8.0
VALUE_SCALE = 4.0


def train_sentencepiece(sentences: Iterable[str], vocab_size: int) -> bytes:
    """A SentencePiece unigram model trained in memory; the bytes hold no path and are the same
    for the same sentences and size."""
    buffer = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(list(sentences)),
        model_writer=buffer,
        vocab_size=vocab_size,
        model_type="unigram",
        character_coverage=1.0,
        unk_id=0,
        bos_id=1,
        eos_id=2,
        pad_id=-1,
        hard_vocab_limit=False,
        num_threads=1,
        minloglevel=2,
    )
    return buffer.getvalue()


def pieces(model: bytes) -> list[str]:
    """The vocabulary of a SentencePiece model, ids 0-2 being <unk>, <s>, </s>."""
    processor = spm.SentencePieceProcessor(model_proto=model)
    vocab = [processor.id_to_piece(i) for i in range(processor.get_piece_size())]
    assert tuple(vocab[:3]) == SPECIALS, vocab[:3]
    return vocab


def permutation(size: int, seed: int | None) -> np.ndarray:
    """Target token for each source token: identity, or a seeded shuffle of the ordinary
    tokens (the three special tokens always map to themselves)."""
    order = np.arange(size)
    if seed is not None:
        rng = np.random.default_rng(seed)
        order[len(SPECIALS) :] = len(SPECIALS) + rng.permutation(size - len(SPECIALS))
    return order


def copy_model_spec(vocab: list[str], seed: int | None = None) -> TransformerSpec:
    """A Transformer whose output is its input, token by token (through
    :func:`permutation` when ``seed`` is given).

    The model dimension holds one dimension per token (one-hot embeddings) plus
    ``POSITION_DIMS`` for random unit position codes. Self-attention and feed-forward layers
    are switched off (zero output projections). Cross-attention from decoder step t sees only
    the position code of t in the query and those of the source in the keys, so it attends to
    source position t; its value carries that source token's one-hot vector to the output
    projection. With ``add_source_eos`` the decoder reaches </s> after the last token and stops.
    """
    size = len(vocab)
    d = size + POSITION_DIMS
    rng = np.random.default_rng(1234)
    codes = rng.standard_normal((POSITIONS, POSITION_DIMS))
    codes /= np.linalg.norm(codes, axis=1, keepdims=True)
    encodings = np.zeros((POSITIONS, d), dtype=np.float32)
    encodings[:, size:] = codes

    spec = TransformerSpec.from_config((1, 1), 1)
    encoder, decoder = spec.encoder, spec.decoder
    for part in (encoder, decoder):
        part.scale_embeddings = False
        part.position_encodings.encodings = encodings
        _unit_norm(part.layer_norm, d)
    encoder.embeddings[0].weight = np.eye(size, d, dtype=np.float32)
    decoder.embeddings.weight = np.zeros((size, d), dtype=np.float32)

    enc_layer, dec_layer = encoder.layer[0], decoder.layer[0]
    _switch_off_self_attention(enc_layer.self_attention, d)
    _switch_off_ffn(enc_layer.ffn, d)
    _switch_off_self_attention(dec_layer.self_attention, d)
    _switch_off_ffn(dec_layer.ffn, d)

    cross = dec_layer.attention
    _unit_norm(cross.layer_norm, d)
    select_positions = np.zeros((d, d), dtype=np.float32)
    select_positions[size:, size:] = np.eye(POSITION_DIMS)
    select_tokens = np.zeros((d, d), dtype=np.float32)
    select_tokens[:size, :size] = np.eye(size)
    cross.linear[0].weight = QUERY_SCALE * select_positions
    cross.linear[0].bias = np.zeros(d, dtype=np.float32)
    cross.linear[1].weight = np.concatenate([select_positions, select_tokens])
    cross.linear[1].bias = np.zeros(2 * d, dtype=np.float32)
    cross.linear[2].weight = VALUE_SCALE * select_tokens
    cross.linear[2].bias = np.zeros(d, dtype=np.float32)

    projection = np.zeros((size, d), dtype=np.float32)
    projection[permutation(size, seed), np.arange(size)] = 1.0
    decoder.projection.weight = projection
    decoder.projection.bias = np.zeros(size, dtype=np.float32)

    spec.register_source_vocabulary(vocab)
    spec.register_target_vocabulary(vocab)
    spec.config.add_source_eos = True
    return spec


def random_base_spec(vocab: list[str], seed: int = 0) -> TransformerSpec:
    """Transformer base (6+6 layers, d_model 512, 8 heads, FFN 2048) with seeded random
    weights: the shape and cost of a real Argos model, not its output."""
    d, ffn = 512, 2048
    rng = np.random.default_rng(seed)

    def weight(rows: int, cols: int) -> np.ndarray:
        return (rng.standard_normal((rows, cols)) / np.sqrt(cols)).astype(np.float32)

    spec = TransformerSpec.from_config((6, 6), 8)
    size = len(vocab)
    spec.encoder.embeddings[0].weight = weight(size, d)
    spec.decoder.embeddings.weight = weight(size, d)
    for part in (spec.encoder, spec.decoder):
        _unit_norm(part.layer_norm, d)
        for layer in part.layer:
            attentions = [layer.self_attention]
            if hasattr(layer, "attention"):
                attentions.append(layer.attention)
            for attention in attentions:
                _unit_norm(attention.layer_norm, d)
                for linear in attention.linear:
                    rows = (
                        3 * d if len(attention.linear) == 2 and linear is attention.linear[0] else d
                    )
                    if len(attention.linear) == 3 and linear is attention.linear[1]:
                        rows = 2 * d
                    linear.weight = weight(rows, d)
                    linear.bias = np.zeros(rows, dtype=np.float32)
            _unit_norm(layer.ffn.layer_norm, d)
            layer.ffn.linear_0.weight = weight(ffn, d)
            layer.ffn.linear_0.bias = np.zeros(ffn, dtype=np.float32)
            layer.ffn.linear_1.weight = weight(d, ffn)
            layer.ffn.linear_1.bias = np.zeros(d, dtype=np.float32)
    spec.decoder.projection.weight = weight(size, d)
    spec.decoder.projection.bias = np.zeros(size, dtype=np.float32)
    spec.register_source_vocabulary(vocab)
    spec.register_target_vocabulary(vocab)
    return spec


def _unit_norm(norm: object, d: int) -> None:
    norm.gamma = np.ones(d, dtype=np.float32)  # type: ignore[attr-defined]
    norm.beta = np.zeros(d, dtype=np.float32)  # type: ignore[attr-defined]


def _switch_off_self_attention(attention: object, d: int) -> None:
    _unit_norm(attention.layer_norm, d)  # type: ignore[attr-defined]
    fused, out = attention.linear  # type: ignore[attr-defined]
    fused.weight = np.zeros((3 * d, d), dtype=np.float32)
    fused.bias = np.zeros(3 * d, dtype=np.float32)
    out.weight = np.zeros((d, d), dtype=np.float32)
    out.bias = np.zeros(d, dtype=np.float32)


def _switch_off_ffn(ffn: object, d: int) -> None:
    _unit_norm(ffn.layer_norm, d)  # type: ignore[attr-defined]
    ffn.linear_0.weight = np.zeros((4, d), dtype=np.float32)  # type: ignore[attr-defined]
    ffn.linear_0.bias = np.zeros(4, dtype=np.float32)  # type: ignore[attr-defined]
    ffn.linear_1.weight = np.zeros((d, 4), dtype=np.float32)  # type: ignore[attr-defined]
    ffn.linear_1.bias = np.zeros(d, dtype=np.float32)  # type: ignore[attr-defined]


def write_package(
    out_dir: Path,
    spec: TransformerSpec,
    sp_model: bytes,
    from_code: str,
    to_code: str,
    *,
    version: str = "1.0",
    quantization: str = "int8",
    names: tuple[str, str] | None = None,
) -> Path:
    """Write ``translate-{from}_{to}-{version}.argosmodel`` into ``out_dir`` and return it: a
    zip with one top-level folder holding metadata.json, model/ and sentencepiece.model."""
    name = f"translate-{from_code}_{to_code}-{version.replace('.', '_')}"
    work = out_dir / f".build-{name}"
    model_dir = work / name / "model"
    model_dir.mkdir(parents=True, exist_ok=True)
    spec.validate()
    spec.optimize(quantization=quantization)
    spec.save(str(model_dir))
    from_name, to_name = names or (from_code, to_code)
    metadata = {
        "package_version": version,
        "argos_version": "1.9.0",
        "from_code": from_code,
        "from_name": from_name,
        "to_code": to_code,
        "to_name": to_name,
        "type": "translate",
        "description": "lingoflow test package built offline (not a real translation model)",
    }
    (work / name / "metadata.json").write_text(json.dumps(metadata, indent=2), encoding="utf-8")
    (work / name / "sentencepiece.model").write_bytes(sp_model)
    archive = out_dir / f"{name}.argosmodel"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_STORED) as zf:
        for path in sorted((work / name).rglob("*")):
            if path.is_file():
                zf.write(path, path.relative_to(work).as_posix())
    for path in sorted(work.rglob("*"), reverse=True):
        path.unlink() if path.is_file() else path.rmdir()
    work.rmdir()
    return archive
