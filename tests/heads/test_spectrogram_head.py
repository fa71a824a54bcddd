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
