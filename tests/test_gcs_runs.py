"""Runs whose folders are in Google Cloud Storage: the same flow through gcsfs against a GCS
emulator (gcp-storage-emulator, in-process on loopback). GCS goes through fsspec's generic
path (no S3 paging): the records must be those of a local run, re-runs must skip unchanged
objects unread, and a missing bucket must fail the run before any work."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from lingoflow.processors.output.export import export
from tests.helpers import check_missing_store_fails, check_paged_listing, check_store_run

pytest.importorskip("gcsfs")
emulator = pytest.importorskip("gcp_storage_emulator.server")
pytestmark = pytest.mark.usefixtures("prefect_harness")

BUCKET = "lingoflow-gcs"


@pytest.fixture(scope="module")
def gcs() -> Iterator[Any]:
    """A GCS emulator on a free loopback port with one bucket, and a gcsfs filesystem on it."""
    import socket

    import gcsfs

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = emulator.create_server("127.0.0.1", port, in_memory=True, default_bucket=BUCKET)
    server.start()
    patch = pytest.MonkeyPatch()
    patch.setenv("STORAGE_EMULATOR_HOST", f"http://127.0.0.1:{port}")
    gcsfs.GCSFileSystem.clear_instance_cache()
    try:
        yield gcsfs.GCSFileSystem(project="lingoflow-test", token="anon")
    finally:
        patch.undo()
        gcsfs.GCSFileSystem.clear_instance_cache()
        server.stop()


def test_a_run_through_gcs_makes_the_local_records_then_skips_them_unread(
    gcs: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, processed, _ = check_store_run(gcs, BUCKET, f"gs://{BUCKET}", tmp_path, monkeypatch)
    exported = export(processed, tmp_path / "records.parquet", "parquet")
    assert exported.rows == 5 and not exported.corrupt


def test_a_missing_gcs_bucket_fails_the_run_before_any_work(gcs: Any) -> None:
    raw, out = "gs://no-such-bucket-here/raw", f"{BUCKET}/out"
    check_missing_store_fails(gcs, raw, out, f"gs://{out}", "no-such-bucket-here")


def test_a_gcs_listing_comes_in_pages_in_code_point_order(gcs: Any) -> None:
    """Listed through the JSON API a page at a time (objects.list with page tokens; the
    emulator answers in one page: tests/test_storage.py follows the tokens)."""
    assert check_paged_listing(gcs, BUCKET, f"gs://{BUCKET}") == [8]
