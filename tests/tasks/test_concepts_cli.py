"""`lmac train experiment=demo_concepts` and `lmac explain` with a concept classifier, end to end on tiny settings."""

import json

import numpy as np
import pytest
from conftest import tiny_classifier
from helpers import run_cli

from lmac.classifiers import ConceptCNN, load_classifier, save_classifier
from lmac.data.concepts import CONCEPTS, ConceptMusic

TINY = [
    "data.n_train=4",
    "data.n_val=2",
    "data.n_test=2",
    "data.batch_size=2",
    "data.clip_seconds=0.5",
    "classifier.channels=[4,8]",
    "classifier.n_mels=32",
    "trainer.max_epochs=1",
]


@pytest.fixture(scope="module")
def concept_checkpoint(tmp_path_factory):
    run_dir = tmp_path_factory.mktemp("concepts")
    run = run_cli("train", "experiment=demo_concepts", "logger=csv", *TINY, f"hydra.run.dir={run_dir}")
    assert run.returncode == 0, run.stderr[-3000:]
    metrics = (run_dir / "csv" / "version_0" / "metrics.csv").read_text()
    for key in ("train/concept_loss", "train/target_loss", "val/concept_r2", "val/target_mae", "test/loss"):
        assert key in metrics
    return run_dir / "concepts.pt"


def test_trained_concept_model_is_stored_with_its_names(concept_checkpoint):
    clf = load_classifier(concept_checkpoint)
    assert isinstance(clf, ConceptCNN) and clf.concept_names == CONCEPTS
    assert clf.class_names == ["arousal", "valence"] and clf.output == "regression" and clf.clip_seconds == 0.5


def test_explain_prints_and_writes_both_levels(tmp_path, concept_checkpoint):
    from lmac.audio import save_audio

    data = ConceptMusic("demo", 1, clip_seconds=0.5)
    save_audio(tmp_path / "song.wav", data[0]["wav"], 16000)
    out = tmp_path / "out"
    run = run_cli(
        "explain",
        str(tmp_path / "song.wav"),
        "--checkpoint",
        str(concept_checkpoint),
        "--target",
        "valence",
        "--out",
        str(out),
    )
    assert run.returncode == 0, run.stderr[-3000:]
    assert "valence = " in run.stdout and "level 1" in run.stdout
    assert sum(line.strip().split()[0] in CONCEPTS for line in run.stdout.splitlines() if line.strip()) == 4
    record = json.loads((out / "song.json").read_text())
    levels = record["levels"]
    assert record["target_name"] == "valence" and [r["concept"] for r in levels["level2"]] != []
    effects = [r["effect"] for r in levels["level2"]]
    assert abs(sum(effects) + levels["bias"] - levels["output_value"]) < 1e-4
    assert effects == sorted(effects, key=abs, reverse=True)
    top = [entry["concept"] for entry in levels["level1"]["lime"]]
    assert top == [r["concept"] for r in levels["level2"][:2]]
    for name in levels["sources_wav"].values():
        assert (out / name).is_file()
    assert {"song.explanation.wav", "song.residual.wav", "song.png", "index.csv"} <= {p.name for p in out.iterdir()}


def test_a_classifier_without_concepts_is_refused(tmp_path, write_wav):
    save_classifier(tiny_classifier(), tmp_path / "plain.pt")
    clip = write_wav("clip.wav", np.zeros(8000) + 0.1)
    run = run_cli("explain", str(clip), "--checkpoint", str(tmp_path / "plain.pt"), "--out", str(tmp_path / "o"))
    assert run.returncode == 2 and "without a concept layer" in run.stderr and len(run.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "o").exists()


@pytest.fixture(scope="module")
def concept_head_checkpoint(tmp_path_factory, concept_checkpoint):
    run_dir = tmp_path_factory.mktemp("concepts_lmac")
    tiny = [o for o in TINY if not o.startswith("classifier.")] + [
        "head.hidden=8",
        "head.tap_channels=4",
        "head.n_bands=8",
    ]
    run = run_cli(
        "train",
        "experiment=demo_concepts_lmac",
        f"classifier.classifier.path={concept_checkpoint}",
        "logger=csv",
        *tiny,
        f"hydra.run.dir={run_dir}",
    )
    assert run.returncode == 0, run.stderr[-3000:]
    metrics = (run_dir / "csv" / "version_0" / "metrics.csv").read_text()
    for key in ("train/loss_in", "train/loss_out", "train/energy", "val/target_corr", "test/loss"):
        assert key in metrics
    return run_dir / "explainer.pt"


def test_explain_with_a_concept_head_writes_both_methods_and_the_report_shows_them(
    tmp_path, concept_checkpoint, concept_head_checkpoint
):
    from lmac.audio import save_audio

    save_audio(tmp_path / "song.wav", ConceptMusic("demo", 1, clip_seconds=0.5)[0]["wav"], 16000)
    out = tmp_path / "out"
    argv = ["--checkpoint", str(concept_head_checkpoint), "--target", "arousal", "--out", str(out)]
    run = run_cli("explain", str(tmp_path / "song.wav"), *argv)
    assert run.returncode == 0, run.stderr[-3000:]
    assert "lmac: " in run.stdout and "of the energy" in run.stdout and "lime: " in run.stdout
    record = json.loads((out / "song.json").read_text())
    assert record["method"] == "two-level" and list(record["levels"]["level1"]) == ["lmac", "lime"]
    files = record["levels"]["sources_wav"]
    assert sorted(files) == ["lime.1", "lime.2", "lmac.1", "lmac.2"] and all(
        (out / f).is_file() for f in files.values()
    )
    report = run_cli("report", str(out))
    assert report.returncode == 0, report.stderr[-3000:]
    html = (out / "report.html").read_text()
    assert html.count("data:image/svg+xml") == 1 and "the sounds behind it (level 1)" in html
