"""L-MAC: a decoder from classifier features to a mask over the linear STFT magnitude."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from lmac.checkpoint import amend_config, capture_init
from lmac.heads.base import HeadOutput, MaskHead
from lmac.spectral import STFT, STFTConfig

__all__ = ["SpectrogramMaskHead", "SpectralGainMaskHead", "FeatureFusion"]


class FeatureFusion(nn.Module):
    """Fuse taps of any shape ``(B, C_i, *spatial_i, T_i)`` into one ``(B, n_taps * tap_channels, T_max)``.

    Every axis between channels and time is folded into channels (a 1x1 conv then learns the
    mapping from the classifier's frequency axis, e.g. mel bands, to ours), and each tap is
    linearly resampled onto the finest time grid among the taps.
    """

    def __init__(self, feature_shapes: list[tuple[int, ...]], tap_channels: int):
        super().__init__()
        self.projections = nn.ModuleList(
            nn.Conv1d(int(torch.tensor(shape[:-1]).prod()), tap_channels, 1) for shape in feature_shapes
        )
        self.n_steps = max(shape[-1] for shape in feature_shapes)
        self.out_channels = tap_channels * len(feature_shapes)

    def forward(self, features: list[torch.Tensor]) -> torch.Tensor:
        fused = []
        for proj, feat in zip(self.projections, features):
            x = proj(feat.flatten(1, -2))  # (B, tap_channels, T_i)
            fused.append(F.interpolate(x, size=self.n_steps, mode="linear", align_corners=False))
        return torch.cat(fused, dim=1)


class SpectrogramMaskHead(MaskHead):
    """L-MAC head (Paissan et al., 2024): mask in [0, 1] over ``|STFT(wav)|``.

    explanation = iSTFT(mask * |X|, phase(X)); residual = iSTFT((1 - mask) * |X|, phase(X)).

    Args:
        feature_shapes: shapes (without batch) of the classifier's features, deepest first
            (``AudioClassifier.feature_shapes()``; passed at wiring time).
        n_classes: classes the head can be asked to explain (target conditioning).
        stft: the head's STFT grid (``None``: the default :class:`~lmac.spectral.STFTConfig`); the
            mask and saliency live on it.
        tap_channels: channels each feature tap is projected to.
        hidden: channels of the temporal decoder.
        kernel_size: temporal kernel of the decoder convolutions.
    """

    @capture_init
    def __init__(self, feature_shapes: list[tuple[int, ...]], n_classes: int, stft: STFTConfig | None = None,
                 tap_channels: int = 64, hidden: int = 256, kernel_size: int = 5):
        super().__init__()
        feature_shapes = [tuple(int(s) for s in shape) for shape in feature_shapes]
        self.stft = STFT(stft)
        amend_config(self, stft=self.grid)  # the resolved grid, not None
        self.fusion = FeatureFusion(feature_shapes, tap_channels)
        pad = kernel_size // 2
        self.conv_in = nn.Conv1d(self.fusion.out_channels, hidden, kernel_size, padding=pad)
        self.film = nn.Embedding(n_classes, 2 * hidden)  # per-class scale and shift
        nn.init.zeros_(self.film.weight)
        self.conv_mid = nn.Conv1d(hidden, hidden, kernel_size, padding=pad)
        self.conv_out = nn.Conv1d(hidden, self.grid.n_freq, 1)

    @property
    def grid(self) -> STFTConfig:
        return self.stft.grid

    def decode_hidden(self, features: list[torch.Tensor], target: torch.Tensor) -> torch.Tensor:
        """features + ``target (B,)`` -> decoder state ``(B, hidden, T_max)``."""
        x = F.gelu(self.conv_in(self.fusion(features)))
        scale, shift = self.film(target).unsqueeze(-1).chunk(2, dim=1)
        return F.gelu(self.conv_mid(x * (1 + scale) + shift))

    def mask_logits(self, hidden: torch.Tensor, mag: torch.Tensor) -> torch.Tensor:
        """Decoder state + input ``mag (B, F, frames)`` -> mask logits ``(B, F, frames)``."""
        return F.interpolate(self.conv_out(hidden), size=mag.shape[-1], mode="linear", align_corners=False)

    def decode_mask(self, features: list[torch.Tensor], target: torch.Tensor, mag: torch.Tensor) -> torch.Tensor:
        """features, ``target (B,)``, input ``mag (B, F, frames)`` -> mask ``(B, F, frames)`` in [0, 1]."""
        return torch.sigmoid(self.mask_logits(self.decode_hidden(features, target), mag))

    def forward(self, wav: torch.Tensor, features: list[torch.Tensor], target: torch.Tensor) -> HeadOutput:
        """``wav (B, T)`` -> explanation / residual ``(B, T)`` and mask ``(B, F, frames)``."""
        mag, phase = self.stft(wav)  # (B, F, frames)
        mask = self.decode_mask(features, target, mag)
        length = wav.shape[-1]
        explanation = self.stft.inverse(mask * mag, phase, length)
        residual = self.stft.inverse((1 - mask) * mag, phase, length)
        return HeadOutput(explanation, residual, mask=mask, saliency=mask, sparsity=mask, grid=self.grid)


class SpectralGainMaskHead(SpectrogramMaskHead):
    """L-MAC head whose mask follows the input's own spectrum bin by bin.

    The decoder predicts, per STFT bin and decoder step, a bias ``b`` and a gain ``a`` on the
    input's standardised log magnitude ``z`` (zero mean, unit variance per clip):
    ``mask = sigmoid(b + a * z)``. The plain head can only draw frequency detail from fixed
    output weights, and on the demo data settled on one static comb filter for every clip;
    here loud and quiet bins of each clip can be told apart from the first step. Both output
    layers start at zero (mask 0.5 everywhere). Same arguments as :class:`SpectrogramMaskHead`.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.conv_gain = nn.Conv1d(self.conv_out.in_channels, self.conv_out.out_channels, 1)
        for layer in (self.conv_out, self.conv_gain):
            nn.init.zeros_(layer.weight)
            nn.init.zeros_(layer.bias)

    def mask_logits(self, hidden: torch.Tensor, mag: torch.Tensor) -> torch.Tensor:
        """``b + a * z`` on the STFT grid: ``(B, hidden, T_max), (B, F, frames)`` -> ``(B, F, frames)``."""
        log_mag = torch.log(mag + 1e-5)
        z = (log_mag - log_mag.mean(dim=(1, 2), keepdim=True)) / log_mag.std(dim=(1, 2), keepdim=True).clamp_min(1e-5)
        gain = F.interpolate(self.conv_gain(hidden), size=mag.shape[-1], mode="linear", align_corners=False)
        return super().mask_logits(hidden, mag) + gain * z
