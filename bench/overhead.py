"""Prefect's overhead: `lingoflow run` against a plain-Python loop over the same processors.

Generates N documents from the samples (each a variant with its own title number and its
paragraphs rotated, so no two are identical), then times, each as a fresh process on a fresh
output folder, without translation:

  (a) plain Python: discover, process_batch and write_batch per batch of 64, write the index;
  (b) `lingoflow run` reporting to a running Prefect server (PREFECT_API_URL set; how
      deployments and `make serve` run it);
  (c) `lingoflow run` on Prefect's ephemeral server (started and stopped inside the command).

Then the fixed cost of a command-line run: `lingoflow run --no-translate` on the five samples
of raw/ with PREFECT_API_URL unset, (d) finding the local server a `lingoflow serve` state
folder names (the path `make run` takes once `make serve` is up) and (e) without one (the
ephemeral server), wall seconds of the whole command.

    python -m bench.overhead [--documents N] [--repeat N]

Goals: (b) within 1.15x of (a); (d) at most 3 s.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOAL = 1.15
SAMPLES_GOAL = 3.0

PLAIN = """
import sys
from pathlib import Path
from lingoflow.processors.batch import process_batch
from lingoflow.processors.output.writer import write_batch
from lingoflow.processors.core.config import PipelineConfig, TranslationConfig
from lingoflow.processors.read.ingest import discover
from lingoflow.processors.output.writer import write_index
raw, out = Path(sys.argv[1]), Path(sys.argv[2])
out.mkdir(parents=True, exist_ok=True)
config = PipelineConfig(translation=TranslationConfig(enabled=False))
paths = discover(raw)
entries = []
for i in range(0, len(paths), 64):
    batch = process_batch(raw, out, paths[i : i + 64], config)
    entries += batch.up_to_date + write_batch(out, batch.records).entries
write_index(out, entries)
assert len(entries) == len(paths)
"""


def generate(raw: Path, count: int) -> None:
    """``count`` documents made from the samples."""
    samples = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "raw").iterdir())]
    raw.mkdir(parents=True)
    for i in range(count):
        lines = [line for line in samples[i % len(samples)].splitlines() if line.strip()]
        head, body = lines[:2], lines[2:]
        shift = (i // len(samples)) % max(1, len(body))
        text = "\n".join([f"{head[0]} (No. {i})", *head[1:], *body[shift:], *body[:shift]])
        (raw / f"doc-{i:05d}.txt").write_text(text + "\n", encoding="utf-8")


def timed(command: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, env=env, cwd=ROOT, check=True, capture_output=True)
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--documents", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5, help="runs of each path (median)")
    args = parser.parse_args(argv)

    from lingoflow.flows.local_server import (
        API_URL_FILE,
        LocalPrefect,
        free_port,
        start_server,
        stop_pid,
    )

    work = Path(tempfile.mkdtemp(prefix="lingoflow-overhead-"))
    raw = work / "raw"
    generate(raw, args.documents)
    env = dict(os.environ)
    env.pop("PREFECT_API_URL", None)
    env.update(PREFECT_HOME=str(work / "prefect-home"), PREFECT_LOGGING_LEVEL="WARNING")
    lingoflow = str(Path(sys.executable).with_name("lingoflow"))
    run = [lingoflow, "run", "--raw-dir", str(raw), "--no-translate", "--processed-dir"]

    times: dict[str, list[float]] = {"plain": [], "served": [], "ephemeral": []}
    samples: dict[str, list[float]] = {"found": [], "ephemeral": []}
    local = LocalPrefect(state=work / "server", port=free_port())
    server = start_server(local)
    (local.state / API_URL_FILE).write_text(local.api_url)  # as `lingoflow serve` leaves it
    try:
        for n in range(args.repeat):
            for path, state in (("found", local.state), ("ephemeral", work / "no-server")):
                out = work / f"samples-{path}-{n}"
                command = [
                    lingoflow,
                    "run",
                    "--no-translate",
                    "--local-server",
                    str(state),
                    "--processed-dir",
                    str(out),
                ]
                samples[path].append(timed(command, env))
                assert len(list(out.glob("*.json"))) == 5, out
        for n in range(args.repeat):  # the paths take turns, so drift touches them alike
            for path in times:
                out = work / f"{path}-{n}"
                if path == "plain":
                    command, path_env = [sys.executable, "-c", PLAIN, str(raw), str(out)], env
                else:
                    command = [*run, str(out)]
                    path_env = {**env, **local.env()} if path == "served" else env
                times[path].append(timed(command, path_env))
                assert len(list(out.glob("*.json"))) == args.documents, out
                shutil.rmtree(out)
    finally:
        stop_pid(server.pid)
        shutil.rmtree(work, ignore_errors=True)
    plain, served, ephemeral = (statistics.median(times[p]) for p in times)

    print(
        f"{args.documents} generated documents, no translation, each path a fresh process; "
        f"median of {args.repeat} runs"
    )
    print()
    print("| path | seconds | documents/s | vs plain |")
    print("|---|---|---|---|")
    for name, seconds in (
        ("(a) plain Python loop over the processors", plain),
        ("(b) lingoflow run, running Prefect server", served),
        ("(c) lingoflow run, ephemeral Prefect server", ephemeral),
    ):
        print(
            f"| {name} | {seconds:.1f} | {args.documents / seconds:.0f} | {seconds / plain:.2f}x |"
        )
    print()
    for path, runs in times.items():
        print(f"{path} runs: " + " ".join(f"{t:.2f}" for t in runs) + " s")
    verdict = "met" if served / plain <= GOAL else "NOT met"
    print(f"goal (b) within {GOAL}x of (a): {verdict} ({served / plain:.2f}x)")
    found, alone = (statistics.median(samples[p]) for p in samples)
    print()
    print("| `lingoflow run --no-translate` on the 5 samples of raw/ | wall seconds |")
    print("|---|---|")
    print(f"| (d) the local server of a `lingoflow serve` state folder | {found:.1f} |")
    print(f"| (e) no server: Prefect's ephemeral server | {alone:.1f} |")
    print(
        f"goal (d) at most {SAMPLES_GOAL:.0f} s: "
        f"{'met' if found <= SAMPLES_GOAL else 'NOT met'} ({found:.1f} s)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
