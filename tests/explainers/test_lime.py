"""SourceLIME: perturbations, kernel, surrogate, and recovering the stem a toy classifier hears."""

import math

import numpy as np
import pytest
import torch
from conftest import SR

from lmac.classifiers.base import AudioClassifier
from lmac.explainers.factorizations import OracleStems, TimeSegments
from lmac.explainers.lime import SourceLIME, fit_surrogate, kernel_weights, perturbations
from lmac.spectral import STFT

T = SR // 2


class BandListener(AudioClassifier):
    """Toy classifier: class 0 ('piano') scores the STFT energy around 1 kHz, class 1 is constant."""

    def __init__(self):
        super().__init__(SR, ["piano", "other"], 0.5)
        self.stft = STFT()
        self.freeze()

    def forward(self, wav):
        mag, _ = self.stft(wav)
        band = mag[:, 30:35].mean(dim=(1, 2))  # bin 32 = 1 kHz
        return torch.stack([band / 5 - 1, torch.zeros_like(band)], dim=-1)

    def features(self, wav):
        return [self.stft(wav)[0].unsqueeze(1)]


def _tone(freq, amp=0.3):
    return amp * torch.sin(2 * math.pi * freq * torch.arange(T) / SR)


@pytest.fixture
def stems():
    noise = 0.05 * torch.randn(T, generator=torch.Generator().manual_seed(0))
    return {"bass": _tone(200)[None], "piano": _tone(1000)[None], "drums": _tone(3000)[None], "noise": noise[None]}


def test_oracle_exhaustive_recovers_the_stem_the_classifier_hears(stems):
    lime = SourceLIME(BandListener(), OracleStems(), n_samples="exhaustive", top_k=1, progress=False)
    lime.bind_stems(stems)
    wav = sum(stems.values())
    exp = lime.explain(wav, target="piano")
    weights = dict(zip(exp.extras["components"], exp.extras["weights"][0].tolist()))
    assert exp.extras["selected"] == [["piano"]] and exp.extras["n_samples"] == [16]
    assert weights["piano"] > 0.2 and all(abs(w) < weights["piano"] / 10 for k, w in weights.items() if k != "piano")
    assert torch.equal(exp.explanation_wav, stems["piano"]) and torch.equal(exp.residual_wav, wav - stems["piano"])


def test_unregularised_surrogate_weight_is_the_stems_effect(stems):
    classifier = BandListener()
    lime = SourceLIME(classifier, OracleStems(), n_samples="exhaustive", alpha=1e-8, progress=False)
    lime.bind_stems(stems)
    wav = sum(stems.values())
    exp = lime.explain(wav, target=0)
    with torch.no_grad():
        effect = classifier(wav).softmax(-1)[0, 0] - classifier(wav - stems["piano"]).softmax(-1)[0, 0]
    weights = dict(zip(exp.extras["components"], exp.extras["weights"][0].tolist()))
    assert abs(weights["piano"] - effect) < 0.02 and exp.extras["r2"][0] > 0.99


def test_sampled_oracle_with_time_segments_ranks_piano_first(stems):
    lime = SourceLIME(BandListener(), TimeSegments(2, OracleStems()), n_samples=200, top_k=2, progress=False)
    lime.bind_stems(stems)
    exp = lime.explain(sum(stems.values()), target=0)
    assert sorted(exp.extras["selected"][0]) == ["piano0", "piano1"]
    assert exp.extras["components"][:2] == ["bass0", "bass1"]


def test_silent_components_get_weight_zero_and_are_not_sampled(stems):
    stems = {**stems, "organ": torch.zeros(1, T)}
    lime = SourceLIME(BandListener(), OracleStems(), n_samples="exhaustive", top_k=None, progress=False)
    lime.bind_stems(stems)
    exp = lime.explain(sum(stems.values()), target=0)
    assert exp.extras["n_samples"] == [16]
    assert exp.extras["weights"][0, exp.extras["components"].index("organ")] == 0
    assert "piano" in exp.extras["selected"][0] and "organ" not in exp.extras["selected"][0]


def test_oracle_stems_must_be_bound_and_match(stems):
    lime = SourceLIME(BandListener(), OracleStems(), n_samples="exhaustive", progress=False)
    wav = sum(stems.values())
    with pytest.raises(RuntimeError, match="bind_stems"):
        lime.explain(wav)
    lime.bind_stems({k: v[:, :100] for k, v in stems.items()})
    with pytest.raises(ValueError, match="shape"):
        lime.explain(wav)
    lime.bind_stems(stems)
    with pytest.raises(ValueError, match="do not sum"):
        lime.explain(wav * 0.5)
    lime.bind_stems(None)
    with pytest.raises(RuntimeError, match="bind_stems"):
        lime.explain(wav)


def test_perturbations():
    z = perturbations(3, "exhaustive", np.random.default_rng(0))
    assert z.shape == (8, 3) and (z[0] == 1).all() and len({tuple(r) for r in z}) == 8
    z = perturbations(5, 400, np.random.default_rng(0))
    assert z.shape == (400, 5) and (z[0] == 1).all() and set(np.unique(z)) == {0.0, 1.0}
    assert abs(z[1:].mean() - 0.5) < 0.05
    assert np.array_equal(z, perturbations(5, 400, np.random.default_rng(0)))
    with pytest.raises(ValueError, match="exhaustive"):
        perturbations(20, "exhaustive", np.random.default_rng(0))
    for bad in (1, "all", 2.5):
        with pytest.raises(ValueError, match="n_samples"):
            perturbations(3, bad, np.random.default_rng(0))
    with pytest.raises(ValueError, match="n_samples"):
        SourceLIME(BandListener(), OracleStems(), n_samples=0)


def test_kernel_weights_by_hand():
    z = np.array([[1, 1], [1, 0], [0, 0]], dtype=float)
    d = np.array([0.0, 1 - 1 / math.sqrt(2), 1.0])  # cosine distance to (1, 1); a zero vector is at distance 1
    assert np.allclose(kernel_weights(z, 0.25), np.exp(-(d**2) / 0.0625))


def test_surrogate_recovers_a_linear_function():
    z = perturbations(3, "exhaustive", np.random.default_rng(0))
    coef, intercept, r2 = fit_surrogate(z, 2 * z[:, 0] + 0.5 - z[:, 2], alpha=1e-8)
    assert np.allclose(coef, [2, 0, -1], atol=1e-5) and abs(intercept - 0.5) < 1e-5 and r2 > 0.999999


def test_top_k_none_keeps_every_positive_component():
    lime = SourceLIME(BandListener(), OracleStems(), top_k=None)
    assert lime._select(torch.tensor([0.5, -1.0, 0.1, 0.0])).tolist() == [1, 0, 1, 0]
    lime.top_k = 1
    assert lime._select(torch.tensor([0.5, -1.0, 0.7, 0.0])).tolist() == [0, 0, 1, 0]


class TwoBands(AudioClassifier):
    """Toy tagger: 'piano' scores the energy around 1 kHz, 'drums' around 3 kHz."""

    def __init__(self, output):
        super().__init__(SR, ["piano", "drums"], 0.5, output=output)
        self.stft = STFT()
        self.freeze()

    def forward(self, wav):
        mag, _ = self.stft(wav)
        return torch.stack([mag[:, 30:35].mean(dim=(1, 2)), mag[:, 94:99].mean(dim=(1, 2))], dim=-1) / 5 - 1

    def features(self, wav):
        return [self.stft(wav)[0].unsqueeze(1)]


def test_regression_target_follows_the_output_type(stems):
    """With independent sigmoids another class's source does not move the target's probability: LIME gives
    the drums no weight for 'piano'; a softmax makes the two classes compete, so the drums weigh against it."""
    three = {k: stems[k] for k in ("bass", "piano", "drums")}
    wav = sum(three.values())
    weights = {}
    for output in ("sigmoid", "softmax"):
        lime = SourceLIME(TwoBands(output), OracleStems(), n_samples="exhaustive", alpha=1e-8, progress=False)
        lime.bind_stems(three)
        exp = lime.explain(wav, target="piano")
        weights[output] = dict(zip(exp.extras["components"], exp.extras["weights"][0].tolist()))
    clf = TwoBands("sigmoid")
    with torch.no_grad():
        effect = (clf.probabilities(clf(three["piano"])) - clf.probabilities(clf(torch.zeros(1, T))))[0, 0].item()
    assert weights["sigmoid"]["piano"] == pytest.approx(effect, rel=1e-3)
    assert abs(weights["sigmoid"]["drums"]) < 1e-3 and abs(weights["sigmoid"]["bass"]) < 1e-3  # (window leakage)
    assert weights["softmax"]["drums"] < -0.05
