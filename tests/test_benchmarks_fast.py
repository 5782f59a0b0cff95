"""Fast versions of the scale and fuzz benchmarks, so CI runs what bench/README.md reports."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import fuzz, scale
from bench.corpus import generate
from lingoflow.processors.batch import process_batch
from lingoflow.processors.core.config import PipelineConfig, TranslationConfig
from lingoflow.processors.output.writer import write_batch
from lingoflow.processors.read.ingest import discover
from tests.helpers import assert_valid_records


def test_generated_corpus_gives_one_valid_record_each(tmp_path: Path) -> None:
    raw, processed = tmp_path / "raw", tmp_path / "processed"
    written = list(generate(raw, 120, seed=3))
    kinds = {p.suffix for p in written}
    assert kinds == {".txt", ".html"} and len(written) == 120
    sizes = sorted(p.stat().st_size for p in written)
    assert sizes[0] < 1000 and sizes[-1] > 100_000  # from a paragraph to a long report
    config = PipelineConfig(translation=TranslationConfig(enabled=False))
    batch = process_batch(raw, processed, discover(raw), config)
    write_batch(processed, batch.records)
    assert len(list(processed.glob("*.json"))) == 120
    assert {r.status for r in batch.records} <= {"ok", "partial"}
    encodings = {r.source.encoding for r in batch.records}
    assert {"utf-8", "utf-16", "cp949"} <= encodings
    assert_valid_records(processed)


def test_fuzz_fast_version_has_no_crash(capsys: pytest.CaptureFixture[str]) -> None:
    """Random inputs, and every hostile input at a small size in a process of its own."""
    assert fuzz.main(["--inputs", "2000", "--seed", "1", "--hostile", "--scale", "1"]) == 0
    out = capsys.readouterr().out
    assert "crashes: 0" in out and "hostile crashes: 0" in out
    assert "| deep.html | 1 | partial | markup_too_deep |" in out


@pytest.mark.slow
def test_scale_fast_version_runs(capsys: pytest.CaptureFixture[str]) -> None:
    assert scale.main(["--sizes", "30", "90", "--runners", "pool"]) == 0
    out = capsys.readouterr().out
    assert "| 90 | 0.5 | 2 (process pool) |" in out and "peak RSS" in out


@pytest.mark.slow
def test_listing_fast_version_runs(capsys: pytest.CaptureFixture[str]) -> None:
    """The bench fills a bucket as a previous run would have left it; the run must keep every
    record without a request (the bench asserts it) at two sizes."""
    pytest.importorskip("moto.server")
    from bench import listing

    assert listing.main(["--keys", "200", "1200"]) == 0
    out = capsys.readouterr().out
    assert "| 1200 |" in out and "MB per 1,000 more keys" in out
