"""LMAC-TD codec pretraining: the pair learns to rebuild its input, and a frozen pretrained pair makes
explanation + residual add up to the input for any mask (the decoder is linear)."""

import torch

from lmac.heads import SepFormerMaskHead, save_codec
from lmac.heads.codec import reconstruction_snr, train_codec

TINY = dict(
    n_channels=16,
    kernel_size=16,
    masker_channels=16,
    chunk_size=20,
    n_dual_blocks=1,
    n_layers=1,
    n_heads=2,
    d_ffn=32,
    tap_channels=4,
)


def _clips(n: int, samples: int, seed: int) -> torch.Tensor:
    """Sums of a few sines with random pitch and level: ``(n, samples)``."""
    g = torch.Generator().manual_seed(seed)
    t = torch.arange(samples) / 16000
    freqs = 100 + 2000 * torch.rand(n, 3, 1, generator=g)
    amps = 0.05 + 0.2 * torch.rand(n, 3, 1, generator=g)
    return (amps * torch.sin(2 * torch.pi * freqs * t)).sum(1)


def test_pretrained_frozen_codec_rebuilds_the_input_through_any_mask(classifier, tmp_path):
    torch.manual_seed(0)
    head = SepFormerMaskHead(classifier.feature_shapes(), classifier.n_classes, **TINY)
    samples = classifier.clip_samples
    val = _clips(4, samples, seed=1)
    with torch.no_grad():
        before = reconstruction_snr(head, val).mean()
    losses = train_codec(head, (_clips(8, samples, seed=s) for s in range(2, 152)), lr=3e-3)
    with torch.no_grad():
        after = reconstruction_snr(head, val).mean()
    assert losses[-1] < 0.5 * losses[0] and after > before + 10, (before, after)
    save_codec(head, tmp_path / "codec.pt")
    torch.manual_seed(5)  # another masker, the same codec
    frozen = SepFormerMaskHead(
        classifier.feature_shapes(), classifier.n_classes, codec_path=tmp_path / "codec.pt", **TINY
    )
    assert not any(p.requires_grad for p in frozen.encoder.parameters())
    with torch.no_grad():
        out = frozen(val, classifier.features(val), torch.tensor([0, 1, 2, 3]))
        rebuilt = out.explanation_wav + out.residual_wav
        snr = 10 * torch.log10(val.pow(2).sum(-1) / (rebuilt - val).pow(2).sum(-1))
    assert torch.allclose(snr, after_snr := reconstruction_snr(frozen, val), atol=0.01), (snr, after_snr)
    assert 0.05 < out.mask.mean() < 0.95  # a real mask split the signal, yet the parts add up
