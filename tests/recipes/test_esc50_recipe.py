"""recipes/esc50: the README's train command, end to end on a tiny generated ESC-50 folder
with a random-weight CNN14 saved in SpeechBrain's layout and WHAM!-style noise."""

import json

import numpy as np
import soundfile as sf
import torch
from audio_fixtures import ESC_CLASSES, make_cnn14_folder, make_esc50
from helpers import run_cli

from lmac.classifiers import Cnn14Classifier
from lmac.explainers import LMAC


def test_esc50_lmac_train_command(tmp_path):
    esc50 = make_esc50(tmp_path / "ESC-50-master", per_fold=1, seconds=1.0)
    cnn14 = tmp_path / "cnn14-esc50"
    make_cnn14_folder(cnn14, ESC_CLASSES)
    wham = tmp_path / "wham_noise" / "tr"
    wham.mkdir(parents=True)
    sf.write(str(wham / "n1.wav"), np.random.default_rng(0).standard_normal(12000).astype(np.float32) * 0.1, 8000)
    run_dir = tmp_path / "run"
    run = run_cli(
        "train",
        "experiment=esc50_lmac",
        f"data.root={esc50}",
        f"classifier.folder={cnn14}",
        "+data/noise=wham",
        f"data.noise.root={wham}",
        # tiny settings for CI: 1 s clips, small head, one epoch
        "data.clip_seconds=1.0",
        "data.batch_size=3",
        "head.hidden=16",
        "head.tap_channels=8",
        "trainer.max_epochs=1",
        f"hydra.run.dir={run_dir}",
    )
    assert run.returncode == 0, run.stderr[-3000:]
    assert "exported" in run.stdout
    metrics = (run_dir / "csv" / "version_0" / "metrics.csv").read_text()
    assert "train/loss_in" in metrics and "val/ff" in metrics and "test/fid_in" in metrics
    explainer = LMAC.from_pretrained(run_dir / "explainer.pt")
    assert isinstance(explainer.classifier, Cnn14Classifier)
    assert explainer.classifier.class_names == ESC_CLASSES and explainer.classifier.sample_rate == 16000
    exp = explainer.explain(torch.randn(1, 16000) * 0.1, target="rain")
    assert exp.target.tolist() == [1] and exp.explanation_wav.shape == (1, 16000)
    assert exp.saliency.shape[1] == 513  # head STFT n_fft 1024 as in the paper

    # the recipe's benchmark command on the exported explainer (fold 5; the heads only, for time)
    bench = tmp_path / "bench"
    run = run_cli(
        "benchmark",
        "experiment=esc50_benchmark",
        f"data.root={esc50}",
        f"classifier.path={run_dir / 'explainer.pt'}",
        f"methods.lmac.path={run_dir / 'explainer.pt'}",
        "~methods.saliency",
        "~methods.gradcam",
        "runner.n_clips=2",
        "runner.sanity_clips=1",
        "runner.curve_steps=2",
        f"hydra.run.dir={bench}",
    )
    assert run.returncode == 0, run.stderr[-3000:]
    records = json.loads((bench / "results.json").read_text())
    assert [(r["method"], r["setting"], r["n"]) for r in records] == [
        ("lmac", s, 2) for s in ("in_domain", "other_class", "white_noise", "unrelated_source")
    ]
