"""Exports to object storage: a real S3-compatible server (moto's, on loopback, started here),
written through s3fs as a deployment would, read back with pandas, pyarrow and DuckDB's
readers of the downloaded file, and every bad target refused before any work."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lingoflow.flows.cli import main
from lingoflow.processors.batch import process_batch, write_processed
from lingoflow.processors.core.config import PipelineConfig, TranslationConfig
from lingoflow.processors.core.storage import StorageError, is_url, remote
from lingoflow.processors.output.export import ExportError, export
from tests.conftest import RAW, without_credentials
from tests.conftest import s3_filesystem as filesystem
from tests.helpers import check_paged_listing

pytest.importorskip("moto.server")
pytest.importorskip("s3fs")


@pytest.fixture(scope="module")
def records(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("processed")
    names = sorted(p.name for p in RAW.iterdir())
    config = PipelineConfig(translation=TranslationConfig(enabled=False))
    write_processed(folder, process_batch(RAW, folder, names, config, force=True))
    return folder


def test_urls_and_paths_are_told_apart() -> None:
    assert is_url("s3://b/x.parquet") and is_url("gs://b/x") and is_url("az://c/x")
    assert not is_url("exports/x.parquet") and not is_url("file:///tmp/x.parquet")
    with pytest.raises(StorageError, match="folder"):
        remote("s3://bucket/")


def test_parquet_export_to_a_bucket_reads_back(records: Path, bucket: str, tmp_path: Path) -> None:
    import pandas as pd
    import pyarrow.parquet as pq

    local = export(records, tmp_path / "records.parquet", "parquet")
    summary = export(records, f"s3://{bucket}/exports/records.parquet", "parquet")
    assert summary.output == f"s3://{bucket}/exports/records.parquet"
    assert (summary.rows, summary.bytes) == (local.rows, local.bytes) == (5, local.bytes)
    fs = filesystem()
    assert sorted(fs.ls(f"{bucket}/exports")) == [
        f"{bucket}/exports/README.md",
        f"{bucket}/exports/records.parquet",
        f"{bucket}/exports/records.parquet.features.json",
    ]  # no probe or partial object left behind
    downloaded = tmp_path / "down.parquet"
    fs.get_file(f"{bucket}/exports/records.parquet", str(downloaded))
    assert downloaded.read_bytes() == (tmp_path / "records.parquet").read_bytes()
    frame = pd.read_parquet(downloaded)
    assert len(frame) == 5 and pq.read_table(downloaded).num_rows == 5
    card = fs.cat_file(f"{bucket}/exports/README.md").decode("utf-8")
    assert "records.parquet" in card


def test_a_second_export_in_the_folder_joins_the_card(
    records: Path, bucket: str, tmp_path: Path
) -> None:
    export(records, f"s3://{bucket}/d/records.parquet", "parquet")
    export(records, f"s3://{bucket}/d/records.jsonl", "jsonl")
    fs = filesystem()
    card = fs.cat_file(f"{bucket}/d/README.md").decode("utf-8")
    assert "records.parquet" in card and "records.jsonl" in card
    rows = fs.cat_file(f"{bucket}/d/records.jsonl").decode("utf-8").splitlines()
    assert len(rows) == 5 and all(json.loads(row)["id"] for row in rows)


def test_a_missing_bucket_is_an_error_before_any_work(records: Path, s3: dict[str, str]) -> None:
    with pytest.raises(ExportError, match="does not exist"):
        export(records, "s3://no-such-bucket-here/records.parquet", "parquet")


def test_missing_credentials_are_an_error_before_any_work(
    records: Path, bucket: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with monkeypatch.context() as env:
        without_credentials(env)
        with pytest.raises(ExportError, match=r"cannot write.*Credentials"):
            export(records, f"s3://{bucket}/records.parquet", "parquet")
    assert not filesystem().ls(bucket)


def test_an_unknown_scheme_is_named(records: Path) -> None:
    with pytest.raises(ExportError, match="nosuchscheme"):
        export(records, "nosuchscheme://x/records.parquet", "parquet")


def test_the_command_line_exports_to_a_bucket(
    records: Path, bucket: str, capsys: pytest.CaptureFixture[str]
) -> None:
    target = f"s3://{bucket}/cli/pairs.tsv"
    args = ["export", "--processed-dir", str(records), "--format", "parallel-tsv"]
    assert main([*args, "--output", target]) == 0
    assert target in capsys.readouterr().out
    assert filesystem().info(f"{bucket}/cli/pairs.tsv")["size"] > 0
    assert main([*args, "--output", "s3://no-such-bucket-here/pairs.tsv"]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_an_unreachable_endpoint_is_an_error_before_any_work(
    records: Path, s3: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    with monkeypatch.context() as env:
        env.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")  # the discard port: nobody there
        filesystem()
        with pytest.raises(ExportError, match="EndpointConnectionError"):
            export(records, "s3://bucket/records.parquet", "parquet")
    filesystem()


def test_an_object_read_line_by_line_gives_its_lines(
    bucket: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from lingoflow.processors.core import storage

    monkeypatch.setattr(storage, "LINE_BLOCK", 4)  # lines across blocks, blocks without lines
    folder = storage.RemoteFolder(f"s3://{bucket}/f")
    cases = [
        b"",
        b"no newline",
        b"a\nbb\n",
        b"a\n\nccc\nlast",
        b"x" * 25 + b"\ny",
        b"\r\n\n",
        b"a\rb\n",
    ]
    for n, data in enumerate(cases):
        filesystem().pipe_file(f"{bucket}/f/{n}.jsonl", data)
        expected = [line + b"\n" for line in data.split(b"\n")[:-1]] + [data.split(b"\n")[-1]]
        assert list(folder.lines(f"{n}.jsonl")) == [line for line in expected if line], data
    with pytest.raises(FileNotFoundError):
        list(folder.lines("missing.jsonl"))


def test_a_paged_listing_is_the_whole_listing_in_code_point_order(
    bucket: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from lingoflow.processors.core import storage

    monkeypatch.setattr(storage, "LISTING_PAGE", 3)
    assert check_paged_listing(filesystem(), bucket, f"s3://{bucket}") == [3, 3, 2]


class _PagedStore:
    """A stand-in for gcsfs's JSON API calls: objects.list pages chained by page tokens."""

    protocol = ("gs", "gcs")

    def __init__(self, pages: list[list[str]]) -> None:
        self.pages = pages
        self.requests: list[dict[str, object]] = []

    def split_path(self, path: str) -> tuple[str, str, None]:
        bucket, _, key = path.partition("/")
        return bucket, key, None

    def call(self, method: str, path: str, bucket: str, **request: object) -> dict[str, object]:
        self.requests.append(request)
        k = int(str(request.get("pageToken") or 0))
        items = [{"name": f"raw/{n}", "size": "1", "etag": f"e{n}"} for n in self.pages[k]]
        more = {"nextPageToken": str(k + 1)} if k + 1 < len(self.pages) else {}
        return {"kind": "storage#objects", "items": items, **more}


def test_a_gcs_listing_follows_its_page_tokens_and_refuses_disorder(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from lingoflow.processors.core import storage

    store = _PagedStore([["a", "b/"], ["b/c", "d"], ["e"]])
    monkeypatch.setattr(storage, "_folder_filesystem", lambda url: (store, "bucket/raw"))
    pages = list(storage.RemoteFolder("gs://bucket/raw").pages())
    assert [[o.name for o in p] for p in pages] == [["a"], ["b/c", "d"], ["e"]]  # no marker
    assert [r.get("pageToken") for r in store.requests] == [None, "1", "2"]
    assert {r["prefix"] for r in store.requests} == {"raw/"}
    assert pages[0][0].version == "1:ea"
    store = _PagedStore([["a", "c"], ["b"]])  # a store listing out of order: an error
    monkeypatch.setattr(storage, "_folder_filesystem", lambda url: (store, "bucket/raw"))
    with pytest.raises(StorageError, match="out of order"):
        list(storage.RemoteFolder("gs://bucket/raw").pages())
