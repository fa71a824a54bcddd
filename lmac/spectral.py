"""One STFT configuration for the whole package: magnitude/phase, inverse, log-mel.

Shapes: ``wav (B, T)``, ``mag``/``phase`` ``(B, F, frames)`` with ``F = n_fft // 2 + 1`` and
``frames = T // hop_length + 1`` (centred frames).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
import torchaudio
from torch import nn

__all__ = ["STFTConfig", "STFT", "LogMel"]


@dataclass(frozen=True)
class STFTConfig:
    """Settings of the short-time Fourier transform (Hann window, centred frames)."""

    n_fft: int = 512
    hop_length: int = 128

    @property
    def n_freq(self) -> int:
        return self.n_fft // 2 + 1

    def n_frames(self, n_samples: int) -> int:
        return n_samples // self.hop_length + 1

    def to_dict(self) -> dict:
        return asdict(self)


class STFT(nn.Module):
    """Differentiable STFT / inverse STFT pair sharing one window."""

    def __init__(self, n_fft: int = 512, hop_length: int = 128):
        super().__init__()
        self.config = STFTConfig(n_fft=n_fft, hop_length=hop_length)
        self.register_buffer("window", torch.hann_window(n_fft), persistent=False)

    def complex(self, wav: torch.Tensor) -> torch.Tensor:
        """``wav (B, T)`` -> complex spectrogram ``(B, F, frames)``."""
        c = self.config
        return torch.stft(wav, c.n_fft, c.hop_length, window=self.window, center=True, return_complex=True)

    def forward(self, wav: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """``wav (B, T)`` -> ``(mag, phase)``, each ``(B, F, frames)``."""
        spec = self.complex(wav)
        return spec.abs(), spec.angle()

    def inverse(self, mag: torch.Tensor, phase: torch.Tensor, length: int) -> torch.Tensor:
        """``mag, phase (B, F, frames)`` -> ``wav (B, length)`` by overlap-add."""
        c = self.config
        spec = torch.polar(mag, phase)
        return torch.istft(spec, c.n_fft, c.hop_length, window=self.window, center=True, length=length)


class LogMel(nn.Module):
    """Log-mel spectrogram computed from a linear STFT magnitude.

    Splitting it this way lets a classifier expose ``logits_from_magnitude`` (gradient
    baselines attribute to the STFT magnitude) while ``forward`` still takes audio.
    """

    def __init__(self, sample_rate: int, n_fft: int = 512, hop_length: int = 128, n_mels: int = 64,
                 f_min: float = 20.0, f_max: float | None = None):
        super().__init__()
        self.stft = STFT(n_fft, hop_length)
        self.mel = torchaudio.transforms.MelScale(
            n_mels=n_mels, sample_rate=sample_rate, f_min=f_min, f_max=f_max, n_stft=n_fft // 2 + 1
        )

    def from_magnitude(self, mag: torch.Tensor) -> torch.Tensor:
        """``mag (B, F, frames)`` -> ``(B, n_mels, frames)`` log power."""
        return torch.log(self.mel(mag.pow(2)) + 1e-6)

    def forward(self, wav: torch.Tensor) -> torch.Tensor:
        """``wav (B, T)`` -> ``(B, n_mels, frames)``."""
        mag, _ = self.stft(wav)
        return self.from_magnitude(mag)
