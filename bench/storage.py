"""Runs over object storage against the same runs over local folders, in one bench run.

Generates a corpus with bench.corpus, uploads it to a local S3-compatible server (moto's, in a
process of its own on loopback), then times `lingoflow run --no-translate` against a running
local Prefect server: local folder to local folder, and bucket to bucket, first on an empty
output and again with nothing changed (the incremental run that lists and skips). Each run is
a fresh process timed from outside, with the peak RSS of its processes. The bucket's records
are downloaded and compared with the local run's: equal but for ``processed_at`` and
``flow_run_id`` (the index byte for byte).

    python -m bench.storage [--sizes 2000 10000] [--processes 1 2]

Goals (issue 30): bucket >= 0.7x the local-folder rate; the same records; peak RSS flat from
2,000 to 10,000 documents; 2 processes >= 1.6x one. The S3 server runs on the same two cores
as lingoflow here (a real store does its work elsewhere), so the bucket figures are a floor.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from bench.corpus import generate
from bench.scale import wrapped

VOLATILE = ("processed_at", "flow_run_id")


def start_s3(port: int) -> subprocess.Popen[bytes]:
    server = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1)
            return server
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise RuntimeError("the S3 server did not start")


def cpu_seconds(pid: int) -> float:
    """User and system CPU seconds a process has used (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def timed_run(
    raw: str, out: str, env: dict[str, str], processes: int, extra: list[str], s3_pid: int
) -> dict[str, float]:
    lingoflow = str(Path(sys.executable).with_name("lingoflow"))
    command = [lingoflow, "run", "--raw-dir", raw, "--processed-dir", out, "--no-translate"]
    command += ["--batch-size", "64", "--json", "--processes", str(processes), *extra]
    server_cpu = cpu_seconds(s3_pid)
    result = wrapped(command, env)
    summary = result["summary"]
    assert summary["records"] == summary["inputs"], summary
    return {
        "seconds": result["seconds"],
        "s3_cpu": cpu_seconds(s3_pid) - server_cpu,
        "peak_mb": result["peak_mb"],
        "written": summary["written"],
        "up_to_date": summary["up_to_date"],
    }


def stable(data: bytes) -> dict[str, Any]:
    record: dict[str, Any] = json.loads(data)
    for key in VOLATILE:
        record["pipeline"].pop(key, None)
    return record


def compare(local: Path, fs: Any, prefix: str) -> tuple[int, int, bool]:
    """Records compared, records that differ, index equal byte for byte."""
    keys = sorted(k for k in fs.glob(f"{prefix}/*.json"))
    remote = dict(zip(keys, fs.cat(keys).values() if keys else [], strict=True))
    differ = 0
    names = {Path(k).name: v for k, v in remote.items()}
    files = sorted(local.glob("*.json"))
    for path in files:
        other = names.get(path.name)
        if other is None or stable(other) != stable(path.read_bytes()):
            differ += 1
    differ += len(set(names) - {p.name for p in files})
    index = fs.cat_file(f"{prefix}/index.jsonl") == (local / "index.jsonl").read_bytes()
    return len(files), differ, index


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[2000, 10000])
    parser.add_argument("--processes", type=int, nargs="+", default=[1, 2])
    parser.add_argument(
        "--bucket-parallel-batches",
        type=int,
        default=None,
        help="batches in flight for the bucket runs (default: lingoflow's)",
    )
    args = parser.parse_args(argv)
    window = args.bucket_parallel_batches
    bucket_extra = ["--parallel-batches", str(window)] if window else []

    import s3fs

    from lingoflow.flows.local_server import LocalPrefect, free_port, start_server, stop_pid

    work = Path(tempfile.mkdtemp(prefix="lingoflow-storage-"))
    port = free_port()
    s3 = start_s3(port)
    storage_env = {
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}",
    }
    os.environ.update(storage_env)
    fs = s3fs.S3FileSystem()
    local = LocalPrefect(state=work / "server", port=free_port())
    server = start_server(local)
    env = {**os.environ, **local.env(), "PREFECT_LOGGING_LEVEL": "WARNING"}
    rows = []
    checks = []
    try:
        for size in args.sizes:
            raw = work / f"raw-{size}"
            megabytes = sum(p.stat().st_size for p in generate(raw, size)) / 1e6
            bucket = f"bench-{size}"
            fs.mkdir(bucket)
            started = time.perf_counter()
            fs.put(str(raw) + "/", f"{bucket}/raw/", recursive=True)
            upload = time.perf_counter() - started
            for processes in args.processes:
                out = work / f"out-{size}-{processes}"
                prefix = f"{bucket}/processed-{processes}"
                targets = {
                    "local": (str(raw), str(out)),
                    "bucket": (f"s3://{bucket}/raw", f"s3://{prefix}"),
                }
                for run in ("first", "again"):
                    for where, (source, target) in targets.items():
                        extra = bucket_extra if where == "bucket" else []
                        measured = timed_run(source, target, env, processes, extra, s3.pid)
                        rows.append(
                            {
                                "size": size,
                                "mb": megabytes,
                                "processes": processes,
                                "where": where,
                                "run": run,
                                **measured,
                            }
                        )
                compared, differ, index = compare(out, fs, prefix)
                checks.append((size, processes, compared, differ, index, upload))
                shutil.rmtree(out)
            shutil.rmtree(raw)
            fs.rm(bucket, recursive=True)
    finally:
        stop_pid(server.pid)
        s3.terminate()
        shutil.rmtree(work, ignore_errors=True)

    print(
        "| documents | MB | processes | run | folders | seconds | documents/s | S3 server CPU s "
        "| peak RSS MB |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(
            f"| {r['size']} | {r['mb']:.1f} | {r['processes']} | {r['run']} | {r['where']} | "
            f"{r['seconds']:.1f} | {r['size'] / r['seconds']:.1f} | {r['s3_cpu']:.1f} | "
            f"{r['peak_mb']:.0f} |"
        )
    by = {(r["size"], r["processes"], r["run"], r["where"]): r for r in rows}
    print()
    for size in args.sizes:
        for processes in args.processes:
            for run in ("first", "again"):
                ratio = (
                    by[(size, processes, run, "local")]["seconds"]
                    / by[(size, processes, run, "bucket")]["seconds"]
                )
                print(
                    f"{size} documents, {processes} process(es), {run} run: "
                    f"bucket = {ratio:.2f}x local (goal 0.7x)"
                )
        if 1 in args.processes and 2 in args.processes:
            for where in ("local", "bucket"):
                ratio = (
                    by[(size, 1, "first", where)]["seconds"]
                    / by[(size, 2, "first", where)]["seconds"]
                )
                print(f"{size} documents, {where}: 2 processes = {ratio:.2f}x one (goal 1.6x)")
    if len(args.sizes) >= 2:
        small, large = min(args.sizes), max(args.sizes)
        for processes in args.processes:
            a = by[(small, processes, "first", "bucket")]["peak_mb"]
            b = by[(large, processes, "first", "bucket")]["peak_mb"]
            print(f"bucket, {processes} process(es): peak RSS {large} vs {small} = {b / a:.2f}x")
    print()
    for size, processes, compared, differ, index, upload in checks:
        print(
            f"{size} documents, {processes} process(es): {compared} records compared, "
            f"{differ} differ but for processed_at/flow_run_id; index.jsonl identical: {index} "
            f"(upload of the corpus {upload:.1f} s)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
