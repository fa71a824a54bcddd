"""Every baseline method option in conf/method/ composes and instantiates with a classifier passed at wiring time."""

import pytest
from conftest import tiny_classifier
from hydra.utils import instantiate
from test_factorizations import write_tiny_sepformer

from lmac.explainers.base import Explainer
from lmac.tasks.config import CONFIG_DIR, method_config

BASELINE_MODULES = ("lmac.explainers.lime.", "lmac.explainers.gradients.", "lmac.explainers.controls.")
OPTIONS = sorted(p.stem for p in (CONFIG_DIR / "method").glob("*.yaml") if not p.stem.endswith("_base"))
METHODS = [m for m in OPTIONS if method_config(m).get("_target_", "").startswith(BASELINE_MODULES)]


def test_every_baseline_has_a_config():
    assert {
        "lime_oracle",
        "lime_nmf",
        "lime_sepformer",
        "saliency",
        "integrated_gradients",
        "smoothgrad",
        "gradcam",
        "control",
        "input",
    } <= set(METHODS)


@pytest.mark.parametrize("method", METHODS)
def test_method_config_instantiates(method, tmp_path):
    cfg = method_config(method)
    assert "classifier" not in cfg  # passed at wiring time
    if method == "lime_sepformer":  # a local model folder must be named
        write_tiny_sepformer(tmp_path / "sep")
        cfg.factorization.source.separator.source = str(tmp_path / "sep")
    classifier = tiny_classifier()
    explainer = instantiate(cfg, classifier=classifier)
    assert isinstance(explainer, Explainer) and explainer.classifier is classifier and explainer.name == method


def test_lime_options_share_one_base():
    base = {"n_samples": 1000, "top_k": 3, "kernel_width": 0.25, "alpha": 1.0, "batch_size": 64, "seed": 0}
    for method in (m for m in METHODS if m.startswith("lime_")):
        cfg = method_config(method)
        assert {k: cfg[k] for k in base} == {**base, **({"n_samples": "exhaustive"} if method == "lime_oracle" else {})}
