"""A small log-mel CNN: the demo classifier for the built-in data."""

from __future__ import annotations

import torch
from torch import nn

from lmac.checkpoint import capture_init
from lmac.classifiers.base import AudioClassifier
from lmac.spectral import LogMel, STFTConfig

__all__ = ["MelCNN"]


def _block(c_in: int, c_out: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(c_in, c_out, 3, padding=1, bias=False),
        nn.BatchNorm2d(c_out),
        nn.ReLU(inplace=True),
        nn.Conv2d(c_out, c_out, 3, padding=1, bias=False),
        nn.BatchNorm2d(c_out),
        nn.ReLU(inplace=True),
        nn.AvgPool2d(2),
    )


class MelCNN(AudioClassifier):
    """Log-mel front end, ``len(channels)`` conv blocks (each halves mel and time), pooled linear head.

    Args:
        class_names: output classes.
        sample_rate: input rate.
        clip_seconds: analysis window.
        n_fft, hop_length, n_mels: front-end settings (STFT grid: the package default).
        channels: output channels of each conv block.
        dropout: before the linear layer.
        output: ``"softmax"`` (one class per clip) or ``"sigmoid"`` (multi-label).
    """

    @capture_init
    def __init__(
        self,
        class_names: list[str],
        sample_rate: int = 16000,
        clip_seconds: float = 2.0,
        n_fft: int = STFTConfig.n_fft,
        hop_length: int = STFTConfig.hop_length,
        n_mels: int = 64,
        channels: tuple[int, ...] = (16, 32, 64, 128),
        dropout: float = 0.2,
        output: str = "softmax",
    ):
        super().__init__(sample_rate, class_names, clip_seconds, output)
        self.frontend = LogMel(sample_rate, STFTConfig(n_fft, hop_length), n_mels)
        self.input_norm = nn.BatchNorm2d(1)
        chans = [1, *channels]
        self.blocks = nn.ModuleList(_block(a, b) for a, b in zip(chans[:-1], chans[1:]))
        self.dropout = nn.Dropout(dropout)
        self.fc = nn.Linear(channels[-1], len(class_names))

    def _trunk(self, logmel: torch.Tensor) -> list[torch.Tensor]:
        """``logmel (B, n_mels, frames)`` -> block outputs, shallowest first, ``(B, C_i, M_i, N_i)``."""
        x = self.input_norm(logmel.unsqueeze(1))
        outs = []
        for block in self.blocks:
            x = block(x)
            outs.append(x)
        return outs

    @staticmethod
    def _pool(deepest: torch.Tensor) -> torch.Tensor:
        """``(B, C, M, N)`` -> ``(B, C)``: mean over mel, then max + mean over time."""
        x = deepest.mean(dim=2)  # (B, C, N): average over mel
        return x.amax(dim=2) + x.mean(dim=2)

    def _classify(self, deepest: torch.Tensor) -> torch.Tensor:
        return self.fc(self.dropout(self._pool(deepest)))

    @property
    def magnitude_grid(self) -> STFTConfig:
        """The STFT grid :meth:`logits_from_magnitude` takes (the front end's)."""
        return self.frontend.stft.grid

    def logits_from_magnitude(self, mag: torch.Tensor) -> torch.Tensor:
        """Fast path for spectral methods: ``mag (B, F, frames)`` linear STFT magnitude on
        :attr:`magnitude_grid` -> logits ``(B, C)``."""
        return self._classify(self._trunk(self.frontend.from_magnitude(mag))[-1])

    def forward(self, wav: torch.Tensor) -> torch.Tensor:
        """``wav (B, T)`` -> logits ``(B, C)``."""
        return self._classify(self._trunk(self.frontend(wav))[-1])

    def logits_and_features(self, wav: torch.Tensor) -> tuple[torch.Tensor, list[torch.Tensor]]:
        """One trunk pass for both: logits ``(B, C)`` and the block outputs, deepest first."""
        blocks = self._trunk(self.frontend(wav))
        return self._classify(blocks[-1]), blocks[::-1]

    def features(self, wav: torch.Tensor) -> list[torch.Tensor]:
        """``wav (B, T)`` -> block outputs, deepest first: ``(B, C_i, n_mels / 2^i, frames / 2^i)``."""
        return self._trunk(self.frontend(wav))[::-1]
