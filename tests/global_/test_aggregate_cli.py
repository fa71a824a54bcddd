"""`lmac aggregate` end to end, and every aggregate config option composed and instantiated."""

import json

import pytest
from helpers import run_cli
from hydra.utils import instantiate

from lmac.tasks.config import CONFIG_DIR


def _compose(overrides):
    from hydra import compose, initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra

    GlobalHydra.instance().clear()
    with initialize_config_dir(str(CONFIG_DIR), version_base="1.3"):
        return compose("aggregate", overrides=overrides)


def test_lmac_aggregate_writes_table_plots_and_montages(tmp_path):
    run_dir = tmp_path / "run"
    result = run_cli(
        "aggregate",
        "experiment=confound_aggregate",
        "runner.n_clips=2",
        "runner.progress=false",
        "~methods.integrated_gradients",
        "~methods.smoothgrad",
        "~methods.saliency",
        f"hydra.run.dir={run_dir}",
        timeout=900,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    saved = json.loads((run_dir / "results.json").read_text())
    assert set(saved["methods"]) == {"lmac", "lime_oracle", "gradcam"}
    assert saved["methods"]["lime_oracle"]["kind"] == "component weight"
    assert saved["methods"]["lmac"]["kind"] == "stem share"
    assert [(r["method"], r["class"]) for r in saved["validation"]] == [
        ("lmac", "guitar"),
        ("lime_oracle", "guitar"),
        ("gradcam", "guitar"),
    ]
    assert "### validation" in result.stdout and (run_dir / "results.md").read_text().strip() in result.stdout
    assert (run_dir / "plots" / "guitar.svg").exists() and (run_dir / "montage" / "lime_oracle" / "guitar.wav").exists()


def test_unknown_expected_class_is_refused(tmp_path):
    result = run_cli(
        "aggregate",
        "experiment=demo_aggregate",
        "runner.n_clips=1",
        "~methods.lmac",
        "runner.progress=false",
        "+runner.expected.drums=[drums]",
        f"hydra.run.dir={tmp_path}",
        timeout=300,
    )
    assert result.returncode != 0 and "expected names classes ['drums']" in result.stderr


@pytest.mark.parametrize("experiment", sorted(p.stem for p in (CONFIG_DIR / "experiment").glob("*_aggregate.yaml")))
@pytest.mark.parametrize("features", sorted(p.stem for p in (CONFIG_DIR / "features").glob("*.yaml")))
def test_aggregate_options_compose_and_build(experiment, features):
    cfg = _compose([f"experiment={experiment}", f"features={features}"])
    runner = instantiate(cfg.runner)
    assert runner.features and runner.expected and set(cfg.methods)
