"""A local Prefect server, work pool, deployments and worker: started together, stopped by PID.

``lingoflow serve`` (``make serve``) and ``lingoflow stop`` (``make stop``) use this, and so does
the real-server test. Everything lives under one state folder (default ``.prefect-local/``):
the server's PREFECT_HOME (SQLite database), logs, and the PID files ``stop`` reads, so that
``stop`` ends exactly what ``serve`` started and nothing else.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

POOL = "lingoflow-local"
PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class LocalPrefect:
    """Where a local server keeps its state and how to reach it."""

    state: Path
    port: int = 4200
    host: str = "127.0.0.1"

    @property
    def api_url(self) -> str:
        return f"http://{self.host}:{self.port}/api"

    @property
    def ui_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def env(self) -> dict[str, str]:
        """Environment for the server, the Prefect CLI and the worker."""
        env = dict(os.environ)
        env.update(
            PREFECT_HOME=str(self.state / "home"),
            PREFECT_API_URL=self.api_url,
            PREFECT_SERVER_ANALYTICS_ENABLED="false",
            DO_NOT_TRACK="1",
            # Concurrency leases on disk: a slot held by a run survives a server restart and
            # is returned by the repossessor once the run stops renewing it.
            PREFECT_SERVER_CONCURRENCY_LEASE_STORAGE=LEASES_ON_DISK,
        )
        env.pop("PREFECT_PROFILE", None)
        return env

    def pid_file(self, name: str) -> Path:
        return self.state / f"{name}.pid"


def free_port() -> int:
    """A TCP port nobody listens on right now, on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _prefect_exe() -> str:
    return str(Path(sys.executable).with_name("prefect"))


LEASES_ON_DISK = "prefect.server.concurrency.lease_storage.filesystem"
PRIVATE_SERVER = "LINGOFLOW_PRIVATE_SERVER"
"""Set to 1 while a run reports to a temporary server of its own (:func:`shared_api`)."""


def private_server() -> bool:
    """True when this process reports to a temporary Prefect server of its own: Prefect's
    (no PREFECT_API_URL) or the one :func:`shared_api` started. Such a server runs none of
    Prefect's services and lives only as long as the run, so nothing it keeps (a concurrency
    slot) is shared with runs on other hosts or outlives the run."""
    from prefect.settings import PREFECT_API_URL

    return not PREFECT_API_URL.value() or os.environ.get(PRIVATE_SERVER) == "1"


def start_server(local: LocalPrefect, timeout: float = 90.0) -> subprocess.Popen[bytes]:
    """Start ``prefect server start`` in its own process group and wait until it is healthy."""
    local.state.mkdir(parents=True, exist_ok=True)
    env = local.env()
    env.pop("PREFECT_API_URL")  # the server itself must not point at an API
    env["PREFECT_UI_API_URL"] = local.api_url  # else the UI calls port 4200 whatever --port says
    log = (local.state / "server.log").open("ab")
    process = subprocess.Popen(
        [_prefect_exe(), "server", "start", "--host", local.host, "--port", str(local.port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    local.pid_file("server").write_text(str(process.pid))
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"prefect server exited ({process.returncode}); see server.log")
        try:
            with urllib.request.urlopen(f"{local.api_url}/health", timeout=2) as response:
                if response.status == 200:
                    return process
        except OSError:
            time.sleep(0.5)
    stop_pid(process.pid)
    raise TimeoutError(f"prefect server not healthy after {timeout:.0f} s; see server.log")


def prefect_cli(local: LocalPrefect, *args: str, timeout: float = 180.0) -> str:
    """Run a Prefect CLI command against the local server from the project root."""
    done = subprocess.run(
        [_prefect_exe(), *args],
        env=local.env(),
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"prefect {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout + done.stderr


def create_pool_and_deploy(local: LocalPrefect) -> str:
    """Create the process work pool (if absent) and deploy everything in prefect.yaml."""
    try:
        prefect_cli(local, "work-pool", "inspect", POOL)
    except RuntimeError:  # not there yet
        prefect_cli(local, "work-pool", "create", POOL, "--type", "process")
    return prefect_cli(local, "--no-prompt", "deploy", "--all")


WORKER_QUERY_SECONDS = 1
"""How often the worker asks the server for runs to start (Prefect's default is 10 s, so an
on-demand run waited up to 10 s before it started). Scheduled runs are fetched ahead of
their time anyway (PREFECT_WORKER_PREFETCH_SECONDS, 10 s); a production worker is started
with the same variable (see docs/operations.md)."""


def start_worker(local: LocalPrefect, run_once: bool = False) -> subprocess.Popen[bytes]:
    """Start a process worker on the pool, in its own process group."""
    command = [_prefect_exe(), "worker", "start", "--pool", POOL]
    if run_once:
        command.append("--run-once")
    log = (local.state / "worker.log").open("ab")
    env = local.env()
    env.setdefault("PREFECT_WORKER_QUERY_SECONDS", str(WORKER_QUERY_SECONDS))
    # Every flow run is a new Python process: let it keep compiled bytecode (about 1 s of
    # imports a run) even where the shell asks Python not to write it.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    process = subprocess.Popen(
        command,
        env=env,
        cwd=PROJECT_ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    if not run_once:
        local.pid_file("worker").write_text(str(process.pid))
    return process


def stop_pid(pid: int, grace: float = 10.0) -> bool:
    """End the process group led by ``pid``: SIGTERM, then SIGKILL after ``grace`` seconds
    (a Prefect worker ignores SIGTERM while it waits for work). True when it was running."""
    try:
        os.killpg(pid, signal.SIGTERM)
    except ProcessLookupError:
        return False
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        try:
            os.killpg(pid, 0)
        except ProcessLookupError:
            return True
        _reap(pid)
        time.sleep(0.2)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGKILL)
    _reap(pid)
    return True


def _reap(pid: int) -> None:
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


API_URL_FILE = "api-url"
"""The file in the state folder where ``serve`` writes its server's API URL."""


def running_api(state: Path, timeout: float = 1.0) -> str | None:
    """The API URL of the server ``lingoflow serve`` started with state folder ``state``, when
    its process is alive and it answers its health check within ``timeout`` seconds."""
    pid_file, url_file = state / "server.pid", state / API_URL_FILE
    try:
        pid = int(pid_file.read_text().strip())
        api_url = url_file.read_text().strip()
        os.kill(pid, 0)
    except (OSError, ValueError):
        return None
    try:
        with urllib.request.urlopen(f"{api_url}/health", timeout=timeout) as response:
            return api_url if response.status == 200 else None
    except (OSError, ValueError):
        return None


def stop(local: LocalPrefect) -> list[str]:
    """Stop what :func:`serve` started, worker first; returns what was stopped."""
    stopped = []
    for name in ("worker", "server"):
        pid_file = local.pid_file(name)
        if not pid_file.exists():
            continue
        pid = int(pid_file.read_text().strip() or 0)
        if pid and stop_pid(pid):
            stopped.append(f"{name} (pid {pid})")
        pid_file.unlink()
    (local.state / API_URL_FILE).unlink(missing_ok=True)
    return stopped


def serve(local: LocalPrefect) -> None:
    """Server, pool, deployments and a worker, all in the background."""
    if local.pid_file("server").exists():
        raise RuntimeError(f"already serving ({local.pid_file('server')} exists): run stop first")
    start_server(local)
    (local.state / API_URL_FILE).write_text(local.api_url + "\n")
    try:
        create_pool_and_deploy(local)
        start_worker(local)
    except BaseException:
        stop(local)
        raise


def deployment_lines(local: LocalPrefect) -> list[str]:
    """Each deployment on the server, with its schedule and next run, one line each."""
    from prefect.client.orchestration import get_client

    with using_api(local.api_url), get_client(sync_client=True) as client:
        deployments = client.read_deployments()
        flows = {flow.id: flow.name for flow in client.read_flows()}
    lines = []
    for deployment in sorted(deployments, key=lambda d: (flows.get(d.flow_id, ""), d.name)):
        when = "on demand"
        for item in deployment.schedules:
            cron = getattr(item.schedule, "cron", None)
            zone = getattr(item.schedule, "timezone", None)
            if cron and item.active:
                when = f"cron '{cron}' {zone or 'UTC'}, next run {_next_run(cron, zone)}"
        lines.append(f"  {flows.get(deployment.flow_id, '?')}/{deployment.name}: {when}")
    return lines


def _next_run(cron: str, zone: str | None) -> str:
    """The next time ``cron`` fires in ``zone``, as the scheduler will compute it (cronsim,
    which Prefect itself schedules with)."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    try:
        from cronsim import CronSim
    except ImportError:  # pragma: no cover - a Prefect without cronsim
        return "(see the UI)"
    tz = ZoneInfo(zone or "UTC")
    return next(CronSim(cron, datetime.now(tz))).strftime("%Y-%m-%d %H:%M %Z")


@contextlib.contextmanager
def shared_api() -> Iterator[None]:
    """Make worker processes of a run talk to the run's own Prefect API.

    With no PREFECT_API_URL, Prefect starts a temporary server for the process that needs
    one; worker processes (a process pool, local Dask workers) would each start their own.
    Here the temporary server is started once and its URL is put in the environment the
    workers inherit and in this process's settings. With PREFECT_API_URL set, nothing changes.
    """
    from prefect.settings import PREFECT_API_URL

    if PREFECT_API_URL.value():
        yield
        return
    from prefect.server.api.server import SubprocessASGIServer

    server = SubprocessASGIServer()
    server.start()
    previous = os.environ.get(PRIVATE_SERVER)
    os.environ[PRIVATE_SERVER] = "1"
    try:
        with using_api(server.api_url):
            yield
    finally:
        if previous is None:
            os.environ.pop(PRIVATE_SERVER, None)
        else:
            os.environ[PRIVATE_SERVER] = previous


@contextlib.contextmanager
def using_api(api_url: str) -> Iterator[None]:
    """Report to ``api_url``: in this process's Prefect settings and in the environment that
    worker processes inherit; both restored afterwards."""
    from prefect.settings import PREFECT_API_URL, temporary_settings

    previous = os.environ.get("PREFECT_API_URL")
    os.environ["PREFECT_API_URL"] = api_url
    try:
        with temporary_settings(updates={PREFECT_API_URL: api_url}):
            yield
    finally:
        if previous is None:
            os.environ.pop("PREFECT_API_URL", None)
        else:
            os.environ["PREFECT_API_URL"] = previous


@contextlib.contextmanager
def scratch_deployments(state: Path) -> Iterator[LocalPrefect]:
    """A server on a free port, the pool, every deployment and a worker, their state in
    ``state``: reported to while the block runs, stopped after it (benchmarks, screenshots)."""
    local = LocalPrefect(state=state, port=free_port())
    serve(local)
    try:
        with using_api(local.api_url):
            yield local
    finally:
        stop(local)
