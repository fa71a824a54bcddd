"""The README section "Use your own data and classifier" works as written, on a generated folder."""

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import numpy as np
import soundfile as sf

from helpers import REPO, run_cli
from lmac.cli import main

HEADING = "## Use your own data and classifier"


def _section() -> str:
    for doc in (REPO / "README.md", REPO / "notes" / "issue6.md"):
        text = doc.read_text() if doc.is_file() else ""
        if HEADING in text:
            body = text.split(HEADING, 1)[1]
            return re.split(r"\n## ", body, maxsplit=1)[0]
    raise AssertionError(f"no {HEADING!r} section in README.md or notes/issue6.md")


def _blocks(section: str, lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", section, flags=re.S)


def _my_clips(cwd: Path) -> None:
    for k, name in enumerate(["dog", "rain"]):
        (cwd / "my_clips" / name).mkdir(parents=True)
        for i in range(6):
            t = np.arange(16000) / 16000
            wav = 0.5 * np.sin(2 * np.pi * 300 * (k + 1) * t) + 0.01 * np.random.default_rng(i).standard_normal(16000)
            sf.write(str(cwd / "my_clips" / name / f"{i}.wav"), wav.astype(np.float32), 16000)


def test_python_example_runs_as_written(tmp_path):
    _my_clips(tmp_path)
    (code,) = _blocks(_section(), "python")
    (tmp_path / "example.py").write_text(code)
    run = subprocess.run([sys.executable, "example.py"], cwd=tmp_path, capture_output=True, text=True, timeout=600,
                         env={**os.environ, "PYTHONPATH": str(REPO)})
    assert run.returncode == 0, run.stderr[-3000:]
    assert (tmp_path / "my_explanations" / "clip.explanation.wav").is_file()
    assert (tmp_path / "my_head.pt").is_file()


def test_command_line_example(tmp_path):
    _my_clips(tmp_path)
    (bash,) = _blocks(_section(), "bash")
    commands = [shlex.split(line) for line in bash.replace("\\\n", " ").splitlines() if line.strip()]
    assert [c[:2] for c in commands] == [["lmac", "train"], ["lmac", "train"], ["lmac", "explain"]]
    tiny = ["trainer.max_epochs=1", "data.batch_size=4", "head.hidden=16", "head.tap_channels=8"]
    for args in commands:
        args = [a.replace("my_clips", str(tmp_path / "my_clips")).replace("runs/", f"{tmp_path}/runs/")
                .replace("my_explanations", str(tmp_path / "my_explanations")) for a in args[1:]]
        if args[0] == "explain":  # in-process: the CLI start-up is already covered by tests/test_cli.py
            assert main(args) == 0
            continue
        extra = [a for a in tiny if "head" not in a] if "experiment=demo_classifier" in args else tiny
        run = run_cli(*args, *extra)
        assert run.returncode == 0, (args, run.stderr[-3000:])
    assert (tmp_path / "runs" / "my_lmac" / "explainer.pt").is_file()
    assert list((tmp_path / "my_explanations").glob("*.explanation.wav"))
