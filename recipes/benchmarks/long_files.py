"""Peak memory and wall time of ``lmac explain`` as the recording gets longer.

    python recipes/benchmarks/long_files.py --minutes 0.1667 1 10

Writes one 16 kHz mono WAV per duration (a few tones that change every second plus noise) into
``--work``, then runs ``lmac explain FILE --out DIR`` on each in a fresh process (the shipped demo
checkpoint unless ``--checkpoint``), one after the other, and reports per file: the process's
peak resident memory (``ru_maxrss`` from ``os.wait4``), the wall time and the CPU time (user +
system, steadier than wall time on a machine shared with other jobs) of the whole command, and the
explanation time recorded in the output JSON (``seconds``: both passes, without start-up and
scoring). Ratios are to the first (shortest) file; the last line is the cost of one more minute
of audio, from the longest and the shortest file.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import soundfile as sf


def write_recording(path: Path, minutes: float, sample_rate: int = 16000, seed: int = 0) -> None:
    """Tones changing every second plus a little noise, written block by block (float32)."""
    rng = np.random.default_rng(seed)
    total = int(round(minutes * 60 * sample_rate))
    with sf.SoundFile(str(path), "w", sample_rate, 1, subtype="FLOAT") as f:
        for start in range(0, total, sample_rate):
            n = min(sample_rate, total - start)
            t = (start + np.arange(n)) / sample_rate
            freqs = rng.uniform(100, 3000, size=3)
            block = sum(0.2 * np.sin(2 * np.pi * fr * t) for fr in freqs) + 0.02 * rng.standard_normal(n)
            f.write(block.astype(np.float32))


def run_explain(wav: Path, out: Path, args: argparse.Namespace) -> dict:
    """Run ``lmac explain`` in a fresh process; wall time and peak RSS of that process alone."""
    cmd = [
        sys.executable,
        "-m",
        "lmac",
        "explain",
        str(wav),
        "--out",
        str(out),
        "--checkpoint",
        args.checkpoint,
        "--batch-size",
        str(args.batch_size),
    ]
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{proc.stderr.read().decode()}")
    record = json.loads((out / f"{wav.stem}.json").read_text())
    return {
        "wall": wall,
        "cpu": usage.ru_utime + usage.ru_stime,
        "rss_mb": usage.ru_maxrss / 1024,
        "seconds": record["seconds"],
        "duration": record["duration"],
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, nargs="+", default=[10 / 60, 1.0, 10.0])
    parser.add_argument("--checkpoint", default="demo_lmac")
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--work", default="long_files_work", help="folder for the generated WAVs and outputs")
    args = parser.parse_args(argv)
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    rows = []
    for minutes in args.minutes:
        wav = work / f"rec_{minutes:g}min.wav"
        if not wav.exists():
            write_recording(wav, minutes)
        rows.append(run_explain(wav, work / f"out_{minutes:g}min", args))
    first, last = rows[0], rows[-1]
    print(f"lmac explain --checkpoint {args.checkpoint} --batch-size {args.batch_size}, one fresh process per file")
    print(f"{'audio':>10}{'peak RSS MB':>13}{'x first':>9}{'wall s':>9}{'CPU s':>9}{'explain s':>11}")
    for r in rows:
        print(
            f"{r['duration']:>9.1f}s{r['rss_mb']:>13.0f}{r['rss_mb'] / first['rss_mb']:>9.2f}{r['wall']:>9.1f}"
            f"{r['cpu']:>9.1f}{r['seconds']:>11.1f}"
        )
    if len(rows) > 1:
        minutes = (last["duration"] - first["duration"]) / 60
        print(
            "per extra minute of audio: "
            + ", ".join(
                f"{(last[k] - first[k]) / minutes:.1f} s {name}"
                for k, name in (("wall", "wall"), ("cpu", "CPU"), ("seconds", "explain"))
            )
        )


if __name__ == "__main__":
    main()
