import math

import pytest
import torch

from lmac.metrics import area_under_curve, deletion_curve, deletion_insertion_curves, insertion_curve, target_prob
from lmac.metrics.curves import _keep_masks
from lmac.spectral import STFT, STFTConfig

GRID = STFTConfig()

SR = 16000


class BandEnergy(torch.nn.Module):
    """Logits [0, log(1 + 1e3 * energy in the 1-2 kHz band)]: class 1 is 'there is 1-2 kHz energy'."""

    def forward(self, wav):
        mag, _ = STFT()(wav)
        freqs = torch.arange(mag.shape[1]) * SR / 512
        band = (freqs >= 1000) & (freqs < 2000)
        energy = mag[:, band].pow(2).mean(dim=(1, 2))
        return torch.stack([torch.zeros_like(energy), torch.log1p(1e3 * energy)], dim=1)


def _tones():
    t = torch.arange(SR // 2) / SR
    return (0.3 * torch.sin(2 * math.pi * 1500 * t) + 0.3 * torch.sin(2 * math.pi * 300 * t))[None]


def _band_saliency(wav, inside: bool):
    mag, _ = STFT()(wav)
    freqs = torch.arange(mag.shape[1]) * SR / 512
    band = ((freqs >= 1000) & (freqs < 2000)).float()[None, :, None].expand_as(mag)
    return band if inside else 1 - band


def test_keep_masks_hand_computed():
    saliency = torch.tensor([[[0.9, 0.1], [0.5, 0.7]]])  # order of bins: 0, 3, 2, 1
    deletion = _keep_masks(saliency, steps=2, deletion=True)
    insertion = _keep_masks(saliency, steps=2, deletion=False)
    assert deletion.shape == (3, 1, 2, 2)
    assert deletion[:, 0].tolist() == [[[1, 1], [1, 1]], [[0, 1], [1, 0]], [[0, 0], [0, 0]]]
    assert insertion[:, 0].tolist() == [[[0, 0], [0, 0]], [[1, 0], [0, 1]], [[1, 1], [1, 1]]]


def test_area_under_curve_hand_computed():
    assert torch.allclose(area_under_curve(torch.tensor([[1.0, 0.5, 0.0], [1.0, 1.0, 1.0]])), torch.tensor([0.5, 1.0]))
    with pytest.raises(ValueError):
        area_under_curve(torch.ones(1, 1))


def test_curve_endpoints_are_input_and_silence():
    clf, wav, target = BandEnergy(), _tones(), torch.tensor([1])
    saliency = torch.rand(1, 257, wav.shape[1] // 128 + 1)
    p = target_prob(clf(wav), target, output="softmax").item()
    p_silence = target_prob(clf(torch.zeros_like(wav)), target, output="softmax").item()
    deletion = deletion_curve(clf, wav, saliency, target, steps=4, grid=GRID, output="softmax")
    insertion = insertion_curve(clf, wav, saliency, target, steps=4, grid=GRID, output="softmax")
    assert deletion.shape == insertion.shape == (1, 5)
    assert math.isclose(deletion[0, 0].item(), p, rel_tol=1e-4) and math.isclose(deletion[0, -1].item(), p_silence)
    assert math.isclose(insertion[0, -1].item(), p, rel_tol=1e-4) and math.isclose(insertion[0, 0].item(), p_silence)


def test_saliency_on_the_evidence_beats_the_opposite():
    clf, wav, target = BandEnergy(), _tones(), torch.tensor([1])
    good, bad = _band_saliency(wav, True), _band_saliency(wav, False)
    del_good = area_under_curve(deletion_curve(clf, wav, good, target, grid=GRID, output="softmax")).item()
    del_bad = area_under_curve(deletion_curve(clf, wav, bad, target, grid=GRID, output="softmax")).item()
    ins_good = area_under_curve(insertion_curve(clf, wav, good, target, grid=GRID, output="softmax")).item()
    ins_bad = area_under_curve(insertion_curve(clf, wav, bad, target, grid=GRID, output="softmax")).item()
    assert del_good < del_bad - 0.3 and ins_good > ins_bad + 0.3


def test_saliency_is_scored_on_the_grid_it_comes_with():
    """A head with its own STFT (n_fft 1024, hop 256, as on ESC-50) is scored on its grid, which the
    caller passes (``Explanation.grid``); nothing is guessed from the shape."""
    clf, wav, target = BandEnergy(), _tones(), torch.tensor([1])
    grid = STFTConfig(1024, 256)
    saliency = torch.rand(1, 513, wav.shape[1] // 256 + 1, generator=torch.Generator().manual_seed(0))
    deletion, insertion = deletion_insertion_curves(clf, wav, saliency, target, steps=3, grid=grid, output="softmax")
    p = target_prob(clf(wav), target, output="softmax").item()
    assert math.isclose(deletion[0, 0].item(), p, rel_tol=1e-4) and math.isclose(
        insertion[0, -1].item(), p, rel_tol=1e-4
    )
    keep = _keep_masks(saliency, 3, deletion=True)[1]  # a third of the bins removed, by hand on the 1024 / 256 grid
    stft = STFT(grid)
    mag, phase = stft(wav)
    expected = target_prob(clf(stft.inverse(keep * mag, phase, wav.shape[-1])), target, output="softmax")
    assert torch.allclose(deletion[:, 1], expected, atol=1e-6)
    with pytest.raises(ValueError, match="STFT grid"):  # the same map read on the default grid
        deletion_curve(clf, wav, saliency, target, steps=3, grid=GRID, output="softmax")


def test_saliency_off_the_grid_is_rejected():
    with pytest.raises(ValueError, match="STFT grid"):
        deletion_curve(BandEnergy(), _tones(), torch.rand(1, 10, 10), torch.tensor([1]), grid=GRID, output="softmax")


def test_batched_pair_equals_the_single_curves():
    clf, wav, target = BandEnergy(), _tones().repeat(2, 1), torch.tensor([1, 0])
    saliency = torch.rand(2, 257, wav.shape[1] // 128 + 1, generator=torch.Generator().manual_seed(0))
    deletion, insertion = deletion_insertion_curves(clf, wav, saliency, target, steps=3, grid=GRID, output="softmax")
    assert torch.allclose(deletion, deletion_curve(clf, wav, saliency, target, steps=3, grid=GRID, output="softmax"))
    assert torch.allclose(insertion, insertion_curve(clf, wav, saliency, target, steps=3, grid=GRID, output="softmax"))
    assert torch.allclose(deletion[1] + deletion[0], torch.ones(4), atol=1e-6)  # two classes, two targets
