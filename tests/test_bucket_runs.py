"""Runs whose raw and processed folders are in object storage: a real S3-compatible server
(moto's, on loopback), read and written through s3fs as a deployment on several hosts would.
The records must be those of a local run; re-runs skip unchanged objects without downloading
them; a bad bucket or credentials fail the run before any work; two runs over one output in
a bucket take turns through the Prefect server."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from lingoflow.flows.cli import main
from lingoflow.flows.common import output_limit_name, output_lock
from lingoflow.flows.export import export_dataset
from lingoflow.flows.process import process_documents
from lingoflow.flows.retranslate import retranslate
from lingoflow.processors.core.record import Record
from lingoflow.processors.core.storage import ObjectInfo, RemoteFolder
from lingoflow.processors.output.export import ExportError, export
from lingoflow.processors.output.records import INDEX_NAME, SOURCES_NAME
from tests.conftest import RAW, without_credentials
from tests.conftest import s3_filesystem as filesystem
from tests.helpers import empty_package_settings, install_en_ko, load_records, stable

pytest.importorskip("moto.server")
pytest.importorskip("s3fs")
pytestmark = pytest.mark.usefixtures("prefect_harness")


def upload_samples(bucket: str) -> str:
    fs = filesystem()
    for path in sorted(RAW.iterdir()):
        fs.pipe_file(f"{bucket}/raw/{path.name}", path.read_bytes())
    return f"s3://{bucket}/raw"


def bucket_records(bucket: str) -> dict[str, dict[str, Any]]:
    """The records under s3://bucket/processed by input path, each checked against the model."""
    fs = filesystem()
    found = {}
    for key in fs.glob(f"{bucket}/processed/*.json"):
        data = fs.cat_file(key)
        Record.model_validate_json(data)
        record = json.loads(data)
        found[record["source"]["path"]] = record
    return found


READS: list[tuple[str, str]] = []


@pytest.fixture
def raw_reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the raw objects read (downloaded) from then on; every read, raw or not,
    is in READS as (folder, name)."""
    reads: list[str] = []
    READS.clear()
    original = RemoteFolder.read

    def counting(self: RemoteFolder, name: str, limit: int | None = None) -> bytes | None:
        READS.append((self.url.rsplit("/", 1)[-1], name))
        if self.url.endswith("/raw"):
            reads.append(name)
        return original(self, name, limit)

    monkeypatch.setattr(RemoteFolder, "read", counting)
    return reads


def test_a_run_from_a_bucket_to_a_bucket_makes_the_local_records(
    bucket: str, tmp_path: Path, raw_reads: list[str]
) -> None:
    raw = upload_samples(bucket)
    summary = process_documents(raw_dir=raw, processed_dir=f"s3://{bucket}/processed")
    assert summary.inputs == summary.records == 5 and summary.by_status == {"ok": 5}
    assert sorted(raw_reads) == sorted(p.name for p in RAW.iterdir())
    local = tmp_path / "processed"
    process_documents(raw_dir=RAW, processed_dir=local)
    remote = bucket_records(bucket)
    assert {k: stable(v) for k, v in remote.items()} == {
        k: stable(v) for k, v in load_records(local).items()
    }
    fs = filesystem()
    index = fs.cat_file(f"{bucket}/processed/{INDEX_NAME}").decode()
    assert index == (local / INDEX_NAME).read_text(encoding="utf-8")
    assert len(fs.cat_file(f"{bucket}/processed/{SOURCES_NAME}").splitlines()) == 5
    assert not fs.glob(f"{bucket}/processed/.lingoflow-probe-*")


def test_a_rerun_skips_unchanged_objects_without_downloading_them(
    bucket: str, raw_reads: list[str]
) -> None:
    raw, processed = upload_samples(bucket), f"s3://{bucket}/processed"
    process_documents(raw_dir=raw, processed_dir=processed)
    fs = filesystem()
    before = {k: fs.info(k)["ETag"] for k in fs.glob(f"{bucket}/processed/*.json")}
    raw_reads.clear()
    READS.clear()
    again = process_documents(raw_dir=raw, processed_dir=processed)
    assert again.up_to_date == 5 and again.written == 0
    assert raw_reads == []  # told unchanged from the listings alone: no input downloaded,
    assert not [name for _, name in READS if name.endswith(".json")]  # no record read
    assert {k: fs.info(k)["ETag"] for k in fs.glob(f"{bucket}/processed/*.json")} == before

    gone = sorted(before)[0]  # a record deleted by hand is made again
    fs.rm_file(gone)
    after_delete = process_documents(raw_dir=raw, processed_dir=processed)
    assert (after_delete.written, after_delete.up_to_date) == (1, 4)
    assert len(raw_reads) == 1 and fs.exists(gone)
    raw_reads.clear()

    html = process_documents(raw_dir=raw, processed_dir=processed, html_extractor="trafilatura")
    assert html.up_to_date + html.written == 5  # other settings: each record judged again
    assert raw_reads  # and its input read again to remake it
    process_documents(raw_dir=raw, processed_dir=processed)
    raw_reads.clear()

    changed = next(p.name for p in RAW.iterdir() if p.name.startswith("004_"))
    fs.pipe_file(f"{bucket}/raw/{changed}", b"A new title\n\nA new paragraph about rivers.\n")
    fs.rm_file(f"{bucket}/raw/{next(p.name for p in RAW.iterdir() if p.name.startswith('000_'))}")
    third = process_documents(raw_dir=raw, processed_dir=processed, prune=True)
    assert raw_reads == [changed]
    assert (third.inputs, third.written, third.up_to_date) == (4, 1, 3)
    assert len(third.orphaned) == 1 and third.pruned
    records = bucket_records(bucket)
    assert len(records) == 4 and records[changed]["metadata"]["title"] == "A new title"

    forced = process_documents(raw_dir=raw, processed_dir=processed, force=True)
    assert forced.up_to_date == 0 and forced.written == 0  # read again, nothing changed


def test_an_object_gone_between_listing_and_reading_is_a_failed_record(
    bucket: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    raw = upload_samples(bucket)
    filesystem().pipe_file(f"{bucket}/raw/zz-deleted.txt", b"soon gone")
    import lingoflow.flows.process as flow_module

    listed = flow_module.listed_objects

    def deleted_once_listed(folder: RemoteFolder) -> Iterator[ObjectInfo]:
        objects = list(listed(folder))
        filesystem().rm_file(f"{bucket}/raw/zz-deleted.txt")
        yield from objects

    monkeypatch.setattr(flow_module, "listed_objects", deleted_once_listed)
    summary = process_documents(raw_dir=raw, processed_dir=f"s3://{bucket}/processed")
    assert summary.records == 6 and summary.by_status == {"ok": 5, "failed": 1}
    ghost = bucket_records(bucket)["zz-deleted.txt"]
    assert [e["code"] for e in ghost["errors"]] == ["unreadable"]
    assert "gone" in ghost["errors"][0]["message"]


def test_names_leading_outside_the_raw_prefix_are_not_read(bucket: str) -> None:
    fs = filesystem()
    fs.pipe_file(f"{bucket}/secret.txt", b"not for lingoflow")
    fs.pipe_file(f"{bucket}/raw/a.txt", b"A short note about rivers and lakes.")
    fs.pipe_file(f"{bucket}/rawdata/b.txt", b"A sibling prefix that is not the raw folder.")
    summary = process_documents(
        raw_dir=f"s3://{bucket}/raw", processed_dir=f"s3://{bucket}/processed"
    )
    assert summary.inputs == 1  # rawdata/ shares the prefix "raw" but is not the folder
    from lingoflow.processors.read.ingest import read_input

    doc = read_input(RemoteFolder(f"s3://{bucket}/raw"), "../secret.txt", 1000)
    assert doc.status == "failed" and doc.errors[0].code == "outside_root"


def test_an_oversized_object_is_refused_without_downloading_it(bucket: str) -> None:
    from lingoflow.processors.read.ingest import read_input

    filesystem().pipe_file(f"{bucket}/raw/big.txt", b"x" * 5000)
    doc = read_input(RemoteFolder(f"s3://{bucket}/raw"), "big.txt", 1000)
    assert doc.errors[0].code == "too_large" and doc.source.bytes == 5000


@pytest.mark.parametrize("where", ["raw", "processed"])
def test_a_missing_bucket_fails_the_run_before_any_work(s3: dict[str, str], where: str) -> None:
    folders = {"raw": str(RAW), "processed": "s3://lingoflow-no-such-bucket/processed"}
    if where == "raw":
        folders = {"raw": "s3://lingoflow-no-such-bucket/raw", "processed": "processed-unused"}
    state = process_documents(
        raw_dir=folders["raw"], processed_dir=folders["processed"], return_state=True
    )
    assert state.is_failed()
    assert "lingoflow-no-such-bucket" in (state.message or "")
    assert not Path("processed-unused").exists()


def test_refused_credentials_fail_the_run_before_any_work(
    bucket: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    raw = upload_samples(bucket)
    with monkeypatch.context() as env:
        without_credentials(env)
        state = process_documents(
            raw_dir=raw, processed_dir=f"s3://{bucket}/processed", return_state=True
        )
    filesystem()
    assert state.is_failed() and "Credentials" in (state.message or "")
    assert not filesystem().glob(f"{bucket}/processed/*")


def test_a_failed_write_leaves_no_partial_object(
    bucket: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    raw, processed = upload_samples(bucket), f"s3://{bucket}/processed"
    original = RemoteFolder.write
    written: list[str] = []

    def failing(self: RemoteFolder, name: str, data: bytes) -> None:
        if len(written) >= 2:
            raise OSError("connection reset by peer")
        written.append(name)
        original(self, name, data)

    monkeypatch.setattr(RemoteFolder, "write", failing)
    monkeypatch.setattr("lingoflow.processors.batch.WRITE_RETRY_DELAY", 0.01)
    state = process_documents(raw_dir=raw, processed_dir=processed, return_state=True)
    assert state.is_failed()
    records = bucket_records(bucket)  # every object there is a whole, valid record
    assert len(records) == 2
    monkeypatch.setattr(RemoteFolder, "write", original)
    again = process_documents(raw_dir=raw, processed_dir=processed)
    assert again.records == 5 and again.written == 3 and len(bucket_records(bucket)) == 5


def test_two_runs_over_one_output_in_a_bucket_take_turns(s3: dict[str, str]) -> None:
    folder = RemoteFolder("s3://lingoflow-turns/processed")
    held = threading.Event()
    spans: dict[str, tuple[float, float]] = {}

    def first() -> None:
        with output_lock(folder):
            start = time.monotonic()
            held.set()
            time.sleep(1.5)
            spans["first"] = (start, time.monotonic())

    thread = threading.Thread(target=first)
    thread.start()
    assert held.wait(30)
    with output_lock(folder) as waited:
        spans["second"] = (time.monotonic(), time.monotonic())
    thread.join()
    assert waited >= 1.0
    assert spans["second"][0] >= spans["first"][1]
    busy = pytest.raises(TimeoutError, match=output_limit_name(folder))
    with busy, output_lock(folder), output_lock(folder, timeout=1):
        pass


@pytest.fixture
def read_only_credentials(bucket: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Keys of an IAM user that may list and read the bucket but not write it, with the
    server checking every request's signature and policy while the test runs."""
    import boto3
    from moto import settings

    upload_samples(bucket)
    iam = boto3.client("iam", endpoint_url=os.environ["AWS_ENDPOINT_URL"])
    user = f"reader-{bucket}"[:64]
    iam.create_user(UserName=user)
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": ["s3:List*", "s3:Get*"],  # moto names listing ListObjectsV2
                "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
            }
        ],
    }
    iam.put_user_policy(UserName=user, PolicyName="read", PolicyDocument=json.dumps(policy))
    key = iam.create_access_key(UserName=user)["AccessKey"]
    monkeypatch.setattr(settings, "INITIAL_NO_AUTH_ACTION_COUNT", 0)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", key["AccessKeyId"])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", key["SecretAccessKey"])
    filesystem()
    yield bucket
    monkeypatch.undo()
    filesystem()


def test_a_processed_folder_without_write_permission_fails_the_run_before_any_work(
    bucket: str, read_only_credentials: str
) -> None:
    fs = filesystem()
    assert fs.ls(f"{bucket}/raw")  # reading is allowed
    state = process_documents(
        raw_dir=f"s3://{bucket}/raw", processed_dir=f"s3://{bucket}/processed", return_state=True
    )
    assert state.is_failed()
    assert "permission denied" in (state.message or "")
    assert not fs.glob(f"{bucket}/processed/*")


@pytest.mark.slow
def test_worker_processes_read_and_write_the_bucket_themselves(bucket: str) -> None:
    raw = upload_samples(bucket)
    one = process_documents(raw_dir=raw, processed_dir=f"s3://{bucket}/one")
    two = process_documents(raw_dir=raw, processed_dir=f"s3://{bucket}/two", processes=2)
    assert one.by_status == two.by_status == {"ok": 5}
    fs = filesystem()

    def contents(prefix: str) -> dict[str, Any]:
        keys = fs.glob(f"{bucket}/{prefix}/*.json")
        return {Path(k).name: stable(json.loads(fs.cat_file(k))) for k in keys}

    assert contents("one") == contents("two") and len(contents("two")) == 5
    assert fs.cat_file(f"{bucket}/one/index.jsonl") == fs.cat_file(f"{bucket}/two/index.jsonl")


@pytest.mark.slow
def test_sigkill_mid_run_on_a_bucket_leaves_whole_objects_then_rerun_completes(
    bucket: str, tmp_path: Path
) -> None:
    from bench.corpus import generate

    local = tmp_path / "raw"
    list(generate(local, 400))
    fs = filesystem()
    fs.put(str(local) + "/", f"{bucket}/raw/", recursive=True)
    lingoflow = str(Path(sys.executable).with_name("lingoflow"))
    command = [lingoflow, "run", "--raw-dir", f"s3://{bucket}/raw"]
    command += ["--processed-dir", f"s3://{bucket}/processed", "--no-translate"]
    command += ["--batch-size", "16"]
    log = (tmp_path / "victim.log").open("wb")
    victim = subprocess.Popen(command, stdout=log, stderr=log, start_new_session=True)
    deadline = time.monotonic() + 600  # a bound on waiting, not a timing assertion
    while time.monotonic() < deadline and len(fs.glob(f"{bucket}/processed/*.json")) < 40:
        if victim.poll() is not None:
            log.close()
            tail = (tmp_path / "victim.log").read_text(errors="replace")[-2000:]
            pytest.fail(f"the run ended on its own (exit {victim.returncode}): {tail}")
        time.sleep(0.2)
        fs.invalidate_cache()
    os.killpg(victim.pid, signal.SIGKILL)
    victim.wait(timeout=30)
    log.close()
    fs.invalidate_cache()
    written = bucket_records(bucket)  # every object there parses as a whole record
    assert 0 < len(written) < 400, "the run was not interrupted mid-way"
    done = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "kept from other runs on this host only" in done.stderr  # a private server
    fs.invalidate_cache()
    assert len(bucket_records(bucket)) == 400
    index = fs.cat_file(f"{bucket}/processed/{INDEX_NAME}").splitlines()
    assert len(index) == 400


def test_an_unreachable_endpoint_fails_the_run_before_any_work(
    s3: dict[str, str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    with monkeypatch.context() as env:
        env.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")  # the discard port: nobody there
        filesystem()
        state = process_documents(
            raw_dir="s3://lingoflow-anywhere/raw",
            processed_dir=tmp_path / "processed",
            return_state=True,
        )
    filesystem()
    assert state.is_failed() and "EndpointConnectionError" in (state.message or "")
    assert "s3://lingoflow-anywhere/raw" in (state.message or "")
    assert not (tmp_path / "processed").exists()


def download(bucket: str, prefix: str, local: Path) -> Path:
    """Every object directly under s3://bucket/prefix, copied into ``local``."""
    local.mkdir()
    fs = filesystem()
    for key in fs.ls(f"{bucket}/{prefix}"):
        (local / key.rsplit("/", 1)[-1]).write_bytes(fs.cat_file(key))
    return local


def test_retranslate_fills_missing_translations_in_a_bucket(
    bucket: str, tmp_path: Path, argos_files: Path
) -> None:
    packages, settings = empty_package_settings(tmp_path)
    raw, processed = upload_samples(bucket), f"s3://{bucket}/processed"
    process_documents(raw_dir=raw, processed_dir=processed, translation=settings)
    assert {r["status"] for r in bucket_records(bucket).values()} == {"partial"}
    fs = filesystem()
    victim = sorted(fs.glob(f"{bucket}/processed/0*.json"))[0]
    fs.pipe_file(victim, b"\x00 not json")
    install_en_ko(argos_files, packages)

    summary = retranslate(processed_dir=processed, translation=settings)
    assert summary.written == 4 and summary.by_status == {"ok": 4}
    assert len(summary.corrupt) == 1 and summary.corrupt[0].startswith(victim.rsplit("/")[-1])
    assert fs.cat_file(victim) == b"\x00 not json"  # reported and left as it is
    records = bucket_records_but(bucket, victim)
    assert all(r["status"] == "ok" and r["errors"] == [] for r in records.values())
    assert all(set(s["text"]) == {"en", "ko"} for r in records.values() for s in r["segments"])
    index = fs.cat_file(f"{bucket}/processed/{INDEX_NAME}").decode().splitlines()
    assert len(index) == 4 and all(json.loads(line)["status"] == "ok" for line in index)
    etags = {k: fs.info(k)["ETag"] for k in fs.glob(f"{bucket}/processed/*.json")}
    again = retranslate(processed_dir=processed, translation=settings)
    assert again.written == 0
    assert {k: fs.info(k)["ETag"] for k in fs.glob(f"{bucket}/processed/*.json")} == etags

    rerun = process_documents(raw_dir=raw, processed_dir=processed, translation=settings)
    assert rerun.by_status == {"ok": 5} and len(rerun.corrupt) == 1  # reported, then remade
    Record.model_validate_json(fs.cat_file(victim))


def bucket_records_but(bucket: str, left_out: str) -> dict[str, dict[str, Any]]:
    fs = filesystem()
    found = {}
    for key in fs.glob(f"{bucket}/processed/*.json"):
        if key != left_out:
            record = json.loads(fs.cat_file(key))
            found[record["source"]["path"]] = record
    return found


def test_retranslate_of_a_missing_bucket_fails_before_any_work(s3: dict[str, str]) -> None:
    state = retranslate(processed_dir="s3://no-such-bucket-here/processed", return_state=True)
    assert state.is_failed() and "no-such-bucket-here" in str(state.message)
    assert main(["retranslate", "--processed-dir", "s3://no-such-bucket-here/processed"]) == 2


def test_export_reads_records_from_a_bucket(
    bucket: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import pyarrow.parquet as pq

    processed = f"s3://{bucket}/processed"
    process_documents(raw_dir=upload_samples(bucket), processed_dir=processed)
    fs = filesystem()
    fs.pipe_file(f"{bucket}/processed/orphan-000000000000.json", b"{not a record")
    local = download(bucket, "processed", tmp_path / "copy")
    expected = export(local, tmp_path / "local.parquet", "parquet")

    summary = export(processed, tmp_path / "remote.parquet", "parquet")
    assert (summary.rows, summary.corrupt) == (expected.rows, expected.corrupt) == (5, ANY_ONE)
    assert (tmp_path / "remote.parquet").read_bytes() == (tmp_path / "local.parquet").read_bytes()
    assert pq.read_table(tmp_path / "remote.parquet").num_rows == 5

    target = f"s3://{bucket}/exports/pairs.tsv"  # bucket to bucket, from the command line
    args = ["export", "--processed-dir", processed, "--format", "parallel-tsv"]
    assert main([*args, "--output", target]) == 1  # the corrupt record is named
    assert "orphan-000000000000.json" in capsys.readouterr().err
    assert fs.cat_file(f"{bucket}/exports/pairs.tsv").startswith(b"pair_id\t")
    flow_summary = export_dataset(processed_dir=processed, output=str(tmp_path / "flow.parquet"))
    assert flow_summary.rows == 5 and len(flow_summary.corrupt) == 1


class _AnyOne(list[str]):
    def __eq__(self, other: object) -> bool:
        return isinstance(other, list) and len(other) == 1


ANY_ONE = _AnyOne()


def test_export_from_a_missing_bucket_or_an_empty_folder_is_an_error(
    bucket: str, tmp_path: Path
) -> None:
    with pytest.raises(ExportError, match="no-such-bucket-here"):
        export("s3://no-such-bucket-here/processed", tmp_path / "x.parquet", "parquet")
    with pytest.raises(ExportError, match="no records in s3://"):
        export(f"s3://{bucket}/nothing-here", tmp_path / "x.parquet", "parquet")
    with pytest.raises(ExportError, match="does not exist"):  # the output, before any read
        export(f"s3://{bucket}/processed", tmp_path / "missing" / "x.parquet", "parquet")
    assert not list(tmp_path.iterdir())


def test_the_listing_is_read_a_page_at_a_time_as_batches_go(
    bucket: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import lingoflow.flows.process as flow_module
    from lingoflow.processors.core import storage

    raw = upload_samples(bucket)
    monkeypatch.setattr(storage, "LISTING_PAGE", 2)
    events: list[str] = []
    pages, process_batch = RemoteFolder.pages, flow_module.process_batch

    def counted_pages(self: RemoteFolder) -> Iterator[list[ObjectInfo]]:
        for page in pages(self):
            events.append(f"page {self.url.rsplit('/', 1)[-1]}")
            yield page

    def counted_batch(*args: Any, **kwargs: Any) -> Any:
        events.append("batch")
        return process_batch(*args, **kwargs)

    monkeypatch.setattr(RemoteFolder, "pages", counted_pages)
    monkeypatch.setattr(flow_module, "process_batch", counted_batch)
    summary = process_documents(raw_dir=raw, processed_dir=f"s3://{bucket}/processed", batch_size=2)
    assert summary.by_status == {"ok": 5}
    raw_pages = [n for n, e in enumerate(events) if e == "page raw"]
    assert len(raw_pages) == 3  # 5 objects, 2 a page
    assert events.index("batch") < raw_pages[-1]  # work began before the listing ended
    assert len(bucket_records(bucket)) == 5
