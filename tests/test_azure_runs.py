"""Runs whose folders are in Azure Blob Storage: the same flow through adlfs against Azurite,
Microsoft's storage emulator (a Node.js process on a free loopback port, in memory; installed
by ``make install`` from tests/azurite/). Azure goes through fsspec's generic path, like GCS:
the records must be those of a local run, re-runs must skip unchanged blobs unread, a missing
container and a wrong account key must fail the run before any work."""

from __future__ import annotations

import os
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from lingoflow.flows.process import process_documents
from lingoflow.processors.output.export import export
from tests.conftest import ROOT
from tests.helpers import check_missing_store_fails, check_paged_listing, check_store_run

adlfs = pytest.importorskip("adlfs")
pytestmark = pytest.mark.usefixtures("prefect_harness")

AZURITE = Path(
    os.environ.get("LINGOFLOW_AZURITE", ROOT / ".venv/azurite/node_modules/.bin/azurite-blob")
)
CONTAINER = "lingoflow-az"
# Azurite's one account and its documented key (public: the emulator's, not a secret).
ACCOUNT = "devstoreaccount1"
KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="


def connection_string(port: int, key: str = KEY) -> str:
    return (
        f"DefaultEndpointsProtocol=http;AccountName={ACCOUNT};AccountKey={key};"
        f"BlobEndpoint=http://127.0.0.1:{port}/{ACCOUNT};"
    )


@pytest.fixture(scope="module")
def azurite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """Azurite's blob service on a free loopback port, in memory; its port."""
    if not AZURITE.exists():
        pytest.skip(f"Azurite is not installed ({AZURITE}): `make install` installs it with npm")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [str(AZURITE), "--inMemoryPersistence", "--silent", "--skipApiVersionCheck"]
    command += ["--blobHost", "127.0.0.1", "--blobPort", str(port)]
    log = tmp_path_factory.mktemp("azurite") / "stderr.txt"
    with log.open("wb") as errors:
        server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=errors)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    message = log.read_text(errors="replace")
                    raise RuntimeError(f"Azurite did not start: {message}") from None
                time.sleep(0.2)
        yield port
    finally:
        server.terminate()  # Azurite waits for open connections to close: not for long
        try:
            server.wait(timeout=5)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=30)


@pytest.fixture
def blobs(azurite: int, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """The environment a user sets for adlfs (a connection string) and a filesystem on it."""
    monkeypatch.setenv("AZURE_STORAGE_CONNECTION_STRING", connection_string(azurite))
    adlfs.AzureBlobFileSystem.clear_instance_cache()
    fs = adlfs.AzureBlobFileSystem(connection_string=connection_string(azurite))
    if not fs.exists(CONTAINER):
        fs.mkdir(CONTAINER)
    yield fs
    adlfs.AzureBlobFileSystem.clear_instance_cache()


def test_a_run_through_azure_makes_the_local_records_then_skips_them_unread(
    blobs: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"az://{CONTAINER}"
    raw, processed, reads = check_store_run(blobs, CONTAINER, url, tmp_path, monkeypatch)
    blobs.pipe_file(f"{CONTAINER}/raw/extra.txt", b"A new press release about city parks.\n")
    third = process_documents(raw_dir=raw, processed_dir=processed)
    assert third.up_to_date == 5 and third.written == 1
    assert reads == ["extra.txt"]  # the new blob alone is downloaded
    exported = export(processed, tmp_path / "records.parquet", "parquet")
    assert exported.rows == 6 and not exported.corrupt


def test_a_missing_container_fails_the_run_before_any_work(blobs: Any) -> None:
    raw, out = "az://no-such-container/raw", f"{CONTAINER}/out-missing"
    check_missing_store_fails(blobs, raw, out, f"az://{out}", "no-such-container")


def test_a_wrong_account_key_fails_the_run_before_any_work(
    blobs: Any, azurite: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    blobs.pipe_file(f"{CONTAINER}/keyed/a.txt", b"Some text to process.\n")
    wrong = KEY[:-4] + "AAA="
    monkeypatch.setenv("AZURE_STORAGE_CONNECTION_STRING", connection_string(azurite, wrong))
    adlfs.AzureBlobFileSystem.clear_instance_cache()
    state = process_documents(
        raw_dir=f"az://{CONTAINER}/keyed",
        processed_dir=f"az://{CONTAINER}/out-keyed",
        return_state=True,
    )
    assert state.is_failed() and "authenticate" in str(state.message)
    assert not blobs.exists(f"{CONTAINER}/out-keyed")


def test_an_azure_listing_comes_in_pages_in_code_point_order(
    blobs: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Listed a page at a time (List Blobs with a continuation marker)."""
    from lingoflow.processors.core import storage

    monkeypatch.setattr(storage, "LISTING_PAGE", 3)
    assert check_paged_listing(blobs, CONTAINER, f"az://{CONTAINER}") == [3, 3, 2]
