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
    assert sorted(p.name for p in out.iterdir()) == [
        "index.0-of-1.jsonl",
        "index.csv",
        "index.json",
        "song.explanation.wav",
        "song.json",
        "song.png",
        "song.residual.wav",
    ]
    record = json.loads((out / "song.json").read_text())
    for key in (
        "input",
        "method",
        "sample_rate",
        "target",
        "target_name",
        "prob_original",
        "prob_explanation",
        "prob_residual",
        "seconds",
    ):
        assert key in record
    assert record["target_name"] == "guitar" and record["target"] == 1 and record["sample_rate"] == SR
    assert all(0 <= record[k] <= 1 for k in ("prob_original", "prob_explanation", "prob_residual"))
    import soundfile as sf

    info = sf.info(str(out / "song.explanation.wav"))
    assert info.samplerate == SR and info.channels == 1 and abs(info.duration - 1.3) < 1e-3


@pytest.mark.parametrize("case", ["missing", "empty", "nan", "target"])
def test_one_bad_input_one_line_error_no_output(tmp_path, write_wav, checkpoint, case):
    good = write_wav("good.wav", 0.1 * np.random.default_rng(0).standard_normal(4000))
    if case == "missing":
        args = [str(tmp_path / "missing.wav")]
    elif case == "empty":
        args = [str(write_wav("empty.wav", np.zeros(0)))]
    elif case == "nan":
        args = [str(write_wav("nan.wav", np.full(800, np.nan), subtype="FLOAT"))]
    else:
        args = [str(good), "--target", "violin"]
    out = tmp_path / "out"
    run = run_cli("explain", *args, "--checkpoint", str(checkpoint), "--out", str(out))
    assert run.returncode == 2
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("lmac explain: error:"), run.stderr
    assert not out.exists() or not any(out.rglob("*"))


def test_one_and_three_sample_files(tmp_path, write_wav, checkpoint):
    paths = [write_wav(f"tiny{n}.wav", np.full(n, 0.25)) for n in (1, 3)]
    out = tmp_path / "out"
    run = run_cli("explain", *map(str, paths), "--checkpoint", str(checkpoint), "--out", str(out))
    assert run.returncode == 0, run.stderr
    import soundfile as sf

    for n in (1, 3):
        for kind in ("explanation", "residual"):
            data, sr = sf.read(str(out / f"tiny{n}.{kind}.wav"))
            assert len(data) == n and sr == SR and np.isfinite(data).all()
        record = json.loads((out / f"tiny{n}.json").read_text())
        assert record["duration"] == n / SR and 0 <= record["prob_explanation"] <= 1
        assert (out / f"tiny{n}.png").stat().st_size > 0


def test_many_inputs_bad_ones_in_the_index(tmp_path, write_wav, checkpoint):
    rng = np.random.default_rng(1)
    good = [write_wav(f"good{i}.wav", 0.1 * rng.standard_normal(3000 + 5000 * i)) for i in range(2)]
    empty = write_wav("empty.wav", np.zeros(0))
    missing = tmp_path / "missing.wav"
    out = tmp_path / "out"
    run = run_cli(
        "explain",
        str(good[0]),
        str(empty),
        str(missing),
        str(good[1]),
        "--checkpoint",
        str(checkpoint),
        "--out",
        str(out),
        "--batch-size",
        "2",
    )
    assert run.returncode == 1
    errors = run.stderr.strip().splitlines()
    assert len(errors) == 2 and all(line.startswith("lmac explain: error:") for line in errors), run.stderr
    assert "empty.wav: contains no samples" in errors[0] and "missing.wav: no such file" in errors[1]
    index = json.loads((out / "index.json").read_text())
    rows = index["rows"]
    assert [r["status"] for r in rows] == ["ok", "error", "error", "ok"]
    assert [r["input"] for r in rows] == [str(good[0]), str(empty), str(missing), str(good[1])]
    assert rows[1]["error"] == errors[0].removeprefix("lmac explain: error: ") and rows[1]["json"] is None
    for row in (rows[0], rows[3]):
        assert row["error"] == "" and (out / row["json"]).is_file() and (out / row["explanation"]).is_file()
        record = json.loads((out / row["json"]).read_text())
        assert all(row[k] == record[k] for k in ("target", "target_name", "prob_original", "prob_explanation"))
    import csv

    with open(out / "index.csv") as f:
        table = list(csv.DictReader(f))
    assert [r["status"] for r in table] == ["ok", "error", "error", "ok"] and table[2]["png"] == ""
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith("good")) == [
        "index.0-of-1.jsonl",
        "index.csv",
        "index.json",
    ]


def test_folder_input_mirrors_sub_folders(tmp_path, write_wav, checkpoint):
    rng = np.random.default_rng(2)
    for name in ("dog/a.wav", "dog/b.wav", "rain/a.wav"):
        (tmp_path / "clips" / name).parent.mkdir(parents=True, exist_ok=True)
        write_wav(f"clips/{name}", 0.1 * rng.standard_normal(2000))
    (tmp_path / "clips" / "readme.md").write_text("not audio, skipped")
    out = tmp_path / "out"
    run = run_cli("explain", str(tmp_path / "clips"), "--checkpoint", str(checkpoint), "--out", str(out))
    assert run.returncode == 0, run.stderr
    rows = json.loads((out / "index.json").read_text())["rows"]
    assert [r["json"] for r in rows] == ["dog/a.json", "dog/b.json", "rain/a.json"]
    assert (out / "rain" / "a.explanation.wav").is_file()


def test_relative_input_recorded_absolute_report_from_anywhere(tmp_path, write_wav, checkpoint, monkeypatch):
    """The JSON names its input by absolute path, so `lmac report` reads the folder from any directory."""
    from lmac.cli import main
    from lmac.report.clips import read_clip_folder

    (tmp_path / "clips").mkdir()
    write_wav("clips/a.wav", 0.1 * np.random.default_rng(3).standard_normal(3000))
    monkeypatch.chdir(tmp_path)
    assert main(["explain", "clips/a.wav", "--checkpoint", str(checkpoint), "--out", "out"]) == 0
    record = json.loads((tmp_path / "out" / "a.json").read_text())
    assert record["input"] == str(tmp_path / "clips" / "a.wav")
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    [view] = read_clip_folder(tmp_path / "out")
    assert view.name == "a" and len(view.audio["input"]) == 3000


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
    assert {
        "demo_0.wav",
        "demo_0.explanation.wav",
        "demo_0.residual.wav",
        "demo_0.png",
        "demo_0.json",
        "report.html",
    } <= names
    assert f"wrote {tmp_path / 'report.html'}" in run.stdout
    assert (tmp_path / "report.html").read_text().count("<audio") == 2 * 3
    assert json.loads((tmp_path / "demo_1.json").read_text())["true_label"] in ("piano", "guitar", "organ", "flute")
    assert [r["input"] for r in json.loads((tmp_path / "index.json").read_text())["rows"]] == [
        "demo_0.wav",
        "demo_1.wav",
    ]


def test_help_and_unknown_command():
    assert run_cli("--help").returncode == 0
    bad = run_cli("frobnicate")
    assert bad.returncode == 2 and "unknown command" in bad.stderr


USER_MODULE = '''
from pathlib import Path

import torch
from torch import nn

from lmac.classifiers import MelCNN, TappedClassifier

HERE = Path(__file__).parent


class WaveNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv1d(1, 4, 9, stride=4)
        self.conv2 = nn.Conv1d(4, 8, 9, stride=4)
        self.fc = nn.Linear(8, 2)

    def forward(self, wav):
        x = torch.relu(self.conv2(torch.relu(self.conv1(wav.unsqueeze(1)))))
        return self.fc(x.mean(-1))


def make_classifier():
    net = WaveNet()
    net.load_state_dict(torch.load(HERE / "weights.pt", weights_only=True))
    return TappedClassifier(net, ["conv2", "conv1"], 16000, ["dog", "rain"], 0.5, output="sigmoid")


class MyCNN(MelCNN):
    """An AudioClassifier subclass outside lmac: its checkpoint names my_models.MyCNN."""
'''


@pytest.fixture
def user_models(tmp_path):
    import torch

    (tmp_path / "my_models.py").write_text(USER_MODULE)
    torch.manual_seed(0)
    net = torch.nn.Module()  # weights of my_models.WaveNet, written as a user would keep them
    net.conv1, net.conv2, net.fc = (
        torch.nn.Conv1d(1, 4, 9, stride=4),
        torch.nn.Conv1d(4, 8, 9, stride=4),
        torch.nn.Linear(8, 2),
    )
    torch.save(net.state_dict(), tmp_path / "weights.pt")
    return tmp_path


def test_explain_with_your_own_classifier_factory(tmp_path, write_wav, user_models, monkeypatch, capsys):
    from conftest import tiny_head

    from lmac.classifiers import import_classifier
    from lmac.cli import main
    from lmac.explainers import LMAC

    clf = import_classifier(f"{user_models}/my_models.py:make_classifier")
    assert clf.output == "sigmoid" and clf.n_classes == 2
    checkpoint = tmp_path / "tapped.pt"
    LMAC(clf, tiny_head(clf)).export(checkpoint)
    clip = write_wav("clip.wav", 0.1 * np.random.default_rng(0).standard_normal(8000))
    out = tmp_path / "out"
    args = ["explain", str(clip), "--checkpoint", str(checkpoint), "--out", str(out)]
    assert main(args) == 2 and not out.exists()
    err = capsys.readouterr().err
    assert "--classifier MODULE:FACTORY" in err and len(err.strip().splitlines()) == 1
    assert main([*args, "--target", "rain", "--classifier", f"{user_models}/my_models.py:make_classifier"]) == 0
    record = json.loads((out / "clip.json").read_text())
    assert record["output"] == "sigmoid" and record["target_name"] == "rain"
    monkeypatch.chdir(user_models)  # MODULE:FACTORY with a module in the current folder
    assert main([*args[:-1], str(tmp_path / "o2"), "--classifier", "my_models:make_classifier"]) == 0
    assert main([*args[:-1], str(tmp_path / "o3"), "--classifier", "my_models:nope"]) == 2
    assert "has no callable 'nope'" in capsys.readouterr().err


def test_allow_external_for_a_trusted_checkpoint(tmp_path, write_wav, user_models, monkeypatch, capsys):
    from conftest import tiny_head

    from lmac.cli import main
    from lmac.explainers import LMAC

    monkeypatch.syspath_prepend(str(user_models))
    import my_models

    clf = my_models.MyCNN(["dog", "rain"], clip_seconds=0.5, n_mels=32, channels=(4, 8)).freeze()
    checkpoint = tmp_path / "external.pt"
    LMAC(clf, tiny_head(clf)).export(checkpoint)
    clip = write_wav("clip.wav", 0.1 * np.random.default_rng(0).standard_normal(8000))
    assert main(["explain", str(clip), "--checkpoint", str(checkpoint), "--out", str(tmp_path / "o")]) == 2
    assert "outside lmac; pass --allow-external" in capsys.readouterr().err
    assert (
        main(["explain", str(clip), "--checkpoint", str(checkpoint), "--out", str(tmp_path / "o"), "--allow-external"])
        == 0
    )
    assert (tmp_path / "o" / "clip.explanation.wav").is_file()
