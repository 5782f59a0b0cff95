"""From trigger to Completed: how long an on-demand deployment run takes to start and end.

Starts a local Prefect server, pool, deployments and worker on a free port (as ``make serve``
does, state in a temporary folder), triggers ``process-documents/process-now`` on the samples
``--runs`` times one after the other (the first processes them, the rest find them up to date)
and prints, per run, the seconds from the trigger to each state the server recorded
(Scheduled, Pending, Submitting, Running, the final one), then the range and median.

    python -m bench.latency [--runs 8]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from lingoflow.flows.local_server import scratch_deployments


async def timed_runs(count: int, processed: str) -> list[dict[str, float]]:
    from prefect.client.orchestration import get_client
    from prefect.deployments import run_deployment

    out = []
    for _ in range(count):
        started = time.time()
        run: Any = await run_deployment(
            "process-documents/process-now",
            parameters={"processed_dir": processed},
            timeout=300,
            poll_interval=0.2,
        )
        async with get_client() as client:
            states = await client.read_flow_run_states(run.id)
        marks: dict[str, float] = {}
        for state in states:
            marks.setdefault(state.name or state.type.value, state.timestamp.timestamp() - started)
        marks["final"] = marks[run.state.name]
        out.append(marks)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=8)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp, scratch_deployments(Path(tmp) / "prefect"):
        runs = asyncio.run(timed_runs(args.runs, str(Path(tmp) / "processed")))
    print("| run | Submitting s | Running s | final s |")
    print("|---|---|---|---|")
    for k, marks in enumerate(runs):
        print(
            f"| {k} | {marks.get('Submitting', float('nan')):.1f} | "
            f"{marks.get('Running', float('nan')):.1f} | {marks['final']:.1f} |"
        )
    finals = [m["final"] for m in runs]
    print(
        f"\ntrigger to final state: {min(finals):.1f}-{max(finals):.1f} s, "
        f"median {statistics.median(finals):.1f} s over {len(finals)} runs"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
