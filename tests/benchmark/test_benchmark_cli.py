"""`lmac benchmark` end to end, and every benchmark config option composed and instantiated."""

import json

import pytest
import torch
from conftest import tiny_classifier, tiny_head
from helpers import run_cli
from hydra.utils import instantiate
from omegaconf import OmegaConf

from lmac.classifiers import load_classifier, save_classifier
from lmac.data import SyntheticMixtures
from lmac.explainers import LMAC
from lmac.resources import shipped_checkpoint
from lmac.tasks.config import CONFIG_DIR

# Baselines have their own tests (tests/explainers); the end-to-end run keeps the two heads.
SLOW_METHODS = ["integrated_gradients", "smoothgrad", "saliency", "gradcam", "lime_oracle"]


def _compose(overrides):
    from hydra import compose, initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra

    GlobalHydra.instance().clear()
    with initialize_config_dir(str(CONFIG_DIR), version_base="1.3"):
        return compose("benchmark", overrides=overrides)


@pytest.fixture
def exported(tmp_path):
    clf = tiny_classifier()
    save_classifier(clf, tmp_path / "classifier.pt")
    LMAC(clf, tiny_head(clf)).export(tmp_path / "explainer.pt")
    return tmp_path / "classifier.pt", tmp_path / "explainer.pt"


def test_lmac_benchmark_writes_the_table(tmp_path, exported):
    clf_path, lmac_path = exported
    run_dir = tmp_path / "run"
    result = run_cli(
        "benchmark",
        "experiment=demo_benchmark",
        f"classifier.path={clf_path}",
        f"methods.lmac.path={lmac_path}",
        f"methods.lmac_td.path={lmac_path}",
        "runner.n_clips=2",
        "runner.sanity_clips=1",
        *[f"~methods.{m}" for m in SLOW_METHODS],
        "runner.curve_steps=2",
        f"hydra.run.dir={run_dir}",
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    records = [r for r in json.loads((run_dir / "results.json").read_text()) if r["method"] == "lmac"]
    assert [(r["method"], r["setting"]) for r in records] == [
        ("lmac", s) for s in ("in_domain", "other_class", "white_noise", "unrelated_source")
    ]
    for r in records:
        assert r["n"] == 2 and {
            "ai",
            "ad",
            "ag",
            "ff",
            "fid_in",
            "seconds_median",
            "ratio_to_classifier",
            "ad_ci95",
        } <= set(r)
    assert (run_dir / "results.csv").exists() and "| lmac | in_domain | 2 |" in result.stdout
    assert (run_dir / "results.md").read_text().strip() in result.stdout
    # examples for `lmac report`: the same clips for both heads, inputs once per setting
    clips = sorted(p.stem for p in (run_dir / "examples" / "white_noise").glob("clip_*.wav"))
    assert clips and all(
        sorted(p.stem for p in (run_dir / "examples" / "white_noise" / m).glob("*.json")) == clips
        for m in ("lmac", "lmac_td")
    )


def test_benchmark_cli_refuses_a_head_from_another_classifier(tmp_path, exported):
    _, lmac_path = exported
    other = tiny_classifier()
    with torch.no_grad():
        other.fc.bias += 1.0  # same architecture and classes, other weights
    save_classifier(other, tmp_path / "other.pt")
    result = run_cli(
        "benchmark",
        "experiment=demo_benchmark",
        f"classifier.path={tmp_path / 'other.pt'}",
        f"methods.lmac.path={lmac_path}",
        "runner.n_clips=1",
        f"hydra.run.dir={tmp_path / 'run'}",
        timeout=300,
    )
    assert result.returncode != 0 and "trained on another classifier" in result.stderr
    assert not (tmp_path / "run" / "results.json").exists()


@pytest.mark.parametrize("option", sorted(p.stem for p in (CONFIG_DIR / "setting").glob("*.yaml")))
def test_setting_options_wrap_the_data(option):
    cfg = _compose([f"+setting@settings.extra={option}"])
    data = SyntheticMixtures("instruments", "test", n_items=2, seed=0, clip_seconds=0.5)
    setting = instantiate(cfg.settings.extra, dataset=data)
    assert len(setting) == 2 and torch.allclose(sum(setting[0]["stems"].values()), setting[0]["wav"], atol=1e-5)


LMAC_METHODS = sorted(
    p.stem
    for p in (CONFIG_DIR / "method").glob("*.yaml")
    if OmegaConf.load(p).get("_target_", "").startswith("lmac.explainers.LMAC")
)


@pytest.mark.parametrize("option", LMAC_METHODS)  # baselines: tests/explainers/test_method_configs.py
def test_lmac_method_options_build_an_explainer(option, exported):
    """Options naming a shipped checkpoint get the shipped classifier; a missing path gets a tiny export."""
    _, lmac_path = exported
    node = _compose([f"+method@methods.extra={option}"]).methods.extra
    clf = tiny_classifier()
    has_path = "path" in node.keys()  # `in node` is False for a missing (???) value
    if has_path and OmegaConf.is_missing(node, "path"):
        node.path = str(lmac_path)
    elif has_path and "lmac_checkpoint" in str(node._get_node("path")._value()):
        clf = load_classifier(shipped_checkpoint("demo_classifier"))
    explainer = instantiate(node, classifier=clf)
    assert explainer.classifier is clf and callable(explainer.explain)


@pytest.mark.parametrize("experiment", sorted(p.stem for p in (CONFIG_DIR / "experiment").glob("*_benchmark.yaml")))
def test_benchmark_experiments_compose(experiment):
    cfg = _compose([f"experiment={experiment}"])
    assert cfg.settings.in_domain._target_ == "lmac.data.contamination.Clean"
    assert len(cfg.methods) > 0 and cfg.runner._target_ == "lmac.benchmark.Benchmark"
    assert cfg.task_name == experiment


def test_the_benchmark_gives_every_method_one_grid(exported):
    from lmac.spectral import STFTConfig
    from lmac.tasks.benchmark import build_methods

    _, lmac_path = exported
    clf = tiny_classifier()
    methods = build_methods(
        _compose(["stft=esc50", "+method@methods.saliency=saliency", "+method@methods.lime_nmf=lime_nmf"]), clf
    )
    grid = STFTConfig(1024, 256)
    assert methods["saliency"].grid == methods["lime_nmf"].grid == methods["lime_nmf"].factorization.grid == grid
    # a head trained on the default grid cannot join a benchmark on another one
    with pytest.raises(ValueError, match="STFT grid n_fft 512 / hop 128, the benchmark's grid is n_fft 1024"):
        build_methods(_compose(["stft=esc50", "+method@methods.lmac=lmac", f"methods.lmac.path={lmac_path}"]), clf)


def test_two_source_mixtures_of_an_esc50_folder_as_the_readme_runs_them(tmp_path):
    from audio_fixtures import ESC_CLASSES, make_esc50

    root = make_esc50(tmp_path / "ESC-50-master", per_fold=2, seconds=1.0)
    clf = tiny_classifier(ESC_CLASSES, seconds=1.0)
    LMAC(clf, tiny_head(clf)).export(tmp_path / "explainer.pt")
    run_dir = tmp_path / "run"
    result = run_cli(
        "benchmark",
        "experiment=esc50_benchmark",
        "+setting@settings.two_sources=two_sources",
        f"data.root={root}",
        f"classifier.path={tmp_path / 'explainer.pt'}",
        f"methods.lmac.path={tmp_path / 'explainer.pt'}",
        *[f"~setting@settings.{s}" for s in ("in_domain", "other_class", "white_noise", "unrelated_source")],
        "~methods.saliency",
        "~methods.gradcam",
        "+method@methods.control=control",
        "stft=default",  # the tiny head's grid
        "runner.n_clips=4",
        "runner.sanity_clips=0",
        "runner.curve_steps=2",
        f"hydra.run.dir={run_dir}",
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    records = {r["method"]: r for r in json.loads((run_dir / "results.json").read_text())}
    assert set(records) == {"lmac", "input", "control"} and {r["setting"] for r in records.values()} == {"two_sources"}
    assert records["input"]["both_kept"] == 0 and records["input"]["ab_corr"] == 1
    assert records["control"]["both_kept"] == 0 and 0 <= records["lmac"]["both_kept"] <= 1
    assert "| Both kept ↑ | Asked share ↑ | A-vs-B corr ↓ |" in (run_dir / "results.md").read_text()
