"""One contract, run over every explainer: shapes, ranges, determinism, batch of one, targets."""

import copy

import pytest
import torch
from explainer_zoo import ZOO, mixtures

from lmac.explanation import Explanation
from lmac.spectral import STFTConfig


def _explain(explainer, wav, stems, target=None) -> Explanation:
    explainer.bind_stems(stems)  # as the benchmark does; a no-op for methods without oracle sources
    return explainer.explain(wav, target=target)


def _fingerprint(exp: Explanation) -> torch.Tensor:
    """What a seed changes: LIME's surrogate weights, else the saliency."""
    return exp.extras.get("weights", exp.saliency)


@pytest.fixture(params=sorted(ZOO), scope="module")
def case(request):
    factory, make_classifier, stochastic, batch_invariant = ZOO[request.param]
    classifier = make_classifier()
    return request.param, factory(classifier), classifier, stochastic, batch_invariant


@pytest.fixture(scope="module")
def data():
    return mixtures(2)


def test_shapes_ranges_and_own_target(case, data):
    _, explainer, classifier, _, _ = case
    wav, stems = data
    exp = _explain(explainer, wav, stems)
    grid = STFTConfig()
    assert exp.wav.shape == exp.explanation_wav.shape == exp.residual_wav.shape == wav.shape
    assert exp.saliency.shape == (2, grid.n_freq, grid.n_frames(wav.shape[-1]))
    assert exp.saliency.min() >= 0 and exp.saliency.max() <= 1
    assert torch.isfinite(exp.explanation_wav).all() and torch.isfinite(exp.residual_wav).all()
    assert exp.explanation_wav.abs().max() <= wav.abs().max() * 4
    with torch.no_grad():
        assert exp.target.tolist() == classifier(wav).argmax(-1).tolist()
    assert exp.method == explainer.name and exp.sample_rate == classifier.sample_rate
    assert isinstance(exp.extras, dict)


def test_explanation_plus_residual_is_the_input(case, data):
    _, explainer, _, _, _ = case
    wav, stems = data
    exp = _explain(explainer, wav, stems)
    assert torch.allclose(exp.explanation_wav + exp.residual_wav, wav, atol=1e-5)


def test_given_targets(case, data):
    _, explainer, classifier, _, _ = case
    wav, stems = data
    assert _explain(explainer, wav, stems, target=["organ", 1]).target.tolist() == [2, 1]
    assert _explain(explainer, wav, stems, target=3).target.tolist() == [3, 3]


def test_deterministic_with_a_seed(case, data):
    _, explainer, _, stochastic, _ = case
    wav, stems = data
    first, second = _explain(explainer, wav, stems), _explain(explainer, wav, stems)
    assert torch.equal(first.explanation_wav, second.explanation_wav)
    assert torch.equal(first.saliency, second.saliency)
    if stochastic:  # the seed is what makes it repeatable: another seed gives another answer
        other = copy.copy(explainer)
        other.seed = explainer.seed + 1
        assert not torch.equal(_fingerprint(_explain(other, wav, stems)), _fingerprint(first))


def test_batch_of_one(case, data):
    _, explainer, _, _, batch_invariant = case
    wav, stems = data
    one = _explain(explainer, wav[0], {k: v[0] for k, v in stems.items()}, target=1)
    assert one.wav.shape == one.explanation_wav.shape == (1, wav.shape[-1]) and one.target.tolist() == [1]
    if batch_invariant:
        both = _explain(explainer, wav, stems, target=1)
        assert torch.allclose(one.explanation_wav, both.explanation_wav[:1], atol=1e-5)
