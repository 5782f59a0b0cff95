"""What a run holds while it goes: the index made as batches finish without holding entries,
lookups into the last run's sorted files, the compact set of doc_ids. Unit tests, no server."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lingoflow.processors.core.record import IndexEntry
from lingoflow.processors.output import writer
from lingoflow.processors.output.records import (
    INDEX_NAME,
    SOURCES_NAME,
    KeySet,
    SortedLookup,
    iter_index,
    iter_sources,
)
from lingoflow.processors.output.writer import IndexSink, write_index


def entry(path: str, status: str = "ok") -> IndexEntry:
    return IndexEntry(
        doc_id=f"doc-{abs(hash(path)) % 10**12:012d}",
        path=path,
        status=status,  # type: ignore[arg-type]
        language="en",
        segments=1,
        errors=[] if status == "ok" else ["not_text"],
        sha256="ab" * 32,
    )


def test_batches_out_of_order_give_the_index_a_sorted_run_writes(tmp_path: Path) -> None:
    batches = [[entry("b/2"), entry("b/1")], [entry("a/9")], [entry("c")]]
    sink = IndexSink()
    for batch in batches:
        sink.add(batch, {}, {})
    assert sink.write(tmp_path)
    expected = tmp_path / "expected"
    expected.mkdir()
    write_index(expected, [e for batch in batches for e in batch])
    assert (tmp_path / INDEX_NAME).read_bytes() == (expected / INDEX_NAME).read_bytes()
    sink.close()


def test_an_unchanged_index_is_not_written_again(tmp_path: Path) -> None:
    entries = [entry("x"), entry("y")]
    for expected in (True, False):
        sink = IndexSink()
        sink.add(entries, {}, {})
        assert sink.write(tmp_path) is expected
        sink.close()
    before = os.stat(tmp_path / INDEX_NAME).st_ino
    sink = IndexSink()
    sink.add(entries[:1], {}, {})
    assert sink.write(tmp_path) and os.stat(tmp_path / INDEX_NAME).st_ino != before  # renamed
    assert len((tmp_path / INDEX_NAME).read_bytes().splitlines()) == 1
    sink.close()


def test_a_run_without_entries_writes_an_empty_index(tmp_path: Path) -> None:
    sink = IndexSink()
    assert sink.write(tmp_path) and (tmp_path / INDEX_NAME).read_bytes() == b""
    sink.close()


def test_the_source_list_has_the_inputs_read_at_a_listed_version(tmp_path: Path) -> None:
    sink = IndexSink(sources=True)
    unread = entry("gone").model_copy(update={"sha256": None})
    sink.add(
        [entry("b"), entry("a"), unread], {"a": "3:e1", "b": "4:e2", "gone": "1:e"}, {"a": "m"}
    )
    sink.write(tmp_path)
    lines = [json.loads(line) for line in (tmp_path / SOURCES_NAME).read_text().splitlines()]
    assert lines == [["a", "3:e1", "ab" * 32, "m"], ["b", "4:e2", "ab" * 32, ""]]
    assert [p for p, _ in iter_sources(tmp_path)] == ["a", "b"]
    assert [p for p, _ in iter_index(tmp_path)] == ["a", "b", "gone"]
    sink.close()


def test_the_report_keeps_what_is_not_ok_first(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(writer, "REPORT_ROWS", 3)
    sink = IndexSink()
    sink.add([entry(f"ok-{n}") for n in range(5)], {}, {})
    sink.add([entry("z-failed", "failed"), entry("y-partial", "partial")], {}, {})
    assert [e.path for e in sink.shown] == ["ok-0", "y-partial", "z-failed"]
    assert sink.not_shown == 4
    sink.close()


def test_damaged_files_of_the_last_run_end_their_lookups(tmp_path: Path) -> None:
    (tmp_path / SOURCES_NAME).write_text(
        '["a", "1:e", "ff", "m"]\nnot json\n["c", "1:e", "f", ""]\n'
    )
    assert [p for p, _ in iter_sources(tmp_path)] == ["a"]  # what follows is read again
    (tmp_path / INDEX_NAME).symlink_to(tmp_path / SOURCES_NAME)
    assert list(iter_index(tmp_path)) == []  # a link is not followed
    assert list(iter_sources(tmp_path / "missing")) == []


@given(
    st.lists(st.text(min_size=1, max_size=6), unique=True),
    st.lists(st.text(min_size=1, max_size=6)),
)
def test_a_sorted_lookup_finds_what_a_dict_finds(keys: list[str], asked: list[str]) -> None:
    """Asked in ascending order, a lookup into a sorted stream answers as a dict would."""
    values = {k: n for n, k in enumerate(keys)}
    lookup = SortedLookup(iter(sorted(values.items())))
    assert [lookup.get(k) for k in sorted(asked)] == [values.get(k) for k in sorted(asked)]


@given(st.sets(st.text(max_size=12)), st.sets(st.text(max_size=12)))
def test_a_key_set_answers_as_a_set(kept: set[str], others: set[str]) -> None:
    keys = KeySet(list(kept)[: len(kept) // 2])
    keys.add(list(kept)[len(kept) // 2 :])
    assert all(k in keys for k in kept) and len(keys) == len(kept)
    assert not any(k in keys for k in others - kept)
    assert KeySet(others).not_in(keys) == len(others - kept)
