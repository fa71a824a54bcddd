"""recipes/benchmarks: the latency and long-recording scripts run as the README says (small settings;
their figures are measured by hand, never asserted)."""

import subprocess
import sys

from helpers import REPO


def _run(*args: str) -> str:
    run = subprocess.run([sys.executable, *args], capture_output=True, text=True, cwd=REPO, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    return run.stdout


def test_latency_script():
    out = _run("recipes/benchmarks/latency.py", "--only", "demo", "lmac-td", "--repeats", "1")
    rows = [line.split() for line in out.splitlines() if line.startswith(("demo", "lmac-td"))]
    assert [r[0] for r in rows] == ["demo", "lmac-td"] and all(len(r) == 7 for r in rows)


def test_long_files_script(tmp_path):
    out = _run("recipes/benchmarks/long_files.py", "--minutes", "0.05", "--work", str(tmp_path))
    assert "peak RSS MB" in out and out.strip().splitlines()[-1].split()[0] == "3.0s"
    assert (tmp_path / "out_0.05min" / "rec_0.05min.explanation.wav").is_file()


def test_throughput_script(tmp_path):
    out = _run(
        "recipes/benchmarks/throughput.py",
        "--clips",
        "3",
        "--seconds",
        "0.5",
        "--workers",
        "2",
        "--work",
        str(tmp_path),
    )  # two shard processes at once (one more process per count costs ~10 s)
    rows = [line.split() for line in out.splitlines() if line.strip()[:1].isdigit() and len(line.split()) == 5]
    assert [r[0] for r in rows] == ["2"] and rows[0][3] == "1.00"
    assert sorted(p.name for p in (tmp_path / "out_2").glob("*.json")) == [
        "clip_000.json",
        "clip_001.json",
        "clip_002.json",
        "index.json",
    ]
