import math

import pytest
import torch
from conftest import tiny_classifier, tiny_head

from lmac.explainers import LMAC, Explainer
from lmac.explanation import Explanation
from lmac.metrics.sanity import (
    cascading_randomization,
    layer_order,
    model_randomization,
    passes_randomization,
    randomize_layers,
    rank_correlation,
)
from lmac.spectral import STFT, STFTConfig


class ConstantMap(Explainer):
    """A saliency that ignores the classifier: it cannot pass the check."""

    name = "constant"
    grid = STFTConfig()

    def __init__(self, classifier):
        self.classifier = classifier

    def explain(self, wav, target=None):
        wav, target = self.prepare(wav, target)
        saliency = torch.linspace(0, 1, 257)[None, :, None].expand(wav.shape[0], 257, wav.shape[1] // 128 + 1)
        return Explanation(wav, wav, torch.zeros_like(wav), saliency, target, self.name, self.sample_rate, self.grid)


class GradientMap(ConstantMap):
    """|d logit / d STFT magnitude|: depends on the classifier's weights."""

    name = "gradient"

    def explain(self, wav, target=None):
        wav, target = self.prepare(wav, target)
        mag, _ = STFT(self.grid)(wav)
        mag.requires_grad_(True)
        logits = self.classifier.logits_from_magnitude(mag)
        (grad,) = torch.autograd.grad(logits.gather(1, target[:, None]).sum(), mag)
        saliency = grad.abs() / grad.abs().flatten(1).amax(1)[:, None, None]
        return Explanation(wav, wav, torch.zeros_like(wav), saliency, target, self.name, self.sample_rate, self.grid)


def _wav(n=2, seconds=0.5):
    return 0.1 * torch.randn(n, int(16000 * seconds), generator=torch.Generator().manual_seed(0))


def test_rank_correlation_hand_computed():
    a = torch.tensor([[1.0, 2, 3, 4], [1.0, 2, 3, 4]])
    b = torch.tensor([[1.0, 3, 2, 4], [4.0, 3, 2, 1]])
    # Spearman = 1 - 6 sum d^2 / (n (n^2 - 1)) = 1 - 12 / 60 = 0.8; reversed order: -1.
    assert torch.allclose(rank_correlation(a, b), torch.tensor([0.8, -1.0]))
    assert rank_correlation(torch.ones(1, 5), torch.ones(1, 5)).item() == 1.0  # unchanged constant map
    assert rank_correlation(torch.ones(1, 4), a[:1]).item() == 0.0
    assert math.isclose(passes_randomization(torch.tensor([[0.9, 0.9], [0.2, 0.95]])).sum().item(), 1.0)


def test_layer_order_is_forward_order_of_weight_layers():
    clf = tiny_classifier()
    order = layer_order(clf, _wav(1))
    assert order[-1] == "fc" and order[0].startswith("blocks.0")
    assert len(order) == 5  # two convs per block, two blocks, one linear


def test_randomize_layers_touches_only_the_named_layers():
    clf = tiny_classifier()
    before = {k: v.clone() for k, v in clf.state_dict().items()}
    copy = randomize_layers(clf, ["fc"], seed=0)
    assert all(torch.equal(v, clf.state_dict()[k]) for k, v in before.items())  # original untouched
    changed = {k for k, v in copy.state_dict().items() if not torch.equal(v, before[k])}
    assert changed == {"fc.weight", "fc.bias"}
    steps = cascading_randomization(clf, _wav(1))
    assert [name for name, _ in steps] == layer_order(clf, _wav(1))[::-1]


def test_map_that_ignores_the_model_fails_and_a_gradient_map_passes():
    clf = tiny_classifier()
    wav = _wav()
    target = clf(wav).argmax(-1)
    constant = model_randomization(ConstantMap(clf), wav, target)
    assert constant["correlation"].shape == (5, 2)
    assert torch.all(constant["correlation"] == 1) and passes_randomization(constant["correlation"]).sum() == 0
    gradient = model_randomization(GradientMap(clf), wav, target)
    assert gradient["layers"] == constant["layers"] and gradient["layers"][0] == "fc"
    assert torch.all(gradient["correlation"][-1] < 0.8) and passes_randomization(gradient["correlation"]).sum() == 2


def test_with_classifier_swaps_only_the_copy():
    clf, other = tiny_classifier(), tiny_classifier()
    plain = ConstantMap(clf)
    assert plain.with_classifier(other).classifier is other and plain.classifier is clf
    lmac = LMAC(clf, tiny_head(clf))
    moved = lmac.with_classifier(other)
    assert isinstance(moved, LMAC) and moved.classifier is other and lmac.classifier is clf and moved.head is lmac.head


def test_default_with_classifier_on_a_module_explainer_keeps_the_original():
    class ModuleExplainer(torch.nn.Module, Explainer):
        def __init__(self, classifier):
            super().__init__()
            self.classifier = classifier

        def explain(self, wav, target=None):
            raise NotImplementedError

    clf, other = tiny_classifier(), tiny_classifier()
    original = ModuleExplainer(clf)
    moved = original.with_classifier(other)
    assert moved.classifier is other and original.classifier is clf
    with pytest.raises(NotImplementedError):
        moved.explain(_wav(1))
