"""Per-clip features of explanations: component weights, stem shares, band mass."""

import math

import pytest
import torch

from lmac.explanation import Explanation
from lmac.global_ import BandMass, ComponentWeights, StemShares, band_edges
from lmac.spectral import STFTConfig

SR = 16000


def _exp(wav, explanation, extras=None):
    grid = STFTConfig()
    saliency = torch.zeros(wav.shape[0], *grid.shape(wav.shape[-1]))
    return Explanation(
        wav,
        explanation,
        wav - explanation,
        saliency,
        torch.zeros(wav.shape[0], dtype=torch.long),
        "test",
        SR,
        grid,
        extras or {},
    )


def _tone(hz, n=SR // 2):
    return torch.sin(2 * math.pi * hz * torch.arange(n) / SR)


def test_component_weights_read_the_extras_and_mark_unsampled_components_absent():
    wav = torch.randn(2, 800)
    exp = _exp(wav, wav, {"components": ["a", "b"], "weights": torch.tensor([[0.5, 0.0], [-0.2, 0.1]])})
    feats = ComponentWeights()(exp, None)
    assert feats.names == ["a", "b"] and feats.kind == "component weight"
    assert (
        feats.weights[0, 0] == 0.5
        and math.isnan(feats.weights[0, 1])
        and feats.weights[1].tolist() == pytest.approx([-0.2, 0.1])
    )
    assert ComponentWeights()(_exp(wav, wav), None) is None  # a mask method has no component weights


def test_stem_shares_follow_the_explanation_and_mark_silent_stems_absent():
    low, high = 0.5 * _tone(220), 0.5 * _tone(3000)
    stems = {
        "low": torch.stack([low, low]),
        "high": torch.stack([high, high]),
        "silent": torch.zeros(2, len(low)),
        "contamination": torch.stack([low, low]),
    }
    wav = stems["low"] + stems["high"]
    exp = _exp(wav, torch.stack([low, high]))  # clip 0 explained by the low stem, clip 1 by the high one
    feats = StemShares()(exp, stems)
    assert feats.names == ["low", "high", "silent"]  # the contamination stem is left out
    assert feats.weights[0, :2].tolist() == pytest.approx([1.0, 0.0], abs=1e-3)
    assert feats.weights[1, :2].tolist() == pytest.approx([0.0, 1.0], abs=1e-3)
    assert torch.isnan(feats.weights[:, 2]).all()
    assert StemShares()(exp, None) is None


def test_band_mass_puts_a_tone_in_its_band():
    edges = band_edges(8, SR)
    assert edges[0] == 0 and edges[1] == pytest.approx(100) and edges[-1] == pytest.approx(SR / 2) and len(edges) == 9
    wav = torch.stack([_tone(440) + _tone(5000), _tone(440) + _tone(5000)])
    exp = _exp(wav, torch.stack([_tone(440), _tone(5000)]))
    feats = BandMass()(exp, None)
    band_440 = next(k for k in range(8) if edges[k] <= 440 < edges[k + 1])
    band_5k = next(k for k in range(8) if edges[k] <= 5000 < edges[k + 1])
    assert feats.weights.sum(1).tolist() == pytest.approx([1.0, 1.0])
    assert feats.weights[0, band_440] > 0.9 and feats.weights[1, band_5k] > 0.9
    assert feats.names[0] == "0-100 Hz" and feats.kind == "band mass"


def test_band_mass_refuses_no_bands():
    with pytest.raises(ValueError, match="n_bands"):
        BandMass(n_bands=0)
