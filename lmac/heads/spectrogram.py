"""L-MAC: a decoder from classifier features to a mask over the linear STFT magnitude."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from lmac.heads.base import HeadOutput, MaskHead
from lmac.spectral import STFT

__all__ = ["SpectrogramMaskHead", "FeatureFusion"]


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
        n_fft, hop_length: the head's STFT.
        tap_channels: channels each feature tap is projected to.
        hidden: channels of the temporal decoder.
        kernel_size: temporal kernel of the decoder convolutions.
    """

    def __init__(self, feature_shapes: list[tuple[int, ...]], n_classes: int, n_fft: int = 512,
                 hop_length: int = 128, tap_channels: int = 64, hidden: int = 256, kernel_size: int = 5):
        super().__init__()
        feature_shapes = [tuple(int(s) for s in shape) for shape in feature_shapes]
        self._config = dict(feature_shapes=[list(s) for s in feature_shapes], n_classes=n_classes, n_fft=n_fft,
                            hop_length=hop_length, tap_channels=tap_channels, hidden=hidden, kernel_size=kernel_size)
        self.stft = STFT(n_fft, hop_length)
        self.fusion = FeatureFusion(feature_shapes, tap_channels)
        pad = kernel_size // 2
        self.conv_in = nn.Conv1d(self.fusion.out_channels, hidden, kernel_size, padding=pad)
        self.film = nn.Embedding(n_classes, 2 * hidden)  # per-class scale and shift
        nn.init.zeros_(self.film.weight)
        self.conv_mid = nn.Conv1d(hidden, hidden, kernel_size, padding=pad)
        self.conv_out = nn.Conv1d(hidden, n_fft // 2 + 1, 1)

    def config(self) -> dict:
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in self._config.items()}

    def decode_mask(self, features: list[torch.Tensor], target: torch.Tensor, n_frames: int) -> torch.Tensor:
        """features + ``target (B,)`` -> mask ``(B, F, n_frames)`` in [0, 1]."""
        x = F.gelu(self.conv_in(self.fusion(features)))  # (B, hidden, T_max)
        scale, shift = self.film(target).unsqueeze(-1).chunk(2, dim=1)
        x = x * (1 + scale) + shift
        x = F.gelu(self.conv_mid(x))
        logits = self.conv_out(x)  # (B, F, T_max)
        logits = F.interpolate(logits, size=n_frames, mode="linear", align_corners=False)
        return torch.sigmoid(logits)

    def forward(self, wav: torch.Tensor, features: list[torch.Tensor], target: torch.Tensor) -> HeadOutput:
        """``wav (B, T)`` -> explanation / residual ``(B, T)`` and mask ``(B, F, frames)``."""
        mag, phase = self.stft(wav)  # (B, F, frames)
        mask = self.decode_mask(features, target, mag.shape[-1])
        length = wav.shape[-1]
        explanation = self.stft.inverse(mask * mag, phase, length)
        residual = self.stft.inverse((1 - mask) * mag, phase, length)
        return HeadOutput(explanation, residual, mask=mask, saliency=mask, sparsity=mask)
