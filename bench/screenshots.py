"""Screenshots of what an operator sees in the Prefect UI, taken in a real browser.

Starts a local Prefect server, pool, deployments and worker (as ``make serve`` does, on a free
port, with its state in a temporary folder), runs the deployments the way an operator would
(process-now on the samples, on a folder where most documents fail, with a language code
that does not exist; export-now as an empty TMX; install-models-now with nothing to install),
waits for each run to end, then takes each page with headless Chromium at 1600x1000: the runs
list, the deployments list, the daily deployment, every run's page and the artifacts. Prints
each run's state name and message and the files written; stops everything it started.

    python -m bench.screenshots [--out bench/out/screenshots] [--browser chromium]

Without a Chromium (``apt-get install chromium fonts-nanum``) it runs the deployments and
prints their states, and says that no screenshot was taken.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from lingoflow.flows.local_server import LocalPrefect, scratch_deployments

ROOT = Path(__file__).resolve().parent.parent
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def runs_to_make(scratch: Path) -> list[tuple[str, dict[str, Any]]]:
    """The deployment runs an operator would look at, with their parameters."""
    failing = scratch / "raw-failing"
    failing.mkdir()
    (failing / "note.txt").write_text("A short note about the budget of the ministry.\n")
    for k in range(2):
        (failing / f"broken-{k}.docx").write_bytes(b"PK\x03\x04 not really a zip")
    processed = str(scratch / "processed")
    return [
        ("process-documents/process-now", {"processed_dir": processed}),
        (
            "process-documents/process-now",
            {"raw_dir": str(failing), "processed_dir": str(scratch / "processed-failing")},
        ),
        ("process-documents/process-now", {"processed_dir": processed, "languages": ["en", "xx"]}),
        (
            "export-dataset/export-now",
            {"processed_dir": processed, "format": "tmx", "output": str(scratch / "pairs.tmx")},
        ),
        ("install-models/install-models-now", {}),
    ]


async def make_runs(local: LocalPrefect, runs: list[tuple[str, dict[str, Any]]]) -> list[Any]:
    from prefect.client.orchestration import get_client
    from prefect.deployments import run_deployment

    done = []
    for name, parameters in runs:
        run = await run_deployment(name, parameters=parameters, timeout=300, poll_interval=0.5)
        done.append(run)
    async with get_client() as client:
        daily = await client.read_deployment_by_name("process-documents/process-daily-0600-kst")
    return [*done, daily]


def browser(name: str | None) -> str | None:
    for candidate in (name,) if name else BROWSERS:
        if candidate and shutil.which(candidate):
            return shutil.which(candidate)
    return None


def screenshot(chrome: str, url: str, path: Path) -> None:
    subprocess.run(
        [
            chrome,
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--window-size=1600,1000",
            "--virtual-time-budget=15000",
            f"--screenshot={path}",
            url,
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "screenshots")
    parser.add_argument("--browser", help="the Chromium to use (default: found on PATH)")
    args = parser.parse_args(argv)
    chrome = browser(args.browser)
    with tempfile.TemporaryDirectory() as tmp, scratch_deployments(Path(tmp) / "prefect") as local:
        scratch = Path(tmp)
        *runs, daily = asyncio.run(make_runs(local, runs_to_make(scratch)))
        for run in runs:
            print(f"{run.name}: {run.state.name}: {run.state.message}")
        if chrome is None:
            print("no Chromium found (apt-get install chromium fonts-nanum): no screenshot")
            return 0
        shutil.rmtree(args.out, ignore_errors=True)  # no picture of an earlier run left
        args.out.mkdir(parents=True)
        pages = {
            "runs": "/runs",
            "deployments": "/deployments",
            "deployment-daily": f"/deployments/deployment/{daily.id}",
            "artifacts": "/artifacts",
        }
        pages |= {f"run-{k}-{run.name}": f"/runs/flow-run/{run.id}" for k, run in enumerate(runs)}
        for name, page in pages.items():
            path = args.out / f"{name}.png"
            screenshot(chrome, local.ui_url + page, path)
            print(f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
