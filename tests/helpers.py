"""Shared test helpers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from lingoflow.processors.batch import process_batch
from lingoflow.processors.core.config import PipelineConfig, TranslationConfig
from lingoflow.processors.core.record import Record
from lingoflow.processors.output.validate import validate_dir


def assert_valid_records(folder: Path) -> None:
    """Every record and index line in ``folder`` is valid against the published schema."""
    problems = [str(p) for p in validate_dir(folder)]
    assert not problems, "\n".join(problems)


def load_records(folder: Path) -> dict[str, dict[str, Any]]:
    """Records in ``folder`` keyed by their source path."""
    records = {}
    for path in sorted(folder.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        records[data["source"]["path"]] = data
    return records


VOLATILE = ("processed_at", "flow_run_id")
"""Fields of a record's ``pipeline`` that differ between two runs making the same record."""


def stable(record: dict[str, Any]) -> dict[str, Any]:
    """``record`` without its :data:`VOLATILE` fields: what two runs must agree on."""
    pipeline = {k: v for k, v in record["pipeline"].items() if k not in VOLATILE}
    return {**record, "pipeline": pipeline}


def check_store_run(
    fs: Any, folder: str, url: str, tmp_path: Path, monkeypatch: Any
) -> tuple[str, str, list[str]]:
    """Upload the samples to ``folder``/raw of the fsspec filesystem ``fs`` (``url`` is the
    same folder as a URL), run them to ``url``/processed and check what any store must give:
    the local run's records and index, then a re-run that reads no object. Returns the raw
    and processed URLs and the list the names of objects read from then on go to."""
    from lingoflow.flows.process import process_documents
    from lingoflow.processors.core.storage import RemoteFolder
    from lingoflow.processors.output.records import INDEX_NAME
    from tests.conftest import RAW

    for path in RAW.iterdir():
        fs.pipe_file(f"{folder}/raw/{path.name}", path.read_bytes())
    raw, processed = f"{url}/raw", f"{url}/processed"
    summary = process_documents(raw_dir=raw, processed_dir=processed)
    assert summary.by_status == {"ok": 5}
    local = tmp_path / "processed"
    process_documents(raw_dir=RAW, processed_dir=local)
    remote = {}
    for key in fs.glob(f"{folder}/processed/*.json"):
        record = json.loads(fs.cat_file(key))
        remote[record["source"]["path"]] = stable(record)
    assert remote == {k: stable(v) for k, v in load_records(local).items()}
    assert fs.cat_file(f"{folder}/processed/{INDEX_NAME}") == (local / INDEX_NAME).read_bytes()

    reads: list[str] = []
    original = RemoteFolder.read

    def counting(self: RemoteFolder, name: str, limit: int | None = None) -> bytes | None:
        reads.append(name)
        return original(self, name, limit)

    monkeypatch.setattr(RemoteFolder, "read", counting)
    again = process_documents(raw_dir=raw, processed_dir=processed)
    assert again.up_to_date == 5 and again.written == 0 and reads == []
    return raw, processed, reads


def check_missing_store_fails(fs: Any, raw_url: str, out: str, out_url: str, name: str) -> None:
    """A run whose raw folder ``raw_url`` is in a bucket or container that does not exist
    fails before any work, naming it (``name``), and writes nothing to ``out`` (the path in
    ``fs`` of ``out_url``)."""
    from lingoflow.flows.process import process_documents

    state = process_documents(raw_dir=raw_url, processed_dir=out_url, return_state=True)
    assert state.is_failed() and name in str(state.message)
    assert not fs.exists(out)


PAGED_NAMES = ["보도 자료/1.txt", "a+b c.txt", "A/z.txt", "a/b/c/d.txt", "é.txt", "z", "~x", "ß"]
"""Object names whose code-point order differs from a naive one (case, accents, Hangul,
nested folders, signs), for listings read a page at a time."""


def check_paged_listing(fs: Any, bucket: str, url: str) -> list[int]:
    """Write :data:`PAGED_NAMES` under ``bucket``/paged (and a sibling folder that must not
    be listed), list ``url``/paged a page at a time: the names in code-point order, the
    versions those of the whole listing. Returns the page sizes."""
    from lingoflow.processors.core.storage import RemoteFolder

    for n, name in enumerate(PAGED_NAMES):
        fs.pipe_file(f"{bucket}/paged/{name}", b"x" * n)
    fs.pipe_file(f"{bucket}/paged2/sibling.txt", b"not listed")
    folder = RemoteFolder(f"{url}/paged")
    pages = list(folder.pages())
    listed = [o for page in pages for o in page]
    assert [o.name for o in listed] == sorted(PAGED_NAMES)
    assert {o.name: o.version for o in listed} == {o.name: o.version for o in folder.objects()}
    return [len(page) for page in pages]


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    """Bytes and modification time (ns) of every file in ``folder``."""
    return {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted(folder.iterdir())}


EN_KO_ARCHIVES = ("translate-ko_en-1_0.argosmodel", "translate-en_ko-1_0.argosmodel")


def empty_package_settings(tmp_path: Path) -> tuple[Path, Any]:
    """An empty package folder, and translation settings that use it (cache under tmp_path)."""

    folder = tmp_path / "packages"
    folder.mkdir()
    return folder, TranslationConfig(packages_dir=str(folder), cache_dir=str(tmp_path / "cache"))


def install_en_ko(argos_files: Path, folder: Path) -> None:
    """Install the test packages for en→ko and ko→en into ``folder``."""
    from lingoflow.processors.translate.packages import install_archive

    for name in EN_KO_ARCHIVES:
        install_archive(argos_files / name, folder)


def process_together(
    raw_dir: Path, rel_paths: list[str], config: PipelineConfig
) -> dict[str, Record]:
    """Records of ``rel_paths`` processed as one batch, the path a run takes for a folder
    (forced, so no existing record is read), keyed by source path."""
    batch = process_batch(raw_dir, raw_dir / ".no-records", rel_paths, config, force=True)
    return {record.source.path: record for record in batch.records}
