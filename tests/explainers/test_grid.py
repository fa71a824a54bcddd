"""The STFT grid travels with the saliency: every spectral producer honours its ``stft`` argument,
and stitching, saving and checkpoints carry the grid instead of rebuilding the default."""

import json

import pytest
import torch
from conftest import tiny_classifier
from explainer_zoo import lime, mixtures, wave_classifier

from lmac.explainers import LMAC, explain_clip
from lmac.explainers.factorizations import NMFFactorization, OracleStems, TimeFrequencyGrid
from lmac.explainers.gradients import GradCAM, IntegratedGradients, Saliency, SmoothGrad
from lmac.explanation import Explanation
from lmac.heads import SepFormerMaskHead, SpectrogramMaskHead
from lmac.spectral import STFT, STFTConfig

GRID = STFTConfig(1024, 256)  # the L-MAC paper's ESC-50 grid, not the default


def _heads(classifier):
    torch.manual_seed(1)
    shapes, n = classifier.feature_shapes(), classifier.n_classes
    return {
        "spectrogram": SpectrogramMaskHead(shapes, n, stft=GRID, tap_channels=8, hidden=16),
        "sepformer": SepFormerMaskHead(
            shapes,
            n,
            n_channels=8,
            kernel_size=16,
            masker_channels=8,
            chunk_size=20,
            n_dual_blocks=1,
            n_layers=1,
            n_heads=2,
            d_ffn=16,
            tap_channels=4,
            stft=GRID,
        ),
    }


PRODUCERS = {
    "saliency": lambda c: Saliency(c, stft=GRID),
    "integrated_gradients": lambda c: IntegratedGradients(c, n_steps=2, stft=GRID),
    "smoothgrad": lambda c: SmoothGrad(c, n_samples=2, stft=GRID),
    "gradcam": lambda c: GradCAM(c, stft=GRID),
    "lime_oracle": lambda c: lime(c, OracleStems(), n_samples="exhaustive", stft=GRID),
    "lime_nmf": lambda c: lime(c, NMFFactorization(2, max_iter=20, stft=GRID), stft=GRID),
    "lime_slime": lambda c: lime(c, TimeFrequencyGrid(2, 2, stft=GRID), stft=GRID),
    "lmac": lambda c: LMAC(c, _heads(c)["spectrogram"]),
    "lmac_td": lambda c: LMAC(c, _heads(c)["sepformer"]),
}


@pytest.mark.parametrize("name", sorted(PRODUCERS))
def test_every_producer_puts_its_saliency_on_its_grid(name):
    classifier = tiny_classifier()
    explainer = PRODUCERS[name](classifier)
    wav, stems = mixtures(1)
    explainer.bind_stems(stems)
    exp = explainer.explain(wav)
    assert explainer.grid == exp.grid == GRID
    assert exp.saliency.shape == (1, *GRID.shape(wav.shape[-1])) == (1, 513, wav.shape[-1] // 256 + 1)


def test_gradients_on_another_grid_than_the_classifiers_go_through_audio():
    """The demo CNN's ``logits_from_magnitude`` takes its own 512 / 128 magnitudes: on another grid the
    attribution must go through the inverse STFT (same result as a classifier without the fast path)."""
    classifier = tiny_classifier()
    wav = 0.3 * torch.randn(1, classifier.clip_samples, generator=torch.Generator().manual_seed(0))
    stft = STFT(GRID)
    mag, phase = stft(wav)
    mag = mag.detach().requires_grad_()
    classifier(stft.inverse(mag, phase, wav.shape[-1]))[0, 2].backward()
    expected = mag.grad.abs() / mag.grad.abs().amax()
    assert torch.allclose(Saliency(classifier, stft=GRID).explain(wav, target=2).saliency, expected, atol=1e-4)


@pytest.mark.parametrize("seconds", [0.3, 1.2])  # padded and cropped / stitched from windows
def test_explain_clip_keeps_the_explainers_grid(seconds):
    classifier = wave_classifier()
    wav = 0.3 * torch.randn(int(16000 * seconds), generator=torch.Generator().manual_seed(1))
    exp = explain_clip(Saliency(classifier, stft=GRID), wav)
    assert exp.grid == GRID and exp.saliency.shape == (1, *GRID.shape(len(wav)))


def test_explanation_refuses_a_saliency_off_its_grid_and_saves_the_grid(tmp_path):
    wav = torch.randn(1, 8000)
    target = torch.zeros(1, dtype=torch.long)
    with pytest.raises(ValueError, match="not on its grid"):
        Explanation(wav, wav, wav, torch.rand(1, 257, 63), target, "m", 16000, GRID)
    Explanation(wav, wav, wav, torch.rand(1, 513, 32), target, "m", 16000, GRID).save(tmp_path, "clip")
    assert json.loads((tmp_path / "clip.json").read_text())["grid"] == {"n_fft": 1024, "hop_length": 256}


@pytest.mark.parametrize("kind", ["spectrogram", "sepformer"])
def test_a_heads_grid_survives_export_and_load(tmp_path, kind):
    classifier = tiny_classifier()
    LMAC(classifier, _heads(classifier)[kind]).export(tmp_path / "explainer.pt")
    loaded = LMAC.from_pretrained(tmp_path / "explainer.pt")
    assert loaded.head.config()["stft"] == GRID.to_dict() and loaded.grid == GRID


def test_grid_values_are_checked():
    assert STFTConfig.of(None) == STFTConfig() and STFTConfig.of({"n_fft": 1024, "hop_length": 256}) == GRID
    with pytest.raises(ValueError, match="hop_length"):
        STFTConfig(256, 512)
    with pytest.raises(TypeError, match="stft"):
        STFTConfig.of(1024)
