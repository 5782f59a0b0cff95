"""Test environment: Prefect and argostranslate state go to a temporary folder, never home."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

# Property tests assert behaviour; how long an example takes belongs in the benchmarks (a
# loaded machine ran an extraction example past hypothesis's default 200 ms deadline).
settings.register_profile("lingoflow", deadline=None)
settings.load_profile("lingoflow")

_STATE = Path(tempfile.mkdtemp(prefix="lingoflow-tests-"))
os.environ.update(
    {
        "PREFECT_HOME": str(_STATE / "prefect"),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
        "PREFECT_LOGGING_LEVEL": "WARNING",
        "XDG_DATA_HOME": str(_STATE / "xdg-data"),
        "XDG_CONFIG_HOME": str(_STATE / "xdg-config"),
        "XDG_CACHE_HOME": str(_STATE / "xdg-cache"),
        "ARGOS_PACKAGES_DIR": str(_STATE / "argos-packages"),
        # gcsfs's zonal/hierarchical-bucket probe speaks gRPC, which the GCS emulator does not
        "GCSFS_EXPERIMENTAL_ZB_HNS_SUPPORT": "false",
    }
)
os.environ.pop("PREFECT_API_URL", None)
os.environ.pop("PREFECT_PROFILE", None)

from tests.helpers import assert_valid_records  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
RAW = ROOT / "raw"
SHARED = ROOT.parent / "shared"

import lingoflow.processors.pipeline  # noqa: E402, F401  (the modules the steps use)
from lingoflow.processors import compiled_modules  # noqa: E402

COMPILED = bool(compiled_modules())
"""Whether the tests run against the compiled build (``make test-compiled``)."""


def pytest_configure(config: pytest.Config) -> None:
    if os.environ.get("LINGOFLOW_EXPECT_COMPILED") == "1" and not COMPILED:
        raise pytest.UsageError(
            "LINGOFLOW_EXPECT_COMPILED=1 but lingoflow's modules are plain Python: "
            "the compiled build is not first on the path"
        )


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    shutil.rmtree(_STATE, ignore_errors=True)


@pytest.fixture(scope="session")
def prefect_harness() -> Iterator[None]:
    """One Prefect test server for the session (temporary database under the test state)."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=60):
        yield


@pytest.fixture(autouse=True)
def _prefect_events_stopped(request: pytest.FixtureRequest) -> Iterator[None]:
    """After a test that ran flows in this process, stop Prefect's events worker: its
    websocket pings the server from a background thread with the global ``random`` module,
    and a ping during a later property test changes the random state while hypothesis draws
    an example (a HypothesisDeprecationWarning, "Do not use the random module inside
    strategies", in a test that uses none). The next flow starts the worker again."""
    yield
    if "prefect_harness" in request.fixturenames:
        from prefect.events.worker import EventsWorker

        EventsWorker.drain_all(timeout=30, at_exit=False)


@pytest.fixture
def raw_copy(tmp_path: Path) -> Path:
    """A writable copy of the sample documents."""
    target = tmp_path / "raw"
    shutil.copytree(RAW, target)
    return target


@pytest.fixture
def processed(tmp_path: Path) -> Iterator[Path]:
    """An output folder whose records are all validated against the schema after the test."""
    folder = tmp_path / "processed"
    yield folder
    if folder.exists():
        assert_valid_records(folder)


@pytest.fixture(scope="session")
def argos_files() -> Path:
    """A folder of test .argosmodel files: ko→en, en→ko and en→ja copy models."""
    from tests.argos import build_packages

    folder = _STATE / "argos-files"
    build_packages(folder, [("ko", "en"), ("en", "ko"), ("en", "ja")])
    return folder


@pytest.fixture(scope="session", autouse=True)
def installed_test_models(argos_files: Path) -> Path:
    """ko→en and en→ko installed in ARGOS_PACKAGES_DIR for the whole session, so flows
    translate by default; tests of missing models point to an empty folder instead."""
    from lingoflow.processors.translate.packages import install_archive

    folder = Path(os.environ["ARGOS_PACKAGES_DIR"])
    for name in ("translate-ko_en-1_0.argosmodel", "translate-en_ko-1_0.argosmodel"):
        install_archive(argos_files / name, folder)
    return folder


@pytest.fixture(scope="session")
def s3() -> Iterator[dict[str, str]]:
    """A moto S3 server on a free loopback port, with the environment s3fs reads."""
    moto_server = pytest.importorskip("moto.server")
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    env = {
        "AWS_ACCESS_KEY_ID": "lingoflow-test",
        "AWS_SECRET_ACCESS_KEY": "lingoflow-test",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ENDPOINT_URL": f"http://{host}:{port}",
    }
    saved = {key: os.environ.get(key) for key in env}
    os.environ.update(env)
    try:
        yield env
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        server.stop()


def s3_filesystem() -> Any:
    """A new s3fs filesystem, reading the credentials and endpoint of the environment now."""
    import s3fs

    s3fs.S3FileSystem.clear_instance_cache()  # credentials are read when one is made
    return s3fs.S3FileSystem()


@pytest.fixture
def bucket(s3: dict[str, str], request: pytest.FixtureRequest) -> str:
    """A new bucket named after the test, on the session's S3 server."""
    name = "lingoflow-" + request.node.name.replace("_", "-")[:40].lower().strip("-")
    s3_filesystem().mkdir(name)
    return name


def without_credentials(env: pytest.MonkeyPatch) -> None:
    """No S3 credentials anywhere the storage library looks (environment, files, instance
    metadata), and a new filesystem that reads that."""
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE"):
        env.delenv(key, raising=False)
    env.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
    env.setenv("AWS_CONFIG_FILE", "/nonexistent")
    env.setenv("AWS_EC2_METADATA_DISABLED", "true")
    s3_filesystem()
