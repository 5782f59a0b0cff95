"""Throughput and memory at scale: clean + detect + write on 1,000 and 10,000 documents.

Generates a corpus with bench.corpus (encodings, mojibake, HTML, Korean, 200 B to 200 KB), then
runs `lingoflow run --no-translate` against a running local Prefect server for each size: in
one process (the default thread runner), on a pool of 2 worker processes (`--processes 2`,
Prefect's ProcessPoolTaskRunner) and on a local Dask cluster of 2 workers (`--dask-workers 2`).
Each run is a fresh process on an empty output folder, timed from outside ("seconds") and by
the flow itself ("in flow": without starting Python, importing Prefect and creating the flow
run); its peak RSS is the largest resident set of any process of the run (flow process or
worker), read with getrusage in a wrapper.

    python -m bench.scale [--sizes 1000 10000] [--runners single pool dask]

Goals: 2 processes >= 1.7x the single-process rate; per-document cost at 10,000 within 1.15x
of that at 1,000; peak RSS at 10,000 at most 1.2x that at 1,000.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench.corpus import generate

WRAPPER = """
import json, resource, subprocess, sys, time
start = time.perf_counter()
done = subprocess.run(sys.argv[1:], capture_output=True, text=True)
seconds = time.perf_counter() - start
if done.returncode:
    sys.exit(done.stdout[-2000:] + done.stderr[-2000:])
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(json.dumps({"seconds": seconds, "peak_mb": peak, "summary": json.loads(done.stdout)}))
"""


def wrapped(command: list[str], env: dict[str, str]) -> dict[str, Any]:
    """Run ``command`` (a ``lingoflow ... --json`` command) timed from outside: its seconds,
    the peak RSS of its processes and its JSON summary; RuntimeError when it fails."""
    done = subprocess.run(
        [sys.executable, "-c", WRAPPER, *command], env=env, capture_output=True, text=True
    )
    if done.returncode:
        raise RuntimeError(done.stderr[-3000:])
    result: dict[str, Any] = json.loads(done.stdout)
    return result


RUNNERS = {
    "single": ("1", []),
    "pool": ("2 (process pool)", ["--processes", "2"]),
    "dask": ("2 (Dask)", ["--dask-workers", "2"]),
}


def run(
    raw: Path, out: Path, env: dict[str, str], runner: str, batch_size: int
) -> dict[str, float]:
    lingoflow = str(Path(sys.executable).with_name("lingoflow"))
    command = [lingoflow, "run", "--raw-dir", str(raw), "--processed-dir", str(out)]
    command += ["--batch-size", str(batch_size), "--no-translate", "--json", *RUNNERS[runner][1]]
    result = wrapped(command, env)
    assert result["summary"]["records"] == result["summary"]["inputs"]
    return {
        "seconds": result["seconds"],
        "flow_seconds": result["summary"]["seconds"],
        "peak_mb": result["peak_mb"],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--batch-size", type=int, default=64, help="documents per task run")
    parser.add_argument("--runners", nargs="+", choices=list(RUNNERS), default=list(RUNNERS))
    args = parser.parse_args(argv)
    runners = ["single", *(r for r in args.runners if r != "single")]

    from lingoflow.flows.local_server import LocalPrefect, free_port, start_server, stop_pid

    work = Path(tempfile.mkdtemp(prefix="lingoflow-scale-"))
    local = LocalPrefect(state=work / "server", port=free_port())
    server = start_server(local)
    env = {**os.environ, **local.env(), "PREFECT_LOGGING_LEVEL": "WARNING"}
    rows = []
    try:
        for size in args.sizes:
            raw = work / f"raw-{size}"
            megabytes = sum(p.stat().st_size for p in generate(raw, size)) / 1e6
            for runner in runners:
                out = work / f"out-{size}-{runner}"
                measured = run(raw, out, env, runner, args.batch_size)
                rows.append({"size": size, "runner": runner, "mb": megabytes, **measured})
                shutil.rmtree(out)
            shutil.rmtree(raw)
    finally:
        stop_pid(server.pid)
        shutil.rmtree(work, ignore_errors=True)

    print(
        "| documents | MB | processes | seconds | in flow s | documents/s | MB/s | ms/document "
        "| peak RSS MB |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        rate = r["size"] / r["seconds"]
        print(
            f"| {r['size']} | {r['mb']:.1f} | {RUNNERS[r['runner']][0]} | "
            f"{r['seconds']:.1f} | {r['flow_seconds']:.1f} | {rate:.1f} | "
            f"{r['mb'] / r['seconds']:.2f} | "
            f"{1000 / rate:.1f} | {r['peak_mb']:.0f} |"
        )
    by = {(r["size"], r["runner"]): r for r in rows}
    print()
    for size in args.sizes:
        single = by[(size, "single")]
        for runner in runners[1:]:
            ratio = single["seconds"] / by[(size, runner)]["seconds"]
            print(f"{size}: {RUNNERS[runner][0]} = {ratio:.2f}x one process (goal 1.7x)")
    if len(args.sizes) >= 2:
        small, large = min(args.sizes), max(args.sizes)
        for runner in runners:
            a, b = by[(small, runner)], by[(large, runner)]
            cost = (b["seconds"] / large) / (a["seconds"] / small)
            memory = b["peak_mb"] / a["peak_mb"]
            print(
                f"{RUNNERS[runner][0]}: per-document cost {large} vs {small} = {cost:.2f}x "
                f"(goal 1.15x), peak RSS {memory:.2f}x (goal 1.2x)"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
