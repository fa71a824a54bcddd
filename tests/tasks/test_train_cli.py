"""`lmac train` end to end on tiny settings: train -> export -> load -> explain, resume, DDP on CPU."""

from pathlib import Path

import pytest
import torch
from conftest import tiny_classifier
from helpers import run_cli

from lmac.classifiers import load_classifier, save_classifier
from lmac.explainers import LMAC

TINY_DATA = ["data.n_train=8", "data.n_val=4", "data.n_test=4", "data.batch_size=4", "data.clip_seconds=0.5"]


@pytest.fixture(scope="module")
def tiny_classifier_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("clf") / "classifier.pt"
    save_classifier(tiny_classifier(), path)
    return path


def _head_args(run_dir, clf_path, *extra):
    return [
        "train",
        "experiment=demo_lmac",
        "classifier=checkpoint",
        f"classifier.path={clf_path}",
        "head.hidden=16",
        "head.tap_channels=8",
        "trainer.max_epochs=1",
        *TINY_DATA,
        f"hydra.run.dir={run_dir}",
        *extra,
    ]


def test_train_export_load_explain_and_resume(tmp_path, tiny_classifier_file):
    run = run_cli(*_head_args(tmp_path / "run", tiny_classifier_file, "logger=many"))
    assert run.returncode == 0, run.stderr[-3000:]
    assert "exported" in run.stdout
    explainer = LMAC.from_pretrained(tmp_path / "run" / "explainer.pt")
    exp = explainer.explain(torch.randn(2, 8000), target="organ")
    assert exp.target.tolist() == [2, 2] and exp.explanation_wav.shape == (2, 8000)
    metrics = (tmp_path / "run" / "csv" / "version_0" / "metrics.csv").read_text()
    for key in ("train/loss_in", "train/loss_out", "train/l1", "train/tv", "val/loss", "val/fid_in", "test/ff"):
        assert key in metrics
    assert list((tmp_path / "run" / "tensorboard").rglob("events.out.tfevents.*"))
    last = tmp_path / "run" / "checkpoints" / "last.ckpt"
    resumed = run_cli(
        *_head_args(tmp_path / "resumed", tiny_classifier_file, f"ckpt_path={last}", "trainer.max_epochs=2")
    )
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert "Restoring states from the checkpoint" in resumed.stderr + resumed.stdout


def test_train_classifier_experiment(tmp_path):
    run = run_cli(
        "train",
        "experiment=demo_classifier",
        "classifier.channels=[4,8]",
        "classifier.n_mels=32",
        "trainer.max_epochs=1",
        *TINY_DATA,
        f"hydra.run.dir={tmp_path}",
    )
    assert run.returncode == 0, run.stderr[-3000:]
    clf = load_classifier(tmp_path / "classifier.pt")
    assert clf.class_names == ["piano", "guitar", "organ", "flute"] and clf.clip_seconds == 0.5


def test_ddp_on_two_cpu_processes(tmp_path, tiny_classifier_file):
    run = run_cli(*_head_args(tmp_path, tiny_classifier_file, "trainer=ddp_cpu", "callbacks=classifier"))
    assert run.returncode == 0, run.stderr[-3000:]
    assert "world_size: 2" in (run.stdout + run.stderr) or "GLOBAL_RANK: 1" in (run.stdout + run.stderr)
    assert (tmp_path / "explainer.pt").is_file()


def test_wrong_classifier_for_data_is_a_clear_error(tmp_path):
    """A head maps the data's labels onto the classifier's classes by name (the confound data's guitar and
    piano are classes of the instruments classifier); data classes the classifier lacks are refused."""
    other = tmp_path / "dog_rain.pt"
    save_classifier(tiny_classifier(["dog", "rain"]), other)
    run = run_cli(*_head_args(tmp_path, other))
    assert run.returncode != 0
    assert "data classes ['piano', 'guitar', 'organ', 'flute'] are not among the classifier's 2 classes" in run.stderr


def test_clip_format_mismatch_is_one_line_and_writes_nothing(tmp_path, tiny_classifier_file):
    """The tiny classifier takes 0.5 s windows at 16 kHz; data of another length is refused up front."""
    run = run_cli(*_head_args(tmp_path, tiny_classifier_file, "data.clip_seconds=0.25"))
    assert run.returncode == 2, run.stderr[-3000:]
    assert run.stderr.strip().splitlines()[-1] == (
        "lmac train: error: SyntheticDataModule gives 0.25 s clips but the "
        "classifier's window is 0.5 s: set the data's clip_seconds to 0.5"
    )
    assert "Traceback" not in run.stderr and not (tmp_path / "explainer.pt").exists()
