"""`lmac train experiment=demo_lmactd` end to end on tiny settings: train -> export -> load -> explain."""

import torch
from conftest import tiny_classifier
from helpers import run_cli

from lmac.classifiers import save_classifier
from lmac.explainers import LMAC
from lmac.resources import shipped_checkpoint

TINY = [
    "data.n_train=8",
    "data.n_val=4",
    "data.n_test=4",
    "data.batch_size=4",
    "data.clip_seconds=0.5",
    "head.masker_channels=8",
    "head.n_heads=2",
    "head.d_ffn=16",
    "head.tap_channels=4",
    "head.chunk_size=20",
    "trainer.max_epochs=1",
]


def test_lmactd_train_export_load_explain(tmp_path, write_wav):
    clf_path = tmp_path / "classifier.pt"
    save_classifier(tiny_classifier(), clf_path)
    run = run_cli(
        "train",
        "experiment=demo_lmactd",
        "classifier=checkpoint",
        f"classifier.path={clf_path}",
        "head.alpha=1",
        "loss.w_consistency=0.5",
        *TINY,
        f"hydra.run.dir={tmp_path / 'run'}",
    )
    assert run.returncode == 0, run.stderr[-3000:]
    metrics = (tmp_path / "run" / "csv" / "version_0" / "metrics.csv").read_text()
    assert "train/consistency" in metrics and "val/fid_in" in metrics
    explainer = LMAC.from_pretrained(tmp_path / "run" / "explainer.pt")
    assert explainer.name == "lmac-td" and explainer.head.alpha == 1.0
    # the experiment's shipped codec is loaded, frozen, and travels inside the export
    shipped = torch.load(shipped_checkpoint("codecs/demo_lmactd"), weights_only=True)
    assert torch.equal(explainer.head.encoder.state_dict()["conv1d.weight"], shipped["encoder"]["conv1d.weight"])
    exp = explainer.explain(0.1 * torch.randn(1, 8000), target="organ")
    assert exp.method == "lmac-td" and exp.explanation_wav.shape == exp.residual_wav.shape == (1, 8000)
    clip = write_wav("clip.wav", 0.1 * torch.randn(12000).numpy())
    cli = run_cli(
        "explain", str(clip), "--checkpoint", str(tmp_path / "run" / "explainer.pt"), "--out", str(tmp_path / "out")
    )
    assert cli.returncode == 0, cli.stderr[-3000:]
    assert list((tmp_path / "out").rglob("*.wav"))
