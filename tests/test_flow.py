"""The process-documents flow end to end under a Prefect test server, and the CLI."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from lingoflow.flows.cli import main
from lingoflow.flows.process import process_documents
from tests.helpers import load_records, snapshot

pytestmark = pytest.mark.usefixtures("prefect_harness")


def test_one_valid_record_per_sample(raw_copy: Path, processed: Path) -> None:
    summary = process_documents(raw_dir=raw_copy, processed_dir=processed)
    records = load_records(processed)
    assert sorted(records) == sorted(p.name for p in raw_copy.iterdir())
    assert summary.inputs == summary.records == 5
    assert summary.by_status == {"ok": 5}
    for record in records.values():
        assert record["pipeline"]["flow_run_id"]
        assert record["languages"] == ["en", "ko"]
        assert record["source"]["encoding"] == "utf-8"
        assert record["segments"] and record["metadata"]["title"]
    index = (processed / "index.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(index) == 5


def test_rerun_rewrites_nothing_unless_forced(raw_copy: Path, processed: Path) -> None:
    process_documents(raw_dir=raw_copy, processed_dir=processed)
    before = snapshot(processed)
    summary = process_documents(raw_dir=raw_copy, processed_dir=processed)
    assert snapshot(processed) == before
    assert summary.written == 0 and summary.up_to_date == 5
    forced = process_documents(raw_dir=raw_copy, processed_dir=processed, force=True)
    assert forced.inputs == 5
    # Forced: every input is processed again; identical content still is not rewritten.
    assert {n: b for n, (b, _) in snapshot(processed).items()} == {
        n: b for n, (b, _) in before.items()
    }


def test_changed_input_is_reprocessed(raw_copy: Path, processed: Path) -> None:
    process_documents(raw_dir=raw_copy, processed_dir=processed)
    target = next(raw_copy.glob("004_*.txt"))
    target.write_text("A new title\n\nA new paragraph about carbon neutrality.\n")
    summary = process_documents(raw_dir=raw_copy, processed_dir=processed)
    assert summary.written == 1 and summary.up_to_date == 4
    record = load_records(processed)[target.name]
    assert record["metadata"]["title"] == "A new title"


@pytest.fixture
def bad_raw(tmp_path: Path, raw_copy: Path) -> Path:
    """The samples plus one of every kind of bad input."""
    outside = tmp_path / "outside-secret.txt"
    outside.write_text("OUTSIDE-SECRET-CONTENT must never be read")
    (raw_copy / "empty.txt").write_bytes(b"")
    (raw_copy / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
    (raw_copy / "nul.txt").write_bytes(b"abc\x00\x00\x01def\x00ghi" * 10)
    with (raw_copy / "huge.txt").open("wb") as fh:
        fh.truncate(50 * 1024 * 1024)
    (raw_copy / "link-out.txt").symlink_to(outside)
    (raw_copy / "broken.txt").write_bytes(
        b"Undecodable bytes follow: " + b"\xff\xfe" + " and Korean 한국어 text.".encode()
    )
    sub = raw_copy / "보도 자료"
    sub.mkdir()
    (sub / "보도자료 2021.txt").write_text(
        "서울시 보도자료\n\n서울시는 탄소중립을 위해 노력합니다."
    )
    depth = 50_000
    (raw_copy / "deep.html").write_text(
        "<html><head><title>Deep page</title></head><body>"
        + "<div>" * depth
        + "<p>Deeply nested content survives.</p>"
        + "</div>" * depth
        + "</body></html>"
    )
    return raw_copy


def test_bad_inputs_each_get_one_clear_record(bad_raw: Path, processed: Path) -> None:
    summary = process_documents(raw_dir=bad_raw, processed_dir=processed)
    records = load_records(processed)
    assert summary.inputs == summary.records == len(records) == 13

    def codes(name: str) -> list[str]:
        return [e["code"] for e in records[name]["errors"]]

    expected_failures = {
        "empty.txt": "empty",
        "image.png": "not_text",
        "nul.txt": "not_text",
        "huge.txt": "too_large",
        "link-out.txt": "outside_root",
    }
    for name, code in expected_failures.items():
        assert records[name]["status"] == "failed", name
        assert codes(name) == [code]
        assert records[name]["segments"] == []
        assert records[name]["errors"][0]["message"]
    assert records["broken.txt"]["status"] == "partial"
    assert codes("broken.txt") == ["undecodable_bytes"]
    assert "2 byte(s)" in records["broken.txt"]["errors"][0]["message"]
    korean = records["보도 자료/보도자료 2021.txt"]
    assert korean["status"] == "ok" and korean["language"] == "ko"
    deep = records["deep.html"]
    assert deep["source"]["media_type"] == "text/html"
    assert "Deeply nested content survives." in [s["text"]["en"] for s in deep["segments"]]
    for name in (p.name for p in Path(__file__).parent.parent.joinpath("raw").iterdir()):
        assert records[name]["status"] == "ok"
    everything = "".join(p.read_text(encoding="utf-8") for p in processed.iterdir())
    assert "OUTSIDE-SECRET" not in everything


def test_cli_run_summary_and_exit_codes(
    bad_raw: Path, processed: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["run", "--raw-dir", str(bad_raw), "--processed-dir", str(processed)]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "13 records from 13 inputs" in out and "failed 5" in out and "en " in out
    assert main([*args, "--strict"]) == 1
    assert main(["validate", str(processed)]) == 0


def test_cli_strict_passes_on_clean_input(raw_copy: Path, processed: Path) -> None:
    args = ["run", "--raw-dir", str(raw_copy), "--processed-dir", str(processed), "--strict"]
    assert main(args) == 0


def test_cli_validate_finds_problems(
    raw_copy: Path, processed: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["run", "--raw-dir", str(raw_copy), "--processed-dir", str(processed)]) == 0
    record = next(processed.glob("*.json"))
    record.write_text(record.read_text(encoding="utf-8").replace('"ok"', '"okay"', 1))
    assert main(["validate", str(processed)]) == 1
    assert "'okay' is not one of" in capsys.readouterr().out
    shutil.copy(next(raw_copy.glob("000_*")), record)  # restore validity for the fixture
    record.unlink()
    (processed / "index.jsonl").unlink()


def test_cli_missing_raw_dir(tmp_path: Path) -> None:
    assert main(["run", "--raw-dir", str(tmp_path / "nope"), "--processed-dir", str(tmp_path)]) == 2


def test_cli_chooses_the_html_extractor(tmp_path: Path, processed: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    menu = "".join(f"<li><a href='/{k}'>Section {k}</a></li>" for k in range(12))
    article = "".join(
        f"<p>The council agreed on Tuesday to extend the tram line by {k} km, the mayor said "
        "in a statement after the vote.</p>"
        for k in range(6)
    )
    (raw / "page.html").write_text(
        f"<html><body><nav><ul>{menu}</ul></nav><article><h1>Tram line</h1>{article}"
        "</article></body></html>",
        encoding="utf-8",
    )
    base = ["run", "--raw-dir", str(raw), "--processed-dir", str(processed), "--no-translate"]
    assert main(base) == 0
    blocks = load_records(processed)["page.html"]  # the default: the blocks extractor
    assert {r["reason"] for r in blocks["removed"]} == {"boilerplate"}
    texts = [s["text"]["en"] for s in blocks["segments"]]
    assert texts[0] == "Tram line" and len(texts) == 7
    assert not any(t.startswith("Section") for t in texts)
    assert main([*base, "--html-extractor", "trafilatura"]) == 0
    chosen = load_records(processed)["page.html"]
    assert chosen["pipeline"]["settings_digest"] != blocks["pipeline"]["settings_digest"]
    assert [s["text"]["en"] for s in chosen["segments"]] == texts  # both find the article
    assert "boilerplate" not in {r["reason"] for r in chosen["removed"]}  # made by trafilatura,
    # which leaves the menu out before the rules see it
