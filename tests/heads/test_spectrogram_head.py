import pytest
import torch
from conftest import tiny_head

from lmac.heads import SpectrogramMaskHead
from lmac.heads.spectrogram import BandMap, bounded_sigmoid

DECODERS = pytest.mark.parametrize("decoder", ["temporal", "bands"])


@DECODERS
def test_shapes_and_range(classifier, decoder):
    head = tiny_head(classifier, decoder)
    wav = torch.randn(2, classifier.clip_samples)
    out = head(wav, classifier.features(wav), torch.tensor([0, 3]))
    frames = classifier.clip_samples // 128 + 1
    assert out.explanation_wav.shape == out.residual_wav.shape == wav.shape
    assert out.mask.shape == (2, 257, frames)
    assert 0 <= out.mask.min() and out.mask.max() <= 1
    # explanation + residual rebuild the input (same phase, masks sum to one)
    assert torch.allclose(out.explanation_wav + out.residual_wav, wav, atol=1e-4)


@DECODERS
def test_logits_are_bounded_so_the_mask_never_saturates(classifier, decoder):
    head = tiny_head(classifier, decoder)
    with torch.no_grad():
        head.conv_out.bias.fill_(1e4)
    wav = torch.randn(1, classifier.clip_samples)
    out = head(wav, classifier.features(wav), torch.tensor([1]))
    top = bounded_sigmoid(torch.tensor(1e4), head.logit_bound)
    assert torch.allclose(out.mask, torch.full_like(out.mask, float(top)))
    assert 0.99 < top < 1.0  # near-full mask: the explanation is (almost) the input
    assert torch.allclose(out.explanation_wav, top * wav, atol=1e-4)
    # and the gradient through the bound is not zero
    logits = torch.tensor([0.0, 5.0, 50.0], requires_grad=True)
    bounded_sigmoid(logits, 6.0).sum().backward()
    assert (logits.grad > 0).all()


@DECODERS
def test_target_conditioning_is_live_from_initialisation(classifier, decoder):
    head = tiny_head(classifier, decoder)
    wav = torch.randn(1, classifier.clip_samples)
    feats = classifier.features(wav)
    a = head(wav, feats, torch.tensor([0])).mask
    b = head(wav, feats, torch.tensor([1])).mask
    assert (a - b).abs().mean() > 1e-3


@DECODERS
def test_mask_depends_on_the_classifier_features_not_on_the_input_spectrum(classifier, decoder):
    head = tiny_head(classifier, decoder)
    wav, other = torch.randn(2, 1, classifier.clip_samples)
    feats = classifier.features(wav)
    target = torch.tensor([2])
    # same features, another input spectrum: the same mask
    assert torch.equal(head(wav, feats, target).mask, head(other, feats, target).mask)
    # other features (another input): another mask
    assert not torch.allclose(head(wav, feats, target).mask, head(other, classifier.features(other), target).mask)


@DECODERS
def test_gradients_reach_head_not_classifier(classifier, decoder):
    head = tiny_head(classifier, decoder)
    wav = torch.randn(2, classifier.clip_samples)
    out = head(wav, classifier.features(wav), torch.tensor([0, 1]))
    classifier(out.explanation_wav).sum().backward()
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in head.parameters())
    assert all(p.grad is None for p in classifier.parameters())


def test_band_map_spreads_bands_onto_bins():
    band_map = BandMap(257, 32, 16000)
    assert band_map.weights.shape == (257, 32)
    torch.testing.assert_close(band_map.weights.sum(dim=1), torch.ones(257))
    flat = band_map(torch.full((1, 32, 5), 0.3))
    torch.testing.assert_close(flat, torch.full((1, 257, 5), 0.3))
    one = torch.zeros(1, 32, 1)
    one[0, 10] = 1.0
    spread = band_map(one)[0, :, 0]
    covered = spread.nonzero().squeeze(1)
    assert covered.numel() > 0 and (covered.diff() == 1).all()  # one contiguous stretch of bins
    identity = BandMap(257, None, 16000)
    x = torch.rand(2, 257, 3)
    assert torch.equal(identity(x), x)


def test_batch_of_one_and_small_size(classifier):
    head = SpectrogramMaskHead(classifier.feature_shapes(), 4)
    n_params = sum(p.numel() for p in head.parameters())
    assert n_params < 500_000
    wav = torch.randn(1, classifier.clip_samples)
    assert head(wav, classifier.features(wav), torch.tensor([2])).mask.shape[0] == 1


def test_spectral_gain_head_starts_flat_and_follows_the_spectrum(classifier):
    from lmac.heads import SpectralGainMaskHead

    torch.manual_seed(0)
    head = SpectralGainMaskHead(classifier.feature_shapes(), 4, tap_channels=8, hidden=16, n_bands=None)
    wav = torch.randn(1, classifier.clip_samples)
    feats = classifier.features(wav)
    assert torch.allclose(head(wav, feats, torch.tensor([0])).mask, torch.full((1, 257, 63), 0.5))
    with torch.no_grad():
        head.conv_gain.bias.fill_(5.0)  # gain only: mask = bounded_sigmoid(5 * z), z the standardised log spectrum
    t = torch.arange(classifier.clip_samples) / classifier.sample_rate
    tone = torch.sin(2 * torch.pi * 1000 * t)[None] + 1e-3 * wav
    mask = head(tone, classifier.features(tone), torch.tensor([0])).mask
    tone_bin = round(1000 / (16000 / 512))
    assert mask[0, tone_bin, 5:-5].min() > 0.99 and mask[0, 150:250, 5:-5].mean() < 0.5
    out = head(wav, feats, torch.tensor([1]))
    classifier(out.explanation_wav).sum().backward()
    assert head.conv_gain.weight.grad is not None and head.conv_gain.weight.grad.abs().sum() > 0


def test_n_taps_reads_only_the_deepest_feature_maps(classifier):
    shapes = classifier.feature_shapes()  # deepest first
    torch.manual_seed(1)
    head = SpectrogramMaskHead(shapes, classifier.n_classes, tap_channels=8, hidden=16, n_taps=1)
    wav = torch.randn(1, classifier.clip_samples)
    feats = classifier.features(wav)
    target = torch.tensor([2])
    mask = head(wav, feats, target).mask
    shallow_changed = [feats[0], *(torch.randn_like(f) for f in feats[1:])]
    assert torch.equal(head(wav, shallow_changed, target).mask, mask)
    deep_changed = [torch.randn_like(feats[0]), *feats[1:]]
    assert not torch.allclose(head(wav, deep_changed, target).mask, mask)
    assert mask.shape == (1, 257, classifier.clip_samples // 128 + 1)
    for bad in (0, len(shapes) + 1):
        with pytest.raises(ValueError, match="n_taps must be in"):
            SpectrogramMaskHead(shapes, classifier.n_classes, n_taps=bad)


def test_negative_n_taps_leaves_out_the_shallowest_maps_and_records_the_count(classifier):
    from lmac.checkpoint import captured_config

    shapes = classifier.feature_shapes()  # deepest first
    n = len(shapes)
    torch.manual_seed(1)
    head = SpectrogramMaskHead(shapes, classifier.n_classes, tap_channels=8, hidden=16, n_taps=-1)
    assert captured_config(head)["n_taps"] == n - 1  # what a checkpoint (and init_from) compares
    wav = torch.randn(1, classifier.clip_samples)
    feats = classifier.features(wav)
    target = torch.tensor([0])
    mask = head(wav, feats, target).mask
    assert torch.equal(head(wav, [*feats[:-1], torch.randn_like(feats[-1])], target).mask, mask)
    assert not torch.allclose(head(wav, [*feats[:-2], torch.randn_like(feats[-2]), feats[-1]], target).mask, mask)
    # more left out than there are maps: the deepest one stays
    assert captured_config(SpectrogramMaskHead(shapes, classifier.n_classes, n_taps=-n - 3))["n_taps"] == 1


def test_bands_decoder_keeps_frequency_local(classifier):
    """decoder="bands": the convolutions are shared across frequency and never fold it into channels, so
    a change in the features' top frequency rows reaches only the top bands' logits; the temporal decoder
    moves every band. (GroupNorm's statistics span all cells, so it is taken out to see the wiring.)"""
    wav = torch.randn(1, classifier.clip_samples)
    feats = classifier.features(wav)
    changed = []
    for f in feats:  # (1, C, F_i, T_i): new values in the top quarter of every tap's frequency rows
        top = max(1, f.shape[2] // 4)
        f = f.clone()
        f[:, :, -top:] = torch.randn_like(f[:, :, -top:])
        changed.append(f)
    target = torch.tensor([1])
    mag = torch.ones(1, 257, classifier.clip_samples // 128 + 1)
    for decoder in ("bands", "temporal"):
        torch.manual_seed(0)
        head = SpectrogramMaskHead(
            classifier.feature_shapes(), 4, tap_channels=8, hidden=16, n_bands=32, decoder=decoder
        )
        for name, module in list(head.named_modules()):
            if isinstance(module, torch.nn.GroupNorm):
                parent, _, attr = name.rpartition(".")
                setattr(head.get_submodule(parent), attr, torch.nn.Identity())
        before = head.mask_logits(head.decode_hidden(feats, target), mag)
        after = head.mask_logits(head.decode_hidden(changed, target), mag)
        assert before.shape == after.shape == (1, 32, mag.shape[-1])
        low, high = (after - before).abs()[0, :8].amax(), (after - before).abs()[0, -8:].amax()
        assert high > 1e-3
        if decoder == "bands":
            assert low == 0  # the lowest quarter of the bands does not see the top quarter of the features
        else:
            assert low > 1e-3


def test_bands_decoder_refuses_features_without_one_frequency_axis(classifier):
    shapes = classifier.feature_shapes()
    with pytest.raises(ValueError, match="one axis between channels and time"):
        SpectrogramMaskHead([(8, 40), *shapes], 4, decoder="bands")
    with pytest.raises(ValueError, match="decoder must be one of"):
        SpectrogramMaskHead(shapes, 4, decoder="2d")
