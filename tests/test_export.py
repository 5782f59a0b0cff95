"""Dataset exports: Parquet and JSONL rows, TSV and TMX sentence pairs, from real records of
the samples (translated with the test packages)."""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from lingoflow.flows.cli import main
from lingoflow.processors.batch import process_batch, write_processed
from lingoflow.processors.core.config import PipelineConfig
from lingoflow.processors.output.export import TSV_COLUMNS, export
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


def test_parquet_has_a_typed_row_per_record(records: Path, tmp_path: Path) -> None:
    import duckdb
    import pyarrow as pa
    import pyarrow.parquet as pq

    out = tmp_path / "records.parquet"
    summary = export(records, out, "parquet")
    assert summary.records == summary.rows == 5 and not summary.corrupt
    table = pq.read_table(out)
    assert table.num_rows == 5
    assert table.schema.field("published").type == pa.date32()
    assert table.schema.field("segments").type.value_type.field("index").type == pa.int32()
    rows = {r["path"]: r for r in table.to_pylist()}
    sample = rows["003_c920be901eaf93a9.txt"]
    written = load_records(records)
    record = next(r for r in written.values() if r["source"]["path"] == sample["path"])
    assert sample["doc_id"] == record["doc_id"] and sample["sha256"] == record["source"]["sha256"]
    assert sample["published"] is None  # explicit nulls, the same type in every row
    assert len(sample["segments"]) == len(record["segments"])
    notice = record["segments"][0]
    assert notice["role"] == "notice"
    assert notice["text"]["ko"] not in (sample["text_ko"] or "")  # notices left out of the body
    body = [s["text"]["en"] for s in record["segments"] if s["role"] != "notice"]
    assert sample["text_en"] == "\n".join(body)
    first = sample["segments"][1]
    assert first["text_ko"] == record["segments"][1]["text"].get("ko")
    assert first["flags_ko"] == record["segments"][1]["translation_quality"]["ko"]["flags"]
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
    assert [r["doc_id"] for r in rows] == [r["doc_id"] for r in parquet]
    assert [r["segments"] for r in rows] == [r["segments"] for r in parquet]


def _pairs_expected(records: Path) -> int:
    count = 0
    for record in load_records(records).values():
        for segment in record["segments"]:
            if segment["role"] == "notice":
                continue
            for target in segment["machine_translated"]:
                count += len(segment["translation_sentences"][target])
    return count


def test_sentence_pairs_follow_the_sentence_spans(records: Path, tmp_path: Path) -> None:
    out = tmp_path / "pairs.tsv"
    everything = export(records, out, "parallel-tsv", include_flagged=True)
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0].split("\t") == list(TSV_COLUMNS)
    assert everything.rows == len(lines) - 1 == _pairs_expected(records)
    by_doc = [line.split("\t") for line in lines[1:]]
    record = next(iter(load_records(records).values()))
    segment = next(
        s for s in record["segments"] if s["machine_translated"] and s["role"] != "notice"
    )
    target = segment["machine_translated"][0]
    original, translation = segment["text"][segment["lang"]], segment["text"][target]
    a, b = segment["sentences"][0]
    c, d = segment["translation_sentences"][target][0]
    first = next(
        row for row in by_doc if row[4] == record["doc_id"] and row[5] == str(segment["index"])
    )
    assert first[:4] == [segment["lang"], target, original[a:b].strip(), translation[c:d].strip()]
    kept = export(records, tmp_path / "clean.tsv", "parallel-tsv")
    assert kept.rows + kept.flagged_left_out == everything.rows
    assert all(
        not row.split("\t")[8]
        for row in (tmp_path / "clean.tsv").read_text("utf-8").splitlines()[1:]
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
        props = {p.get("type") for p in unit.findall("prop")}
        assert {"x-doc_id", "x-segment", "x-sentence", "x-machine_translated"} <= props


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
    assert [p.name for p in tmp_path.iterdir()] == [name]  # nothing left aside


def test_a_failed_export_leaves_the_previous_file(
    records: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import lingoflow.processors.output.export as module

    out = tmp_path / "r.jsonl"
    export(records, out, "jsonl")
    before = out.read_bytes()
    calls = {"n": 0}
    original = module.row

    def failing(record: Any, languages: list[str]) -> dict[str, Any]:
        calls["n"] += 1
        if calls["n"] == 3:
            raise OSError("disk full")
        return original(record, languages)

    monkeypatch.setattr(module, "row", failing)
    with pytest.raises(OSError, match="disk full"):
        export(records, out, "jsonl")
    assert out.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["r.jsonl"]


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
    rows = [line.split("\t") for line in out.read_text("utf-8").splitlines()[1:]]
    assert {r[4] for r in rows} == {
        json.loads(p.read_text("utf-8"))["doc_id"] for p in paths if p != paths[1]
    }
    old_rows = [r for r in rows if r[4] == old["doc_id"]]
    assert old_rows and all(r[6] == "0" for r in old_rows)  # whole segments, one pair each
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
    summary = export_dataset(processed_dir=records, format="parquet", output=out)
    assert summary.rows == 5 and out.exists()
