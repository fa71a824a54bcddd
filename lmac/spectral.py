"""The STFT grid of the whole package: magnitude/phase, inverse, log-mel, relative magnitude.

Shapes: ``wav (B, T)``, ``mag``/``phase`` ``(B, F, frames)`` with ``F = n_fft // 2 + 1`` and
``frames = T // hop_length + 1`` (centred frames).

The grid a saliency map lives on travels with it (``Explanation.grid``, ``HeadOutput.grid``):
every spectral producer takes one ``stft`` argument (an :class:`STFTConfig`, ``None`` for the
default below), and consumers read the grid off the data instead of rebuilding or guessing it.
The default grid (n_fft 512, hop 128) is spelled here and nowhere else.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass

import torch
import torchaudio
from torch import nn

__all__ = ["STFTConfig", "STFT", "LogMel", "relative_magnitude", "standardized_log_magnitude"]


@dataclass(frozen=True)
class STFTConfig:
    """An STFT grid (Hann window of ``n_fft`` samples, centred frames every ``hop_length`` samples)."""

    n_fft: int = 512
    hop_length: int = 128

    def __post_init__(self) -> None:
        if (
            not (isinstance(self.n_fft, int) and isinstance(self.hop_length, int))
            or not 0 < self.hop_length <= self.n_fft
        ):
            raise ValueError(
                f"an STFT grid needs integers 0 < hop_length <= n_fft, got n_fft={self.n_fft!r}, "
                f"hop_length={self.hop_length!r}"
            )

    @classmethod
    def of(cls, grid: STFTConfig | Mapping | None) -> STFTConfig:
        """The grid given as an ``STFTConfig``, a mapping (a checkpoint record, a config node) or ``None``
        (the default grid)."""
        if grid is None:
            return cls()
        if isinstance(grid, cls):
            return grid
        if isinstance(grid, Mapping):
            return cls(**{str(k): int(v) for k, v in grid.items() if k != "_target_"})
        raise TypeError(
            f"stft must be an STFTConfig, a mapping with n_fft / hop_length, or None; got {type(grid).__name__}"
        )

    @property
    def n_freq(self) -> int:
        return self.n_fft // 2 + 1

    def n_frames(self, n_samples: int) -> int:
        return n_samples // self.hop_length + 1

    def shape(self, n_samples: int) -> tuple[int, int]:
        """``(F, frames)`` of a clip of ``n_samples`` on this grid."""
        return self.n_freq, self.n_frames(n_samples)

    def to_dict(self) -> dict:
        return asdict(self)

    def __str__(self) -> str:
        return f"n_fft {self.n_fft} / hop {self.hop_length}"


class STFT(nn.Module):
    """Differentiable STFT / inverse STFT pair on one grid, sharing one window.

    Args:
        grid: the grid (``None``: the default :class:`STFTConfig`).
    """

    def __init__(self, grid: STFTConfig | Mapping | None = None):
        super().__init__()
        self.grid = STFTConfig.of(grid)
        self.register_buffer("window", torch.hann_window(self.grid.n_fft), persistent=False)

    def complex(self, wav: torch.Tensor) -> torch.Tensor:
        """``wav (..., T)`` -> complex spectrogram ``(..., F, frames)``.

        Frames are centred with reflect padding; a signal of at most ``n_fft // 2`` samples, too
        short to reflect, is zero-padded instead (so even a one-sample clip has a spectrogram).
        """
        g = self.grid
        flat = wav.reshape(-1, wav.shape[-1])
        pad_mode = "reflect" if wav.shape[-1] > g.n_fft // 2 else "constant"
        spec = torch.stft(
            flat, g.n_fft, g.hop_length, window=self.window, center=True, pad_mode=pad_mode, return_complex=True
        )
        return spec.reshape(*wav.shape[:-1], *spec.shape[-2:])

    def forward(self, wav: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """``wav (B, T)`` -> ``(mag, phase)``, each ``(B, F, frames)``."""
        spec = self.complex(wav)
        return spec.abs(), spec.angle()

    def inverse_complex(self, spec: torch.Tensor, length: int) -> torch.Tensor:
        """Complex ``(..., F, frames)`` -> ``wav (..., length)`` by overlap-add."""
        g = self.grid
        flat = spec.reshape(-1, *spec.shape[-2:])
        wav = torch.istft(flat, g.n_fft, g.hop_length, window=self.window, center=True, length=length)
        return wav.reshape(*spec.shape[:-2], length)

    def inverse(self, mag: torch.Tensor, phase: torch.Tensor, length: int) -> torch.Tensor:
        """``mag, phase (B, F, frames)`` -> ``wav (B, length)`` by overlap-add."""
        return self.inverse_complex(torch.polar(mag, phase), length)

    def split(
        self, mask: torch.Tensor, mag: torch.Tensor, phase: torch.Tensor, length: int
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """A mask method's two halves, with the input's phase: ``mask, mag, phase (B, F, frames)`` ->
        explanation ``iSTFT(mask |X|)`` and residual ``iSTFT((1 - mask) |X|)``, each ``(B, length)``."""
        return self.split_complex(mask, torch.polar(mag, phase), length)

    def split_complex(
        self, mask: torch.Tensor, spec: torch.Tensor, length: int, wav: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """:meth:`split` from the complex spectrogram ``spec (B, F, frames)`` of the input (``mask * spec``
        keeps its phase; no polar / angle round trip). Given the input ``wav (B, length)`` itself, the
        residual is ``wav - explanation``: the same signal up to the STFT's reconstruction error, an exact
        complement, and one inverse STFT fewer."""
        if wav is not None:
            explanation = self.inverse_complex(mask * spec, length)
            return explanation, wav - explanation
        halves = self.inverse_complex(torch.stack([mask * spec, (1 - mask) * spec]), length)
        return halves[0], halves[1]


def relative_magnitude(explanation_wav: torch.Tensor, wav: torch.Tensor, stft: STFT) -> torch.Tensor:
    """``|STFT(explanation)| / |STFT(wav)|`` clipped to [0, 1] on ``stft``'s grid: ``(B, T)`` -> ``(B, F, frames)``.

    The saliency of methods whose output is audio (LIME, LMAC-TD, stitched windows).
    """
    mag_e, _ = stft(explanation_wav)
    mag, _ = stft(wav)
    return (mag_e / mag.clamp_min(1e-8)).clamp(0, 1)


def standardized_log_magnitude(mag: torch.Tensor) -> torch.Tensor:
    """``log(mag + 1e-5)`` standardised per clip (zero mean, unit variance): ``(B, F, frames)`` -> same.

    The input's own spectrum as a z-score: the gain head's ``a * z`` path and the classifier-free
    control :class:`~lmac.explainers.controls.SpectrumControl` read it.
    """
    log_mag = torch.log(mag + 1e-5)
    return (log_mag - log_mag.mean(dim=(1, 2), keepdim=True)) / log_mag.std(dim=(1, 2), keepdim=True).clamp_min(1e-5)


class LogMel(nn.Module):
    """Log-mel spectrogram computed from a linear STFT magnitude.

    Splitting it this way lets a classifier expose ``logits_from_magnitude`` (gradient
    baselines attribute to the STFT magnitude) while ``forward`` still takes audio.

    Args:
        sample_rate: rate of the input audio.
        grid: the STFT grid (``None``: the default :class:`STFTConfig`).
        n_mels, f_min, f_max: mel filterbank settings.
    """

    def __init__(
        self,
        sample_rate: int,
        grid: STFTConfig | Mapping | None = None,
        n_mels: int = 64,
        f_min: float = 20.0,
        f_max: float | None = None,
    ):
        super().__init__()
        self.stft = STFT(grid)
        self.mel = torchaudio.transforms.MelScale(
            n_mels=n_mels, sample_rate=sample_rate, f_min=f_min, f_max=f_max, n_stft=self.stft.grid.n_freq
        )

    def from_magnitude(self, mag: torch.Tensor) -> torch.Tensor:
        """``mag (B, F, frames)`` -> ``(B, n_mels, frames)`` log power."""
        return torch.log(self.mel(mag.pow(2)) + 1e-6)

    def forward(self, wav: torch.Tensor) -> torch.Tensor:
        """``wav (B, T)`` -> ``(B, n_mels, frames)``."""
        mag, _ = self.stft(wav)
        return self.from_magnitude(mag)
