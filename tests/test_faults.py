"""Faults and hostile input: killed runs, write errors, vanishing inputs, pathological files."""

from __future__ import annotations

import errno
import gzip
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bench.corpus import generate
from lingoflow.processors.batch import process_batch
from lingoflow.processors.core.config import PipelineConfig, TranslationConfig
from lingoflow.processors.core.document import Document
from lingoflow.processors.output.records import load_record
from lingoflow.processors.output.writer import atomic_write, write_batch
from lingoflow.processors.pipeline import clean_documents
from lingoflow.processors.read.ingest import discover, doc_id_for
from tests.helpers import assert_valid_records

NO_TRANSLATION = PipelineConfig(translation=TranslationConfig(enabled=False))


def _assert_complete(raw: Path, processed: Path) -> None:
    """Exactly one valid record per input, nothing else but the index and the lock."""
    inputs = discover(raw)
    names = {p.name for p in processed.iterdir()}
    assert names == {f"{doc_id_for(p)}.json" for p in inputs} | {"index.jsonl", ".lingoflow.lock"}
    assert_valid_records(processed)


@pytest.mark.slow
def test_sigkill_mid_run_then_rerun_completes(tmp_path: Path) -> None:
    raw, processed = tmp_path / "raw", tmp_path / "processed"
    list(generate(raw, 400))
    lingoflow = str(Path(sys.executable).with_name("lingoflow"))
    command = [lingoflow, "run", "--raw-dir", str(raw), "--processed-dir", str(processed)]
    command += ["--no-translate", "--batch-size", "16"]
    log = (tmp_path / "victim.log").open("wb")
    victim = subprocess.Popen(command, stdout=log, stderr=log, start_new_session=True)
    deadline = time.monotonic() + 600  # a bound on waiting, not a timing assertion
    while time.monotonic() < deadline and len(list(processed.glob("*.json"))) < 40:
        if victim.poll() is not None:  # it ended before it could be interrupted: say why
            log.close()
            tail = (tmp_path / "victim.log").read_text(errors="replace")[-2000:]
            pytest.fail(f"the run ended on its own (exit {victim.returncode}): {tail}")
        time.sleep(0.05)
    os.killpg(victim.pid, signal.SIGKILL)
    victim.wait(timeout=30)
    log.close()
    written = list(processed.glob("*.json"))
    assert 0 < len(written) < 400, "the run was not interrupted mid-way"
    for path in written:  # whatever is there is whole and valid
        assert load_record(path) is not None, path
    done = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    _assert_complete(raw, processed)


def test_unwritable_output_gives_a_clear_error(
    raw_copy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], prefect_harness: None
) -> None:
    """An output folder that cannot be written (here: its parent is a file, which stops even
    root) fails the run with a clear message, exit 2, and writes nothing."""
    from lingoflow.flows.cli import main

    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where a folder should be")
    code = main(
        [
            "run",
            "--raw-dir",
            str(raw_copy),
            "--processed-dir",
            str(blocker / "processed"),
            "--no-translate",
        ]
    )
    assert code == 2
    assert "Not a directory" in capsys.readouterr().err
    assert blocker.read_text() == "a file where a folder should be"


def test_disk_full_during_a_write_keeps_the_old_record(
    raw_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    processed = tmp_path / "processed"
    paths = discover(raw_copy)
    batch = process_batch(raw_copy, processed, paths, NO_TRANSLATION)
    write_batch(processed, batch.records)
    before = {p.name: p.read_bytes() for p in processed.iterdir()}

    real_fsync = os.fsync
    calls = {"n": 0}

    def full_disk(fd: int) -> None:
        calls["n"] += 1
        if calls["n"] == 3:
            raise OSError(errno.ENOSPC, "No space left on device")
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", full_disk)
    changed = process_batch(raw_copy, processed, paths, NO_TRANSLATION, force=True)
    for record in changed.records:
        record.pipeline.version = "9.9.9"  # so that every record is rewritten
    result = write_batch(processed, changed.records)
    assert len(result.write_errors) == 1 and "No space left" in result.write_errors[0]
    monkeypatch.setattr(os, "fsync", real_fsync)
    after = {p.name: p.read_bytes() for p in processed.iterdir()}
    assert set(after) == set(before)  # no temporary file left, none lost
    unchanged = [n for n in after if after[n] == before[n]]
    assert len(unchanged) == 1  # the record whose write failed kept its old bytes
    assert_valid_records(processed)


def test_atomic_write_never_leaves_a_partial_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "r.json"
    atomic_write(target, b"old")

    def broken_replace(src: str, dst: str) -> None:
        raise OSError(errno.EIO, "I/O error")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="I/O error"):
        atomic_write(target, b"new")
    assert target.read_bytes() == b"old" and [p.name for p in tmp_path.iterdir()] == ["r.json"]


def test_input_vanishing_or_changing_during_a_run(raw_copy: Path, tmp_path: Path) -> None:
    paths = discover(raw_copy)
    (raw_copy / paths[0]).unlink()  # listed, then gone before it is read
    batch = process_batch(raw_copy, tmp_path / "p", paths, NO_TRANSLATION)
    gone = next(r for r in batch.records if r.source.path == paths[0])
    assert gone.status == "failed" and gone.errors[0].code == "unreadable"
    assert all(r.status == "ok" for r in batch.records if r is not gone)
    (raw_copy / paths[1]).write_text("Changed while running.\n\nA different text now.")
    again = process_batch(raw_copy, tmp_path / "p", paths[1:2], NO_TRANSLATION)
    assert again.records[0].segments[0].text["en"] == "Changed while running."


def _clean(tmp_path: Path, name: str, data: bytes) -> Document:
    path = tmp_path / name
    path.write_bytes(data)
    doc = Document(rel_path=name, doc_id="x-000000000000", data=data)
    clean_documents([doc], NO_TRANSLATION)
    return doc


def test_hostile_html(tmp_path: Path) -> None:
    deep = (
        b"<html><body>"
        + b"<div>" * 100_000
        + b"<p>Still here after all.</p>"
        + b"</div>" * 100_000
        + b"</body></html>"
    )
    doc = _clean(tmp_path, "deep.html", deep)
    assert "Still here after all." in [b.text for b in doc.blocks]
    attribute = (
        b"<html><body><p title='"
        + b"a" * 10_000_000
        + b"'>Text beside a 10 MB attribute.</p></body></html>"
    )
    doc = _clean(tmp_path, "attr.html", attribute)
    assert "Text beside a 10 MB attribute." in " ".join(b.text for b in doc.blocks)
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        + b"".join(
            b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
            for i in range(1, 10)
        )
        + b"]><html><body><p>&lol9;</p><p>Laughs are not expanded.</p></body></html>"
    )
    doc = _clean(tmp_path, "lolz.html", laughs)
    assert sum(len(b.text) for b in doc.blocks) < 10_000


def test_hostile_files(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "archive.txt.gz").write_bytes(gzip.compress(b"hidden text " * 100_000))
    (raw / "loop").symlink_to(raw, target_is_directory=True)
    (raw / "self.txt").symlink_to(raw / "self.txt")
    (raw / "name\x01with\ncontrols.txt").write_text("A file with control characters in its name.")
    with (raw / "sparse.txt").open("wb") as fh:
        fh.truncate(2 * 1024**3)
    paths = discover(raw)
    assert len(paths) == 5
    batch = process_batch(raw, tmp_path / "p", paths, NO_TRANSLATION)
    by_path = {r.source.path: r for r in batch.records}
    assert by_path["archive.txt.gz"].errors[0].code == "not_text"  # never expanded
    assert by_path["loop"].status == "failed" and by_path["self.txt"].status == "failed"
    assert by_path["sparse.txt"].errors[0].code == "too_large"
    assert by_path["sparse.txt"].source.sha256 is None  # rejected by size, not read
    odd = by_path["name\x01with\ncontrols.txt"]
    assert odd.status == "ok" and odd.doc_id.isascii() and "\n" not in odd.doc_id
    write_batch(tmp_path / "p", batch.records)
    assert_valid_records(tmp_path / "p")
