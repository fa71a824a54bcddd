"""The README section "Use your own data and classifier" works as written, on a generated folder."""

import json
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

COMMAND_LINE = "### Train a classifier and an L-MAC head on your folder (command line)"
OWN_MODEL = "### Bring your own PyTorch model"
TAGGER = "### A multi-label tagger that folds patches into the batch axis"


def _section(heading: str) -> str:
    """The README text under ``heading`` up to the next heading of level 2 or deeper."""
    text = (REPO / "README.md").read_text()
    assert f"\n{heading}\n" in text, f"no {heading!r} section in README.md"
    return re.split(r"\n##+ ", text.split(f"\n{heading}\n", 1)[1], maxsplit=1)[0]


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
    (code,) = _blocks(_section(OWN_MODEL), "python")
    (tmp_path / "example.py").write_text(code)
    run = subprocess.run(
        [sys.executable, "example.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert run.returncode == 0, run.stderr[-3000:]
    assert (tmp_path / "my_explanations" / "clip.explanation.wav").is_file()
    assert (tmp_path / "my_explainer.pt").is_file()


def test_command_line_example(tmp_path):
    _my_clips(tmp_path)
    (bash,) = _blocks(_section(COMMAND_LINE), "bash")
    commands = [shlex.split(line) for line in bash.replace("\\\n", " ").splitlines() if line.strip()]
    assert [c[:2] for c in commands] == [["lmac", "train"], ["lmac", "train"], ["lmac", "explain"]]
    tiny = ["trainer.max_epochs=1", "data.batch_size=4", "head.hidden=16", "head.tap_channels=8"]
    for args in commands:
        args = [
            a.replace("my_clips", str(tmp_path / "my_clips"))
            .replace("runs/", f"{tmp_path}/runs/")
            .replace("my_explanations", str(tmp_path / "my_explanations"))
            for a in args[1:]
        ]
        if args[0] == "explain":  # in-process: the CLI start-up is already covered by tests/test_cli.py
            assert main(args) == 0
            continue
        extra = [a for a in tiny if "head" not in a] if "experiment=demo_classifier" in args else tiny
        run = run_cli(*args, *extra)
        assert run.returncode == 0, (args, run.stderr[-3000:])
    assert (tmp_path / "runs" / "my_lmac" / "explainer.pt").is_file()
    assert list((tmp_path / "my_explanations").glob("*.explanation.wav"))


def test_patch_folding_tagger_example_runs_as_written(tmp_path):
    """The worked example of a multi-label model that folds patches into the batch axis: the model file,
    training + explaining + GradCAM in Python, then `lmac explain --classifier my_tagger:make_classifier`."""
    _my_clips(tmp_path)
    model, code = _blocks(_section(TAGGER), "python")
    (bash,) = _blocks(_section(TAGGER), "bash")
    (tmp_path / "my_tagger.py").write_text(model)
    (tmp_path / "example.py").write_text(code)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    run = subprocess.run(
        [sys.executable, "example.py"], cwd=tmp_path, capture_output=True, text=True, timeout=600, env=env
    )
    assert run.returncode == 0, run.stderr[-3000:]
    assert (tmp_path / "tagger_out" / "dog_clip.explanation.wav").is_file()
    (command,) = [shlex.split(line) for line in bash.splitlines() if line.strip()]
    assert command[:2] == ["lmac", "explain"] and "--classifier" in command
    run = subprocess.run(
        [sys.executable, "-m", "lmac", *command[1:]], cwd=tmp_path, capture_output=True, text=True, timeout=600, env=env
    )
    assert run.returncode == 0, run.stderr[-3000:]
    record = json.loads((tmp_path / "tagger_out" / "0.json").read_text())
    assert record["output"] == "sigmoid" and record["target_name"] == "dog"
