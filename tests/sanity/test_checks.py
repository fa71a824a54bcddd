"""Each sanity check can fail: classifier-free and class-blind explainers fail the checks that look for them."""

import math

import pytest
import torch
from conftest import tiny_classifier

from lmac.data import SyntheticMixtures, TwoSources
from lmac.explainers import Explainer, InputReference, Saliency, SpectrumControl
from lmac.explanation import Explanation
from lmac.sanity import (
    Check,
    class_sensitivity,
    kept_head_randomization,
    retrained_maps,
    saturation,
    target_swap,
    to_markdown,
)


class SourceOracle(Explainer):
    """Explains mixture ``m`` for its first class with its first source and for its second class with the second
    (``explain(cat([mix, mix]), cat([classes[:, 0], classes[:, 1]]))``, as the check calls it)."""

    name = "oracle"

    def __init__(self, classifier, sources):
        self.classifier, self.sources, self.grid = classifier, sources, SpectrumControl(classifier).grid

    def explain(self, wav, target=None):
        wav, target = self.prepare(wav, target)
        explanation = torch.cat([self.sources[:, 0], self.sources[:, 1]])
        saliency = torch.rand(wav.shape[0], *self.grid.shape(wav.shape[-1]), generator=torch.Generator().manual_seed(0))
        return Explanation(
            wav, explanation, wav - explanation, saliency, target, self.name, self.sample_rate, self.grid
        )


def _mixtures(n=4):
    data = TwoSources(SyntheticMixtures("instruments", "test", n_items=2 * n, seed=0, clip_seconds=0.5))
    items = [data[i] for i in range(n)]
    return tuple(torch.stack([it[k] for it in items]) for k in ("wav", "sources", "classes"))


def _passed(checks):
    return {c.name: c.passed for c in checks}


def test_the_control_fails_class_sensitivity_and_an_oracle_passes():
    clf = tiny_classifier()
    mix, sources, classes = _mixtures()
    control = SpectrumControl(clf)
    blind = class_sensitivity(control, control, mix, sources, classes)
    assert blind[0].value == 0 and not any(c.passed for c in blind)  # one map for both classes
    oracle = class_sensitivity(SourceOracle(clf, sources), control, mix, sources, classes)
    assert _passed(oracle) == {
        "both classes kept": True,
        "beats the control: both kept": True,
        "beats the control: asked share": True,
    }
    assert oracle[1].threshold == 0 and oracle[0].n == 4


def test_a_map_that_ignores_the_classifier_fails_randomisation_and_target_swap():
    clf = tiny_classifier()
    wav = _mixtures()[0]
    target = clf(wav).argmax(dim=-1)
    control = SpectrumControl(clf)
    kept = kept_head_randomization(control, wav, target)
    assert kept.value == pytest.approx(1) and kept.passed is False and list(kept.detail)[0] == "fc"
    assert target_swap(control, wav).passed is False
    gradient = Saliency(clf)
    assert kept_head_randomization(gradient, wav, target).value < 0.95  # it depends on the weights
    assert target_swap(gradient, wav).value < 0.99  # and on the class
    same = retrained_maps("head retrained", control.explain(wav, target).saliency, control, wav, target)
    assert same.value == pytest.approx(1) and same.passed is False


def test_a_saturated_mask_fails_and_a_soft_one_passes():
    clf = tiny_classifier()
    wav = _mixtures()[0]
    target = clf(wav).argmax(dim=-1)
    assert saturation(InputReference(clf), wav, target).value == 0  # mask 1 everywhere
    assert saturation(SpectrumControl(clf), wav, target).passed


def test_a_check_that_did_not_run_reads_not_run():
    checks = [
        Check("a", 0.2, "at most", 0.3, 8),
        Check("b", math.nan, "at most", 0.3, 0),
        Check("c", 0.1, "above", 0.1, 4),
    ]
    assert [c.passed for c in checks] == [True, None, False]
    table = to_markdown(checks)
    assert "| a | 0.200 | at most 0.300 | 8 | pass |" in table and "| b | – | at most 0.300 | 0 | not run |" in table
    assert "| c | 0.100 | above 0.100 | 4 | FAIL |" in table
