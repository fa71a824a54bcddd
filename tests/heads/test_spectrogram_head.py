import torch

from conftest import tiny_head
from lmac.heads import SpectrogramMaskHead


def test_shapes_and_range(classifier):
    head = tiny_head(classifier)
    wav = torch.randn(2, classifier.clip_samples)
    out = head(wav, classifier.features(wav), torch.tensor([0, 3]))
    frames = classifier.clip_samples // 128 + 1
    assert out.explanation_wav.shape == out.residual_wav.shape == wav.shape
    assert out.mask.shape == (2, 257, frames)
    assert 0 <= out.mask.min() and out.mask.max() <= 1
    # explanation + residual rebuild the input (same phase, masks sum to one)
    assert torch.allclose(out.explanation_wav + out.residual_wav, wav, atol=1e-4)


def test_full_mask_gives_input_back(classifier):
    head = tiny_head(classifier)
    with torch.no_grad():
        head.conv_out.weight.zero_()
        head.conv_out.bias.fill_(40.0)  # sigmoid -> 1
    wav = torch.randn(1, classifier.clip_samples)
    out = head(wav, classifier.features(wav), torch.tensor([1]))
    assert torch.allclose(out.explanation_wav, wav, atol=1e-4)
    assert out.residual_wav.abs().max() < 1e-4


def test_target_conditioning_changes_the_mask(classifier):
    head = tiny_head(classifier)
    torch.nn.init.normal_(head.film.weight)
    wav = torch.randn(1, classifier.clip_samples)
    feats = classifier.features(wav)
    a = head(wav, feats, torch.tensor([0])).mask
    b = head(wav, feats, torch.tensor([1])).mask
    assert not torch.allclose(a, b)


def test_gradients_reach_head_not_classifier(classifier):
    head = tiny_head(classifier)
    wav = torch.randn(2, classifier.clip_samples)
    out = head(wav, classifier.features(wav), torch.tensor([0, 1]))
    classifier(out.explanation_wav).sum().backward()
    assert all(p.grad is not None for p in head.parameters() if p is not head.film.weight)
    assert all(p.grad is None for p in classifier.parameters())


def test_batch_of_one_and_small_size(classifier):
    head = SpectrogramMaskHead(classifier.feature_shapes(), 4)
    n_params = sum(p.numel() for p in head.parameters())
    assert n_params < 5_000_000
    wav = torch.randn(1, classifier.clip_samples)
    assert head(wav, classifier.features(wav), torch.tensor([2])).mask.shape[0] == 1


def test_spectral_gain_head_starts_flat_and_follows_the_spectrum(classifier):
    from lmac.heads import SpectralGainMaskHead
    torch.manual_seed(0)
    head = SpectralGainMaskHead(classifier.feature_shapes(), 4, tap_channels=8, hidden=16)
    wav = torch.randn(1, classifier.clip_samples)
    feats = classifier.features(wav)
    assert torch.allclose(head(wav, feats, torch.tensor([0])).mask, torch.full((1, 257, 63), 0.5))
    with torch.no_grad():
        head.conv_gain.bias.fill_(5.0)  # gain only: mask = sigmoid(5 * z), z the standardised log spectrum
    t = torch.arange(classifier.clip_samples) / classifier.sample_rate
    tone = torch.sin(2 * torch.pi * 1000 * t)[None] + 1e-3 * wav
    mask = head(tone, classifier.features(tone), torch.tensor([0])).mask
    tone_bin = round(1000 / (16000 / 512))
    assert mask[0, tone_bin, 5:-5].min() > 0.99 and mask[0, 150:250, 5:-5].mean() < 0.5
    out = head(wav, feats, torch.tensor([1]))
    classifier(out.explanation_wav).sum().backward()
    assert head.conv_gain.weight.grad is not None and head.conv_gain.weight.grad.abs().sum() > 0
