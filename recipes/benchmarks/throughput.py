"""Clips per second of ``lmac explain`` on a folder, with 1 and more worker processes (shards).

    python recipes/benchmarks/throughput.py --clips 64 --workers 1 2

Writes ``--clips`` 16 kHz mono WAVs of ``--seconds`` each (tones plus noise) into ``--work``, then, for
each worker count W (in the order given, the whole list ``--repeats`` times, so the counts alternate),
starts W processes ``lmac explain FOLDER --out DIR --shard i/W`` at once and waits for all of them. Per
worker count: the wall time from the first start to the last exit (start-up and model loading included,
as a user sees it), clips per second over that wall time, its ratio to the first worker count, and the
CPU time (user + system) of all workers. With ``--threads N`` each worker runs N torch threads
(``OMP_NUM_THREADS``); by default torch picks its own (one per core, so W workers share the cores).
The best of the repeats is reported (the machine may be shared with other jobs).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import soundfile as sf


def write_clips(folder: Path, n: int, seconds: float, sample_rate: int = 16000, seed: int = 0) -> None:
    """``n`` clips of three tones plus a little noise, ``clip_000.wav`` ..."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    t = np.arange(int(seconds * sample_rate)) / sample_rate
    for i in range(n):
        wav = sum(0.2 * np.sin(2 * np.pi * f * t) for f in rng.uniform(100, 3000, size=3))
        sf.write(
            str(folder / f"clip_{i:03d}.wav"),
            (wav + 0.02 * rng.standard_normal(len(t))).astype(np.float32),
            sample_rate,
        )


def run_workers(folder: Path, out: Path, workers: int, args: argparse.Namespace) -> dict:
    """Explain ``folder`` with ``workers`` shard processes at once; wall and CPU time of all of them."""
    shutil.rmtree(out, ignore_errors=True)
    env = {**os.environ, **({"OMP_NUM_THREADS": str(args.threads)} if args.threads else {})}
    start = time.perf_counter()
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "lmac",
                "explain",
                str(folder),
                "--out",
                str(out),
                "--checkpoint",
                args.checkpoint,
                "--shard",
                f"{i}/{workers}",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            env=env,
        )
        for i in range(workers)
    ]
    cpu = 0.0
    for proc in procs:
        _, status, usage = os.wait4(proc.pid, 0)
        cpu += usage.ru_utime + usage.ru_stime
        if os.waitstatus_to_exitcode(status) != 0:
            raise SystemExit(f"lmac explain --shard failed:\n{proc.stderr.read().decode()[-3000:]}")
    wall = time.perf_counter() - start
    if not (out / "index.csv").is_file():
        raise SystemExit(f"{out}/index.csv is missing: the shards did not cover the folder")
    return {"wall": wall, "cpu": cpu}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clips", type=int, default=64)
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--threads", type=int, default=None, help="torch threads per worker (default: torch's)")
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--checkpoint", default="demo_lmac")
    parser.add_argument("--work", default="throughput_work")
    args = parser.parse_args(argv)
    work = Path(args.work)
    write_clips(work / "clips", args.clips, args.seconds)
    best: dict[int, dict] = {}
    for _ in range(args.repeats):
        for workers in args.workers:
            result = run_workers(work / "clips", work / f"out_{workers}", workers, args)
            if workers not in best or result["wall"] < best[workers]["wall"]:
                best[workers] = result
    first = best[args.workers[0]]
    print(
        f"{args.clips} clips of {args.seconds:g} s, checkpoint {args.checkpoint}, threads per worker: "
        f"{args.threads or 'torch default'}, best of {args.repeats}"
    )
    print(f"{'workers':>8}{'wall s':>9}{'clips/s':>9}{'x first':>9}{'CPU s':>9}")
    for workers in args.workers:
        r = best[workers]
        print(
            f"{workers:>8}{r['wall']:>9.1f}{args.clips / r['wall']:>9.2f}{first['wall'] / r['wall']:>9.2f}"
            f"{r['cpu']:>9.1f}"
        )


if __name__ == "__main__":
    main()
