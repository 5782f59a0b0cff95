"""What a run over a large bucket holds: the peak memory of a re-run over N unchanged inputs.

A raw folder of N small objects in a local S3-compatible server (moto's, in the bench's
process: the run is another), and the processed folder a previous run would have left for
them: one record object per input, ``index.jsonl`` and ``.sources.jsonl`` saying each input
was read at its listed version and its record made with today's version and settings. A
``lingoflow run --no-translate`` over it (a fresh process, against a running local Prefect
server) must then keep every record without a request for any input or record: it lists both
folders, reads the two files and writes nothing. Reported: seconds, peak RSS of the run's
processes, and the growth per 1,000 keys between the smallest and the largest N.

    python -m bench.listing [--keys 10000 100000]

The records are placeholders (the run never reads them: that is what is measured), so the
bench takes minutes, not the hours a first run over 100,000 documents would.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import tempfile
import time
from pathlib import Path

from bench.scale import wrapped


def fill(bucket: str, keys: int) -> float:
    """Objects for ``keys`` inputs and what a previous run left for them, put straight into
    the in-process S3 server's store (a PUT per object over HTTP would take most of the
    bench); seconds taken."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.s3.models import s3_backends

    from lingoflow.processors import __version__
    from lingoflow.processors.batch import settings_digest
    from lingoflow.processors.core.config import PipelineConfig, TranslationConfig
    from lingoflow.processors.core.record import IndexEntry
    from lingoflow.processors.read.ingest import doc_id_for

    started = time.perf_counter()
    store = s3_backends[DEFAULT_ACCOUNT_ID]["global"]
    for name in (f"{bucket}-raw", f"{bucket}-processed"):
        store.create_bucket(name, "us-east-1")
    config = PipelineConfig(translation=TranslationConfig(enabled=False))
    made = f"{__version__} {settings_digest(config, None)}"
    index, sources = [], []
    for n in range(keys):
        path = f"press/{n // 1000:03d}/{n:06d} Minister announces a new policy on rivers.txt"
        data = f"Release {n}\n\nThe ministry said on Monday that rivers matter.\n".encode()
        sha = hashlib.sha256(data).hexdigest()
        key = store.put_object(f"{bucket}-raw", f"raw/{path}", data)
        doc_id = doc_id_for(path)
        store.put_object(f"{bucket}-processed", f"processed/{doc_id}.json", b"{}")
        entry = IndexEntry(
            doc_id=doc_id,
            path=path,
            status="ok",
            language="en",
            segments=2,
            errors=[],
            sha256=sha,
            title=f"Release {n}",
        )
        index.append((path, json.dumps(entry.model_dump(mode="json"), ensure_ascii=False)))
        etag = key.etag.strip('"')
        sources.append((path, json.dumps([path, f"{len(data)}:{etag}", sha, made])))
    for name, lines in (("index.jsonl", index), (".sources.jsonl", sources)):
        data = "".join(line + "\n" for _, line in sorted(lines)).encode()
        store.put_object(f"{bucket}-processed", f"processed/{name}", data)
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--keys", type=int, nargs="+", default=[10000, 100000])
    args = parser.parse_args(argv)

    from moto.server import ThreadedMotoServer

    from lingoflow.flows.local_server import LocalPrefect, free_port, start_server, stop_pid

    work = Path(tempfile.mkdtemp(prefix="lingoflow-listing-"))
    port = free_port()
    s3 = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    s3.start()
    os.environ.update(
        {
            "AWS_ACCESS_KEY_ID": "bench",
            "AWS_SECRET_ACCESS_KEY": "bench",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}",
        }
    )
    local = LocalPrefect(state=work / "server", port=free_port())
    server = start_server(local)
    env = {**os.environ, **local.env(), "PREFECT_LOGGING_LEVEL": "WARNING"}
    lingoflow = str(Path(sys.executable).with_name("lingoflow"))
    rows = []
    try:
        for keys in args.keys:
            bucket = f"listing-{keys}"
            filled = fill(bucket, keys)
            command = [lingoflow, "run", "--raw-dir", f"s3://{bucket}-raw/raw"]
            command += ["--processed-dir", f"s3://{bucket}-processed/processed"]
            command += ["--no-translate", "--json"]
            result = wrapped(command, env)
            summary = result["summary"]
            assert summary["up_to_date"] == summary["records"] == keys, summary
            assert summary["written"] == 0 and not summary["orphaned"], summary
            rows.append((keys, filled, result["seconds"], result["peak_mb"]))
    finally:
        stop_pid(server.pid)
        s3.stop()

    print("| unchanged inputs | fill s | run s | keys/s | peak RSS MB |")
    print("|---|---|---|---|---|")
    for keys, filled, seconds, peak in rows:
        print(f"| {keys} | {filled:.0f} | {seconds:.1f} | {keys / seconds:.0f} | {peak:.0f} |")
    if len(rows) >= 2:
        (k1, _, _, m1), (k2, _, _, m2) = rows[0], rows[-1]
        print(
            f"\npeak RSS {k2} vs {k1} keys: {m2 / m1:.2f}x; "
            f"{(m2 - m1) / (k2 - k1) * 1000:.2f} MB per 1,000 more keys"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
