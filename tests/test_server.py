"""A real Prefect server: deploy prefect.yaml, trigger a deployment, run it with a worker.

Starts `prefect server start` on 127.0.0.1 with a temporary PREFECT_HOME, creates the process
pool, runs `prefect --no-prompt deploy --all` from the project root, triggers
'process-documents/process-now' with parameters, runs `prefect worker start --run-once`, then
checks through the API that the flow run COMPLETED (the worker exits 0 even when a flow fails),
that its records exist and validate, that its artifacts exist, and that the daily schedule
produced scheduled runs. Everything is stopped by PID.
"""

from __future__ import annotations

import asyncio
import re
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from lingoflow.flows.local_server import (
    LocalPrefect,
    create_pool_and_deploy,
    deployment_lines,
    free_port,
    prefect_cli,
    start_server,
    start_worker,
    stop_pid,
)
from tests.conftest import RAW
from tests.helpers import assert_valid_records, load_records

pytestmark = pytest.mark.slow  # a real Prefect server, deployments and a worker


@pytest.fixture
def server(tmp_path: Path) -> Any:
    local = LocalPrefect(state=tmp_path / "prefect", port=free_port())
    process = start_server(local)
    try:
        yield local
    finally:
        stop_pid(process.pid)
        assert process.wait(timeout=30) is not None


async def _api(local: LocalPrefect, run_id: UUID) -> dict[str, Any]:
    from prefect.client.orchestration import PrefectClient
    from prefect.client.schemas.filters import (
        DeploymentFilter,
        DeploymentFilterName,
        FlowRunFilter,
        FlowRunFilterId,
        FlowRunFilterState,
        FlowRunFilterStateType,
    )
    from prefect.client.schemas.objects import StateType

    async with PrefectClient(api=local.api_url) as client:
        run = await client.read_flow_run(run_id)
        artifacts = await client.read_artifacts(
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[run_id]))
        )
        scheduled = await client.read_flow_runs(
            deployment_filter=DeploymentFilter(
                name=DeploymentFilterName(any_=["process-daily-0600-kst"])
            ),
            flow_run_filter=FlowRunFilter(
                state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.SCHEDULED]))
            ),
        )
        deployments = await client.read_deployments()
    return {
        "state": run.state.type.value if run.state else None,
        "parameters": run.parameters,
        "artifacts": sorted(a.type or "" for a in artifacts),
        "scheduled": len(scheduled),
        "deployments": sorted(f"{d.name}" for d in deployments),
    }


def test_deploy_trigger_and_run_with_a_worker(server: LocalPrefect, tmp_path: Path) -> None:
    raw, processed = tmp_path / "raw", tmp_path / "processed"
    shutil.copytree(RAW, raw)
    output = create_pool_and_deploy(server)
    assert (
        output.count("Deployment '") >= 5 or "process-documents/process-daily-0600-kst" in output
    ), output
    listed = deployment_lines(server)
    assert any(
        line.startswith(
            "  process-documents/process-daily-0600-kst: cron '0 6 * * *' Asia/Seoul, next run 20"
        )
        and line.endswith("KST")
        for line in listed
    ), listed
    assert "  export-dataset/export-now: on demand" in listed
    triggered = prefect_cli(
        server,
        "deployment",
        "run",
        "process-documents/process-now",
        "--param",
        f"raw_dir={raw}",
        "--param",
        f"processed_dir={processed}",
    )
    run_id = UUID(re.search(r"UUID:\s*([0-9a-f-]{36})", triggered).group(1))  # type: ignore[union-attr]

    worker = start_worker(server, run_once=True)
    try:
        assert worker.wait(timeout=150) == 0
    except subprocess.TimeoutExpired:
        stop_pid(worker.pid)
        raise

    found = asyncio.run(_api(server, run_id))
    for _ in range(30):  # the scheduler service fills the daily schedule shortly after deploy
        if found["scheduled"]:
            break
        time.sleep(1)
        found = asyncio.run(_api(server, run_id))
    log = (server.state / "worker.log").read_text(errors="replace")
    assert found["state"] == "COMPLETED", log[-3000:]
    assert found["parameters"]["raw_dir"] == str(raw)
    assert found["artifacts"] == ["markdown", "table"]
    assert found["scheduled"] >= 1
    assert set(found["deployments"]) == {
        "process-daily-0600-kst",
        "process-now",
        "retranslate-now",
        "install-models-now",
        "export-now",
    }
    records = load_records(processed)
    assert sorted(records) == sorted(p.name for p in raw.iterdir())
    assert all(r["pipeline"]["flow_run_id"] == str(run_id) for r in records.values())
    assert_valid_records(processed)


def test_lingoflow_run_uses_the_local_server_of_a_serve_state_folder(
    server: LocalPrefect, tmp_path: Path
) -> None:
    """With PREFECT_API_URL unset, `lingoflow run --local-server STATE` reports to the server
    `lingoflow serve` left in STATE, says so in one line, and its flow run is on that server."""
    import os
    import sys

    from lingoflow.flows.local_server import API_URL_FILE, running_api

    (server.state / API_URL_FILE).write_text(server.api_url)  # as `lingoflow serve` writes it
    assert running_api(server.state) == server.api_url
    assert running_api(tmp_path / "nothing") is None
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    lingoflow = str(Path(sys.executable).with_name("lingoflow"))
    out = tmp_path / "processed"
    command = [
        lingoflow,
        "run",
        "--no-translate",
        "--raw-dir",
        str(RAW),
        "--processed-dir",
        str(out),
        "--local-server",
        str(server.state),
        "--json",
    ]
    done = subprocess.run(
        command,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    said = [line for line in done.stderr.splitlines() if line.startswith("lingoflow:")]
    assert said == [
        f"lingoflow: reporting to the local Prefect server at {server.api_url} (UI {server.ui_url})"
    ]
    assert_valid_records(out)
    run_id = UUID(load_records(out)[next(iter(load_records(out)))]["pipeline"]["flow_run_id"])
    assert asyncio.run(_api(server, run_id))["state"] == "COMPLETED"
