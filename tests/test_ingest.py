"""Ingest: discovery and the safety rules for every kind of bad input."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from lingoflow.processors.read.formats import sniff_binary
from lingoflow.processors.read.ingest import discover, doc_id_for, read_input

LIMIT = 20 * 1024 * 1024


def test_discover_is_recursive_and_sorted(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "z.txt").write_text("z")
    (tmp_path / "a.txt").write_text("a")
    (tmp_path / "b" / "a.txt").write_text("a")
    assert discover(tmp_path) == ["a.txt", "b/a.txt", "b/z.txt"]


def test_discover_lists_links_without_following_them(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("secret")
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "dirlink").symlink_to(outside)
    (raw / "loop").symlink_to(raw / "loop")
    assert discover(raw) == ["dirlink", "loop"]


def test_doc_id_is_stable_ascii_and_distinct() -> None:
    first = doc_id_for("보도자료/2021 press release.txt")
    assert first == doc_id_for("보도자료/2021 press release.txt")
    assert first.isascii() and first.startswith("2021-press-release-txt-")
    assert doc_id_for("a/b.txt") != doc_id_for("a-b.txt")
    assert doc_id_for("한글.txt") != doc_id_for("국문.txt")


def test_link_outside_root_is_refused_unread(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET CONTENT")
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "link.txt").symlink_to(secret)
    doc = read_input(raw, "link.txt", LIMIT)
    assert doc.failed and doc.errors[0].code == "outside_root"
    assert doc.data is None and doc.source.sha256 is None
    assert "SECRET" not in doc.errors[0].message


def test_link_inside_root_is_read(tmp_path: Path) -> None:
    (tmp_path / "real.txt").write_text("hello")
    (tmp_path / "alias.txt").symlink_to(tmp_path / "real.txt")
    doc = read_input(tmp_path, "alias.txt", LIMIT)
    assert not doc.failed and doc.data == b"hello"


def test_too_large_is_not_read(tmp_path: Path) -> None:
    big = tmp_path / "big.txt"
    with big.open("wb") as fh:
        fh.truncate(50 * 1024 * 1024)  # sparse: nothing is written or read
    doc = read_input(tmp_path, "big.txt", LIMIT)
    assert doc.errors[0].code == "too_large" and doc.source.sha256 is None
    assert doc.source.bytes == 50 * 1024 * 1024


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"", "empty"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 20, "not_text"),
        (b"PK\x03\x04" + b"\x00" * 30, "not_text"),  # a ZIP that is no office document
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 30, "not_text"),  # legacy .doc
        (b"\x1f\x8b\x08\x00" + b"\x00" * 10, "not_text"),
        (b"text\x00with\x00\x00\x00nul\x00\x01\x02 bytes and more", "not_text"),
    ],
)
def test_bad_content_fails_with_code(tmp_path: Path, content: bytes, code: str) -> None:
    (tmp_path / "f").write_bytes(content)
    doc = read_input(tmp_path, "f", LIMIT)
    assert doc.failed and doc.errors[0].code == code


def test_office_documents_pass_ingest_with_their_media_type(tmp_path: Path) -> None:
    (tmp_path / "report").write_bytes(b"%PDF-1.7\n...")
    doc = read_input(tmp_path, "report", LIMIT)
    assert not doc.failed and doc.source.media_type == "application/pdf" and doc.data


def test_utf16_without_bom_is_text() -> None:
    assert sniff_binary("Hello, world. 안녕".encode("utf-16-le")) is None
    assert sniff_binary("Hello, world.".encode("utf-32-le")) is None


@pytest.mark.parametrize("name", ["dangling.txt", "loop.txt"])
def test_broken_links_are_unreadable(tmp_path: Path, name: str) -> None:
    target = tmp_path / ("missing.txt" if name == "dangling.txt" else name)
    (tmp_path / name).symlink_to(target)
    doc = read_input(tmp_path, name, LIMIT)
    assert doc.failed and doc.errors[0].code == "unreadable"


def test_fifo_is_not_a_file(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe")
    doc = read_input(tmp_path, "pipe", LIMIT)
    assert doc.failed and doc.errors[0].code == "not_a_file"


def test_vanished_file_is_unreadable(tmp_path: Path) -> None:
    doc = read_input(tmp_path, "gone.txt", LIMIT)
    assert doc.failed and doc.errors[0].code == "unreadable"
