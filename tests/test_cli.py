"""`lmac explain` and `lmac demo` on a tiny exported explainer, including bad input."""

import json

import numpy as np
import pytest

from conftest import SR
from helpers import run_cli


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    from conftest import tiny_classifier, tiny_head
    from lmac.explainers import LMAC
    clf = tiny_classifier()
    path = tmp_path_factory.mktemp("ckpt") / "explainer.pt"
    LMAC(clf, tiny_head(clf)).export(path)
    return path


def test_explain_stereo_any_rate_long_clip(tmp_path, write_wav, checkpoint):
    t = np.arange(int(1.3 * 44100)) / 44100
    tone = 0.3 * np.sin(2 * np.pi * 330 * t)
    path = write_wav("song.wav", np.stack([tone, tone], 1), sample_rate=44100)
    out = tmp_path / "out"
    run = run_cli("explain", str(path), "--checkpoint", str(checkpoint), "--target", "guitar", "--out", str(out))
    assert run.returncode == 0, run.stderr
    assert sorted(p.name for p in out.iterdir()) == ["song.explanation.wav", "song.json", "song.png",
                                                    "song.residual.wav"]
    record = json.loads((out / "song.json").read_text())
    for key in ("input", "method", "sample_rate", "target", "target_name", "prob_original", "prob_explanation",
                "prob_residual", "seconds"):
        assert key in record
    assert record["target_name"] == "guitar" and record["target"] == 1 and record["sample_rate"] == SR
    assert all(0 <= record[k] <= 1 for k in ("prob_original", "prob_explanation", "prob_residual"))
    import soundfile as sf
    info = sf.info(str(out / "song.explanation.wav"))
    assert info.samplerate == SR and info.channels == 1 and abs(info.duration - 1.3) < 1e-3


@pytest.mark.parametrize("case", ["missing", "empty", "nan", "target"])
def test_bad_input_one_line_error_no_output(tmp_path, write_wav, checkpoint, case):
    good = write_wav("good.wav", 0.1 * np.random.default_rng(0).standard_normal(4000))
    if case == "missing":
        args = [str(tmp_path / "missing.wav")]
    elif case == "empty":
        args = [str(good), str(write_wav("empty.wav", np.zeros(0)))]
    elif case == "nan":
        args = [str(good), str(write_wav("nan.wav", np.full(800, np.nan), subtype="FLOAT"))]
    else:
        args = [str(good), "--target", "violin"]
    out = tmp_path / "out"
    run = run_cli("explain", *args, "--checkpoint", str(checkpoint), "--out", str(out))
    assert run.returncode == 2
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("lmac explain: error:"), run.stderr
    assert not out.exists() or not any(out.iterdir())


def test_checkpoint_errors(tmp_path, write_wav):
    good = write_wav("good.wav", np.zeros(800) + 0.1)
    bogus = tmp_path / "bogus.pt"
    bogus.write_bytes(b"nope")
    run = run_cli("explain", str(good), "--checkpoint", str(bogus), "--out", str(tmp_path / "o"))
    assert run.returncode == 2 and "not a readable lmac checkpoint" in run.stderr


def test_demo(tmp_path, checkpoint):
    run = run_cli("demo", "--checkpoint", str(checkpoint), "--n", "2", "--seed", "5", "--out", str(tmp_path))
    assert run.returncode == 0, run.stderr
    assert "p(expl)" in run.stdout and "demo_1" in run.stdout
    names = {p.name for p in tmp_path.iterdir()}
    assert {"demo_0.wav", "demo_0.explanation.wav", "demo_0.residual.wav", "demo_0.png", "demo_0.json",
            "report.html"} <= names
    assert f"wrote {tmp_path / 'report.html'}" in run.stdout
    assert (tmp_path / "report.html").read_text().count("<audio") == 2 * 3
    assert json.loads((tmp_path / "demo_1.json").read_text())["true_label"] in ("piano", "guitar", "organ", "flute")


def test_help_and_unknown_command():
    assert run_cli("--help").returncode == 0
    bad = run_cli("frobnicate")
    assert bad.returncode == 2 and "unknown command" in bad.stderr
