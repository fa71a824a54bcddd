"""Every baseline method YAML in conf/method/ instantiates with a classifier passed at wiring time."""

import pytest
from hydra.utils import instantiate
from omegaconf import OmegaConf

from conftest import tiny_classifier
from lmac.explainers.base import Explainer
from lmac.tasks.config import CONFIG_DIR
from test_factorizations import write_tiny_sepformer

BASELINE_MODULES = ("lmac.explainers.lime.", "lmac.explainers.gradients.")
METHODS = sorted(p.stem for p in (CONFIG_DIR / "method").glob("*.yaml")
                 if OmegaConf.load(p).get("_target_", "").startswith(BASELINE_MODULES))


def test_every_baseline_has_a_config():
    assert {"lime_oracle", "lime_nmf", "lime_sepformer", "saliency", "integrated_gradients", "smoothgrad",
            "gradcam"} <= set(METHODS)


@pytest.mark.parametrize("method", METHODS)
def test_method_config_instantiates(method, tmp_path):
    cfg = OmegaConf.load(CONFIG_DIR / "method" / f"{method}.yaml")
    assert "classifier" not in cfg  # passed at wiring time
    if method == "lime_sepformer":  # a local model folder must be named
        write_tiny_sepformer(tmp_path / "sep")
        cfg.factorization.source.separator.source = str(tmp_path / "sep")
    classifier = tiny_classifier()
    explainer = instantiate(cfg, classifier=classifier)
    assert isinstance(explainer, Explainer) and explainer.classifier is classifier and explainer.name == method
