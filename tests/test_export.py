"""Dataset exports: Parquet and JSONL rows, TSV and TMX sentence pairs, from real records of
the samples (translated with the test packages)."""

from __future__ import annotations

import gzip
import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from lingoflow.flows.cli import main
from lingoflow.processors.batch import process_batch, write_processed
from lingoflow.processors.core.config import PipelineConfig
from lingoflow.processors.core.record import Record
from lingoflow.processors.output.export import (
    PAIR_COLUMNS,
    ExportError,
    document_columns,
    export,
    sentence_pairs,
    text_hash,
)
from tests.conftest import RAW
from tests.helpers import load_records


@pytest.fixture(scope="module")
def records(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("processed")
    names = sorted(p.name for p in RAW.iterdir())
    write_processed(folder, process_batch(RAW, folder, names, PipelineConfig(), force=True))
    return folder


@pytest.fixture
def copy(records: Path, tmp_path: Path) -> Path:
    target = tmp_path / "processed"
    shutil.copytree(records, target)
    return target


PAIR_NAMES = [c.name for c in PAIR_COLUMNS]


def test_parquet_has_a_typed_row_per_record(records: Path, tmp_path: Path) -> None:
    import duckdb
    import pyarrow as pa
    import pyarrow.parquet as pq

    out = tmp_path / "records.parquet"
    summary = export(records, out, "parquet")
    assert summary.records == summary.rows == 5 and not summary.corrupt
    table = pq.read_table(out)
    assert table.num_rows == 5
    assert table.schema.names == [c.name for c in document_columns(["en", "ko"])]
    assert table.schema.names[:6] == ["id", "text", "source", "added", "created", "metadata"]
    assert table.schema.field("published").type == pa.string()
    assert table.schema.field("segments").type.value_type.field("index").type == pa.int64()
    meta = table.schema.metadata
    assert meta[b"record_schema_version"] == b"1.7.0" and meta[b"languages"] == b"en,ko"
    assert meta[b"export_format"] == b"parquet" and meta[b"export_dedup"] == b"false"
    rows = {r["path"]: r for r in table.to_pylist()}
    sample = rows["003_c920be901eaf93a9.txt"]
    written = load_records(records)
    record = next(r for r in written.values() if r["source"]["path"] == sample["path"])
    assert sample["id"] == sample["doc_id"] == record["doc_id"]
    assert sample["sha256"] == record["source"]["sha256"]
    assert sample["added"] == record["pipeline"]["processed_at"].replace("Z", "+00:00")
    assert sample["published"] == sample["created"] == ""  # no null strings, one type
    assert sample["source"] == "lingoflow" and sample["error_codes"] == []
    assert len(sample["segments"]) == len(record["segments"])
    notice = record["segments"][0]
    assert notice["role"] == "notice"
    assert notice["text"]["ko"] not in sample["text_ko"]  # notices left out of the body
    body = [s for s in record["segments"] if s["role"] != "notice"]
    assert sample["text_en"] == "\n".join(s["text"]["en"] for s in body)
    assert sample["text"] == "\n".join(s["text"][s["lang"]] for s in body)
    assert sample["text_hash"] == text_hash(Record.model_validate(record))
    assert 0 < sample["machine_translated_share"] < 1
    first = sample["segments"][1]
    quality = record["segments"][1]["translation_quality"]["ko"]
    assert first["text_ko"] == record["segments"][1]["text"].get("ko")
    assert first["flags_ko"] == quality["flags"] and first["score_ko"] == quality["score"]
    assert first["packages_ko"] == quality["packages"] == ["argos:en_ko@1.0"]
    count = duckdb.sql(f"select count(*), count(text_ko) from '{out}'").fetchall()[0]
    assert count == (5, 5)


def test_jsonl_and_gzip_rows_are_the_parquet_rows(records: Path, tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    export(records, tmp_path / "r.parquet", "parquet")
    export(records, tmp_path / "r.jsonl", "jsonl")
    export(records, tmp_path / "r.jsonl.gz", "jsonl")
    plain = (tmp_path / "r.jsonl").read_bytes()
    assert gzip.decompress((tmp_path / "r.jsonl.gz").read_bytes()) == plain
    rows = [json.loads(line) for line in plain.decode("utf-8").splitlines()]
    parquet = pq.read_table(tmp_path / "r.parquet").to_pylist()
    assert rows == parquet  # same columns, order, types and values
    assert [list(r) for r in rows] == [list(r) for r in parquet]


def _pairs_expected(records: Path) -> int:
    return sum(
        1
        for path in sorted(records.glob("*.json"))
        for _ in sentence_pairs(Record.model_validate_json(path.read_text("utf-8")), True)
    )


def _tsv_rows(path: Path) -> list[list[str]]:
    import csv

    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle, delimiter="\t"))


def test_sentence_pairs_follow_the_sentence_spans(records: Path, tmp_path: Path) -> None:
    out = tmp_path / "pairs.tsv"
    everything = export(records, out, "parallel-tsv", include_flagged=True)
    lines = _tsv_rows(out)
    assert lines[0] == PAIR_NAMES
    assert everything.rows == len(lines) - 1 == _pairs_expected(records)
    by_doc = [dict(zip(PAIR_NAMES, line, strict=True)) for line in lines[1:]]
    assert len({r["pair_id"] for r in by_doc}) == len(by_doc)
    record = next(iter(load_records(records).values()))
    segment = next(
        s for s in record["segments"] if s["machine_translated"] and s["role"] != "notice"
    )
    target = segment["machine_translated"][0]
    original, translation = segment["text"][segment["lang"]], segment["text"][target]
    a, b = segment["sentences"][0]
    c, d = segment["translation_sentences"][target][0]
    first = next(
        row
        for row in by_doc
        if row["doc_id"] == record["doc_id"] and row["segment"] == str(segment["index"])
    )
    assert [first[k] for k in ("source_lang", "target_lang", "source", "target")] == [
        segment["lang"],
        target,
        original[a:b],
        translation[c:d],
    ]
    assert first["role"] == segment["role"] and first["machine_translated"] == "true"
    assert first["packages"] == f"argos:{segment['lang']}_{target}@1.0"
    kept = export(records, tmp_path / "clean.tsv", "parallel-tsv")
    assert kept.rows + kept.flagged_left_out == everything.rows
    assert all(
        not row[PAIR_NAMES.index("quality_flags")] for row in _tsv_rows(tmp_path / "clean.tsv")[1:]
    )


def test_tmx_is_well_formed_with_provenance(records: Path, tmp_path: Path) -> None:
    from lxml import etree

    out = tmp_path / "pairs.tmx"
    summary = export(records, out, "tmx", include_flagged=True)
    root = etree.parse(str(out)).getroot()
    assert root.get("version") == "1.4"
    assert root.find("header").get("srclang") == "*all*"
    units = root.findall("body/tu")
    assert len(units) == summary.rows > 0
    xml_lang = "{http://www.w3.org/XML/1998/namespace}lang"
    for unit in units[:20]:
        langs = [tuv.get(xml_lang) for tuv in unit.findall("tuv")]
        assert langs[0] == unit.get("srclang") and len(langs) == 2
        props = {p.get("type"): p.text for p in unit.findall("prop")}
        assert {"x-doc_id", "x-segment", "x-sentence", "x-role", "x-packages"} <= set(props)
        assert props["x-machine_translated"] == "true" and unit.get("tuid").startswith(
            props["x-doc_id"]
        )


@pytest.mark.parametrize(
    ("fmt", "name"),
    [
        ("parquet", "a.parquet"),
        ("jsonl", "a.jsonl.gz"),
        ("parallel-tsv", "a.tsv"),
        ("tmx", "a.tmx"),
    ],
)
def test_exports_are_idempotent_and_atomic(
    records: Path, tmp_path: Path, fmt: str, name: str
) -> None:
    out = tmp_path / name
    export(records, out, fmt, include_flagged=True)
    first = out.read_bytes()
    export(records, out, fmt, include_flagged=True)
    assert out.read_bytes() == first
    left = sorted(p.name for p in tmp_path.iterdir())
    card = [] if fmt == "tmx" else ["README.md", f"{name}.features.json"]
    assert left == sorted([name, *card])  # nothing left aside


def test_a_failed_export_leaves_the_previous_file(
    records: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import lingoflow.processors.output.export as module

    out = tmp_path / "r.jsonl"
    export(records, out, "jsonl")
    before = out.read_bytes()
    calls = {"n": 0}
    original = module.row

    def failing(record: Any, languages: list[str], source: str) -> dict[str, Any]:
        calls["n"] += 1
        if calls["n"] == 3:
            raise OSError("disk full")
        return original(record, languages, source)

    monkeypatch.setattr(module, "row", failing)
    with pytest.raises(OSError, match="disk full"):
        export(records, out, "jsonl")
    assert out.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "README.md",
        "r.jsonl",
        "r.jsonl.features.json",
    ]


def test_older_records_export_and_corrupt_ones_are_reported(
    copy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    paths = sorted(copy.glob("*.json"))
    old = json.loads(paths[0].read_text(encoding="utf-8"))
    old["schema_version"] = "1.3.0"  # before translation_quality and translation_sentences
    for segment in old["segments"]:
        segment.pop("translation_quality", None)
        segment.pop("translation_sentences", None)
    paths[0].write_text(json.dumps(old, ensure_ascii=False), encoding="utf-8")
    paths[1].write_text('{"doc_id": "cut', encoding="utf-8")
    out = tmp_path / "pairs.tsv"
    code = main(
        [
            "export",
            "--processed-dir",
            str(copy),
            "--format",
            "parallel-tsv",
            "--output",
            str(out),
            "--include-flagged",
        ]
    )
    assert code == 1
    err = capsys.readouterr().err
    assert "corrupt record left out" in err and paths[1].name in err
    rows = [dict(zip(PAIR_NAMES, r, strict=True)) for r in _tsv_rows(out)[1:]]
    assert {r["doc_id"] for r in rows} == {
        json.loads(p.read_text("utf-8"))["doc_id"] for p in paths if p != paths[1]
    }
    old_rows = [r for r in rows if r["doc_id"] == old["doc_id"]]
    assert old_rows and all(r["sentence"] == "0" for r in old_rows)  # one pair a segment
    assert (
        main(
            [
                "export",
                "--processed-dir",
                str(copy),
                "--format",
                "parquet",
                "--output",
                str(tmp_path / "r.parquet"),
            ]
        )
        == 1
    )


def test_nothing_to_export_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    for folder in (empty, tmp_path / "missing"):
        command = [
            "export",
            "--processed-dir",
            str(folder),
            "--format",
            "jsonl",
            "--output",
            str(tmp_path / "x.jsonl"),
        ]
        assert main(command) == 2
    err = capsys.readouterr().err
    assert "no records in" in err and "not a directory" in err
    assert not (tmp_path / "x.jsonl").exists()


@pytest.mark.usefixtures("prefect_harness")
def test_the_export_flow(records: Path, tmp_path: Path) -> None:
    from lingoflow.flows.export import export_dataset

    out = tmp_path / "exports" / "records.parquet"
    out.parent.mkdir()
    summary = export_dataset(processed_dir=records, format="parquet", output=out)
    assert summary.rows == 5 and out.exists()


# Downstream loaders at their default settings


def _hostile(records: Path, target: Path) -> Path:
    """A copy of ``records`` whose first translated segment holds a tab, quotes, a line
    break, ``<`` and ``&`` in its source and translation (one sentence each)."""
    shutil.copytree(records, target)
    path = sorted(target.glob("*.json"))[0]
    data = json.loads(path.read_text("utf-8"))
    segment = next(s for s in data["segments"] if s["machine_translated"])
    lang, other = segment["lang"], segment["machine_translated"][0]
    source = '"We will act now,"\tsaid <the> minister & 장관:\n"now".'
    translation = '"지금 행동하겠다"\t<장관> & 말했다\n"지금".'
    segment["text"] = {lang: source, other: translation}
    segment["sentences"] = [[0, len(source)]]
    segment["translation_sentences"] = {other: [[0, len(translation)]]}
    segment["translation_quality"][other]["flags"] = []
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return target


LOADERS = {
    "pandas": lambda path, fmt: _pandas(path, fmt),
    "polars": lambda path, fmt: _polars(path, fmt),
    "pyarrow": lambda path, fmt: _pyarrow(path, fmt),
    "duckdb": lambda path, fmt: _duckdb(path, fmt),
    "datasets": lambda path, fmt: _datasets(path, fmt),
}


def _pandas(path: Path, fmt: str) -> list[dict[str, Any]]:
    import pandas as pd

    if fmt == "parquet":
        frame = pd.read_parquet(path)
    elif fmt == "jsonl":
        frame = pd.read_json(path, lines=True, dtype=False)
    else:
        frame = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False)
    return frame.to_dict("records")


def _polars(path: Path, fmt: str) -> list[dict[str, Any]]:
    import polars as pl

    if fmt == "parquet":
        return pl.read_parquet(path).to_dicts()
    if fmt == "jsonl":
        return pl.read_ndjson(path).to_dicts()
    return pl.read_csv(path, separator="\t", infer_schema=False).to_dicts()


def _pyarrow(path: Path, fmt: str) -> list[dict[str, Any]]:
    import pyarrow.csv as pc
    import pyarrow.json as pj
    import pyarrow.parquet as pq

    if fmt == "parquet":
        return pq.read_table(path).to_pylist()
    if fmt == "jsonl":
        return pj.read_json(path).to_pylist()
    options = pc.ConvertOptions(column_types={c: "string" for c in PAIR_NAMES})
    table = pc.read_csv(
        path,
        parse_options=pc.ParseOptions(delimiter="\t", newlines_in_values=True),
        convert_options=options,
    )
    return table.to_pylist()


def _duckdb(path: Path, fmt: str) -> list[dict[str, Any]]:
    import duckdb

    reader = {"parquet": "read_parquet", "jsonl": "read_json", "parallel-tsv": "read_csv"}[fmt]
    extra = ", all_varchar = true" if fmt == "parallel-tsv" else ""
    relation = duckdb.sql(f"select * from {reader}('{path}'{extra})")
    return [dict(zip(relation.columns, row, strict=True)) for row in relation.fetchall()]


def _datasets(path: Path, fmt: str) -> list[dict[str, Any]]:
    import datasets

    datasets.disable_progress_bars()
    builder = {"parquet": "parquet", "jsonl": "json", "parallel-tsv": "csv"}[fmt]
    extra: dict[str, Any] = {"delimiter": "\t"} if fmt == "parallel-tsv" else {}
    loaded = datasets.load_dataset(
        builder,
        data_files=str(path),
        split="train",
        cache_dir=str(path.parent / ".hf"),
        **extra,
    )
    return list(loaded)


@pytest.mark.parametrize("loader", sorted(LOADERS))
@pytest.mark.parametrize(
    ("fmt", "name"), [("parquet", "r.parquet"), ("jsonl", "r.jsonl"), ("parallel-tsv", "p.tsv")]
)
def test_every_loader_reads_every_value(
    records: Path, tmp_path: Path, loader: str, fmt: str, name: str
) -> None:
    """Each library's default call gives back every value the export holds, on the samples
    with a segment of tabs, quotes, a line break, `<`, `&` and Korean."""
    hostile = _hostile(records, tmp_path / "processed")
    out = tmp_path / "out" / name
    out.parent.mkdir()
    export(hostile, out, fmt)
    rows = LOADERS[loader](out, fmt)
    if fmt == "parallel-tsv":
        want = [r[1:] for r in [[0, *row] for row in _tsv_rows(out)[1:]]]
        # an empty cell is missing to CSV readers (null), and datasets reads true as a bool
        got = [
            ["" if r[c] is None else str(r[c]).replace("True", "true") for c in PAIR_NAMES]
            for r in rows
        ]
        assert got == want
        assert any("\t" in r["source"] and "\n" in r["target"] for r in rows)
        expected = [
            p
            for path in sorted(hostile.glob("*.json"))
            for p in sentence_pairs(Record.model_validate_json(path.read_text("utf-8")), False)
        ]
        assert [r["source"] for r in rows] == [p.source for p in expected]
        assert [r["target"] for r in rows] == [p.target for p in expected]
        return
    import pyarrow.parquet as pq

    want_rows = (
        pq.read_table(out).to_pylist()
        if fmt == "parquet"
        else [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    )
    for got, want in zip(rows, want_rows, strict=True):
        for column in ("id", "text", "title", "published", "text_en", "text_ko", "status"):
            assert got[column] == want[column], (loader, column)
        assert float(got["machine_translated_share"]) == want["machine_translated_share"]


def test_jsonl_loads_the_same_types_in_any_order(tmp_path: Path) -> None:
    """500 generated documents, exported, then their rows in the orders that broke loaders
    (rows without date, title or segments first; and reversed): every loader gets the same
    columns with the same types."""
    import datasets
    import polars as pl

    from bench.corpus import generate
    from lingoflow.processors.core.config import TranslationConfig
    from lingoflow.processors.read.ingest import discover

    raw, processed = tmp_path / "raw", tmp_path / "processed"
    processed.mkdir()
    list(generate(raw, 500, seed=5))
    config = PipelineConfig(translation=TranslationConfig(enabled=False))
    paths = discover(raw)
    for i in range(0, len(paths), 100):
        write_processed(processed, process_batch(raw, processed, paths[i : i + 100], config))
    out = tmp_path / "all.jsonl"
    assert export(processed, out, "jsonl").rows == 500
    lines = out.read_text("utf-8").splitlines()
    rows = [json.loads(line) for line in lines]
    assert any(r["published"] for r in rows) and any(not r["published"] for r in rows)
    orders = {
        "sparse-first": sorted(
            lines,
            key=lambda line: (json.loads(line)["published"] != "", json.loads(line)["title"] != ""),
        ),
        "reversed": lines[::-1],
    }
    datasets.disable_progress_bars()
    for name, ordered in orders.items():
        path = tmp_path / f"{name}.jsonl"
        path.write_text("\n".join(ordered) + "\n", encoding="utf-8")
        frame = pl.read_ndjson(path)
        assert frame.schema["published"] == pl.String and frame.schema["title"] == pl.String
        assert sorted(frame["id"].to_list()) == sorted(r["id"] for r in rows)
        loaded = datasets.load_dataset(
            "json", data_files=str(path), split="train", cache_dir=str(tmp_path / ".hf")
        )
        assert loaded.num_rows == 500
        assert sorted(loaded["published"]) == sorted(r["published"] for r in rows)


def test_the_dataset_card_gives_load_dataset_the_types(records: Path, tmp_path: Path) -> None:
    import datasets

    export(records, tmp_path / "records.jsonl", "jsonl")
    export(records, tmp_path / "records.parquet", "parquet")
    card = (tmp_path / "README.md").read_text("utf-8")
    assert "config_name: records_jsonl" in card and "config_name: records_parquet" in card
    datasets.disable_progress_bars()
    loaded = datasets.load_dataset(
        str(tmp_path), "records_jsonl", split="train", cache_dir=str(tmp_path / ".hf")
    )
    assert loaded.features["published"].dtype == "string"
    assert loaded.features["machine_translated_share"].dtype == "float64"
    assert loaded.num_rows == 5 and sorted(loaded["id"]) == sorted(
        r["doc_id"] for r in load_records(records).values()
    )


# Which records


def test_orphans_statuses_dedup_and_error_codes(copy: Path, tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    from lingoflow.processors.output.records import index_entry
    from lingoflow.processors.output.writer import write_index

    paths = sorted(copy.glob("*.json"))
    loaded = [Record.model_validate_json(p.read_text("utf-8")) for p in paths]
    write_index(copy, [index_entry(r) for r in loaded[1:]])  # loaded[0] is an orphan now
    out = tmp_path / "r.parquet"
    summary = export(copy, out, "parquet")
    assert summary.not_in_index == 1 and summary.rows == 4
    assert loaded[0].doc_id not in pq.read_table(out)["id"].to_pylist()
    # a failed record with its error codes, then only ok/partial
    data = json.loads(paths[1].read_text("utf-8"))
    data["status"] = "failed"
    data["errors"] = [{"stage": "decode", "code": "corrupt_document", "message": "bad zip"}]
    paths[1].write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    export(copy, out, "parquet")
    table = pq.read_table(out).to_pylist()
    assert [r["error_codes"] for r in table if r["id"] == data["doc_id"]] == [["corrupt_document"]]
    chosen = export(copy, out, "parquet", statuses=("ok", "partial"))
    assert chosen.other_status == 1 and chosen.rows == 3
    # a second copy of a document under another name: dedup leaves it out
    twin = json.loads(paths[2].read_text("utf-8"))
    twin["doc_id"] = twin["doc_id"][:-12] + "0" * 12
    (copy / f"{twin['doc_id']}.json").write_text(json.dumps(twin, ensure_ascii=False), "utf-8")
    write_index(
        copy, [index_entry(r) for r in loaded[1:]] + [index_entry(Record.model_validate(twin))]
    )
    assert export(copy, out, "parquet").rows == 5
    deduped = export(copy, out, "parquet", dedup=True)
    assert deduped.duplicates == 1 and deduped.rows == 4 and "1 duplicate texts" in deduped.text()


def test_pairs_that_copy_their_source_or_hold_no_words_are_flagged() -> None:
    from lingoflow.processors.output.export import pair_flags

    assert pair_flags("[3]", "[3]") == ("untranslated", "no_text")
    assert pair_flags("2021. 5. 3.", "May 3, 2021") == ("no_text",)
    assert pair_flags("The plan", "The plan") == ("untranslated",)
    assert pair_flags("The plan", "계획") == ()


def test_an_output_folder_that_is_missing_or_not_writable_is_a_clear_error(
    records: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(ExportError, match="does not exist"):
        export(records, tmp_path / "missing" / "r.parquet", "parquet")
    locked = tmp_path / "locked"
    locked.mkdir()
    export(records, locked / "r.parquet", "parquet")
    before = (locked / "r.parquet").read_bytes()
    locked.chmod(0o500)
    try:
        if os.access(locked, os.W_OK):  # running as root: the folder stays writable
            pytest.skip("root can write any folder")
        code = main(
            ["export", "--processed-dir", str(records), "--output", str(locked / "r.parquet")]
        )
        assert code == 2 and "cannot be written" in capsys.readouterr().err
        assert (locked / "r.parquet").read_bytes() == before
    finally:
        locked.chmod(0o700)


@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o644), (0o077, 0o600)])
def test_exports_follow_the_umask(records: Path, tmp_path: Path, umask: int, mode: int) -> None:
    previous = os.umask(umask)
    try:
        for fmt, name in (("parquet", "r.parquet"), ("parallel-tsv", "p.tsv"), ("tmx", "p.tmx")):
            export(records, tmp_path / name, fmt)
    finally:
        os.umask(previous)
    for path in tmp_path.iterdir():
        assert path.stat().st_mode & 0o777 == mode, path.name
