"""Gradient baselines: the masks are captum's attributions, by hand, on both classifier paths."""

import copy

import pytest
import torch
from conftest import tiny_classifier
from explainer_zoo import wave_classifier

from lmac.explainers.gradients import GradCAM, IntegratedGradients, Saliency, SmoothGrad, magnitude_forward
from lmac.spectral import STFT


def _hand_saliency(classifier, wav, target, through_audio):
    """|d logit_target / d mag| / max, computed with plain autograd."""
    stft = STFT()
    mag, phase = stft(wav)
    mag = mag.detach().requires_grad_()
    logits = (
        classifier(stft.inverse(mag, phase, wav.shape[-1])) if through_audio else classifier.logits_from_magnitude(mag)
    )
    logits[torch.arange(len(wav)), target].sum().backward()
    grad = mag.grad.abs()
    return grad / grad.amax(dim=(1, 2), keepdim=True)


@pytest.mark.parametrize("make,through_audio", [(tiny_classifier, False), (wave_classifier, True)])
def test_saliency_is_the_normalised_gradient(make, through_audio):
    classifier = make()
    assert hasattr(classifier, "logits_from_magnitude") != through_audio
    wav = 0.3 * torch.randn(2, classifier.clip_samples, generator=torch.Generator().manual_seed(0))
    exp = Saliency(classifier).explain(wav, target=[1, 2])
    assert torch.allclose(exp.saliency, _hand_saliency(classifier, wav, torch.tensor([1, 2]), through_audio), atol=1e-4)
    mag, phase = STFT()(wav)
    assert torch.allclose(exp.explanation_wav, STFT().inverse(exp.saliency * mag, phase, wav.shape[-1]), atol=1e-6)


def test_smoothgrad_without_noise_is_saliency_and_noise_changes_it():
    classifier = tiny_classifier()
    wav = 0.3 * torch.randn(1, classifier.clip_samples, generator=torch.Generator().manual_seed(1))
    plain = Saliency(classifier).explain(wav, target=0).saliency
    assert torch.allclose(
        SmoothGrad(classifier, n_samples=2, noise_level=0.0).explain(wav, target=0).saliency, plain, atol=1e-5
    )
    assert not torch.allclose(
        SmoothGrad(classifier, n_samples=2, noise_level=0.5).explain(wav, target=0).saliency, plain, atol=1e-3
    )


def test_integrated_gradients_complete_from_a_silent_baseline():
    classifier = wave_classifier()
    wav = 0.3 * torch.randn(1, classifier.clip_samples, generator=torch.Generator().manual_seed(2))
    stft = STFT()
    mag, phase = stft(wav)
    scale = mag.amax().reshape(1, 1, 1)
    forward = magnitude_forward(classifier, stft)
    args = (scale, phase, wav.shape[-1])
    attr = IntegratedGradients(classifier, n_steps=64).attribute(
        forward, (mag / scale).requires_grad_(), torch.tensor([3]), args
    )
    with torch.no_grad():
        gap = forward(mag / scale, *args)[0, 3] - forward(torch.zeros_like(mag), *args)[0, 3]
    assert torch.allclose(attr.sum(), gap, rtol=0.02, atol=1e-4)


def test_gradcam_layers():
    melcnn, wavenet = tiny_classifier(), wave_classifier()
    wav = 0.3 * torch.randn(1, melcnn.clip_samples, generator=torch.Generator().manual_seed(3))
    default = GradCAM(melcnn).explain(wav, target=1)
    named = GradCAM(melcnn, layer="blocks.1").explain(wav, target=1)
    assert torch.equal(default.saliency, named.saliency)  # the default is the deepest conv block
    assert not torch.equal(GradCAM(melcnn, layer="blocks.0").explain(wav, target=1).saliency, named.saliency)
    time_only = GradCAM(wavenet).explain(wav, target=1).saliency  # (B, C, L) layer: same over frequency
    assert torch.equal(time_only[:, 0], time_only[:, 200]) and time_only.max() > 0
    with pytest.raises(ValueError, match="not found"):
        GradCAM(melcnn, layer="nope").explain(wav)


def test_a_shallow_copy_with_another_classifier_explains_that_classifier():
    first, second = tiny_classifier(), wave_classifier()
    wav = 0.3 * torch.randn(1, first.clip_samples, generator=torch.Generator().manual_seed(4))
    for explainer in (
        Saliency(first),
        IntegratedGradients(first, n_steps=4),
        SmoothGrad(first, n_samples=2),
        GradCAM(first),
    ):
        other = copy.copy(explainer)
        other.classifier = second
        assert not torch.allclose(other.explain(wav, target=0).saliency, explainer.explain(wav, target=0).saliency)
        assert explainer.classifier is first
