"""WHAM!-style noise augmentation: mix a random excerpt of a random noise file at a random SNR.

Works with any folder of noise recordings (WHAM! ``tr/``, MUSAN noise, your own room tones).
Randomness comes from torch's global generator (seeded per worker by Lightning's
``seed_everything(workers=True)``) or from an explicit ``generator``.
"""

from __future__ import annotations

import logging
import os

import torch

from lmac.audio import AudioError, audio_info, fix_length, load_audio
from lmac.data.clips import AUDIO_EXTENSIONS, require_dir

__all__ = ["mix_at_snr", "NoiseMixer"]

log = logging.getLogger("lmac.data")


def mix_at_snr(wav: torch.Tensor, noise: torch.Tensor, snr_db: float | torch.Tensor) -> torch.Tensor:
    """``wav + g * noise`` with ``g`` chosen so that ``10 log10(P_wav / P(g * noise)) = snr_db``.

    Args:
        wav, noise: ``(T,)`` or ``(B, T)`` signals of the same shape.
        snr_db: scalar or ``(B,)`` signal-to-noise ratio in dB.

    Returns:
        The mixture, same shape as ``wav``. A silent clip or silent noise is returned unchanged.
    """
    p_wav = wav.pow(2).mean(dim=-1, keepdim=True)
    p_noise = noise.pow(2).mean(dim=-1, keepdim=True)
    snr = torch.as_tensor(snr_db, dtype=wav.dtype, device=wav.device)
    snr = snr.unsqueeze(-1) if snr.dim() == 1 else snr  # (B,) -> (B, 1)
    gain = torch.sqrt(p_wav / (p_noise * 10 ** (snr / 10)).clamp_min(1e-20))
    gain = torch.where(p_noise > 0, gain, torch.zeros_like(gain))
    return wav + gain * noise


class NoiseMixer:
    """Adds noise from a folder at a uniform random SNR in ``snr_db``; a callable ``(T,) -> (T,)``.

    Args:
        root: folder searched recursively for audio files.
        sample_rate: rate of the clips it is applied to.
        snr_db: ``(low, high)`` SNR range in dB (equal values give a fixed SNR).
        prob: probability of mixing noise into a clip (otherwise it is returned unchanged).
        peak: peak the mixture is rescaled to (the clips' own normalisation), or ``None`` to keep
            the clean clip's level.
        skip_bad_files: drop unreadable or empty noise files with a warning (checked up front);
            by default a bad file is an error naming it.
    """

    def __init__(
        self,
        root: str | os.PathLike,
        sample_rate: int = 16000,
        snr_db: tuple[float, float] = (0.0, 10.0),
        prob: float = 1.0,
        peak: float | None = 0.9,
        skip_bad_files: bool = False,
    ):
        root = require_dir(root, "noise")
        self.files = sorted(str(p) for p in root.rglob("*") if p.suffix.lower() in AUDIO_EXTENSIONS and p.is_file())
        if not self.files:
            raise ValueError(f"{root}: no noise files ({', '.join(AUDIO_EXTENSIONS)})")
        low, high = (float(v) for v in snr_db)
        if low > high:
            raise ValueError(f"snr_db must be (low, high) with low <= high, got {list(snr_db)}")
        if not 0.0 <= prob <= 1.0:
            raise ValueError(f"prob must be in [0, 1], got {prob}")
        self.sample_rate, self.snr_db, self.prob, self.peak = int(sample_rate), (low, high), float(prob), peak
        self.seconds = self._durations(skip_bad_files)

    def _durations(self, skip_bad_files: bool) -> list[float]:
        good, seconds = [], []
        for path in self.files:
            try:
                seconds.append(audio_info(path).seconds)
                good.append(path)
            except AudioError as err:
                if not skip_bad_files:
                    raise AudioError(f"{err} (pass skip_bad_files=true to skip bad files)") from None
                log.warning("skipping noise file %s", err)
        if not good:
            raise AudioError(f"none of the {len(self.files)} noise files can be read")
        self.files = good
        return seconds

    def _uniform(self, generator: torch.Generator | None) -> float:
        return float(torch.rand((), generator=generator))

    def noise(self, n_samples: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """A random excerpt of ``n_samples`` from a random file, looped if the file is shorter."""
        index = int(torch.randint(len(self.files), (), generator=generator))
        seconds = n_samples / self.sample_rate
        offset = max(self.seconds[index] - seconds, 0.0) * self._uniform(generator)
        excerpt = load_audio(self.files[index], self.sample_rate, offset=offset, duration=seconds)
        repeats = -(-n_samples // excerpt.shape[-1])
        return fix_length(excerpt.repeat(repeats), n_samples)

    def __call__(self, wav: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        """``wav (T,)`` -> noisy ``(T,)`` (unchanged with probability ``1 - prob``)."""
        if self._uniform(generator) >= self.prob:
            return wav
        low, high = self.snr_db
        snr = low + (high - low) * self._uniform(generator)
        mixed = mix_at_snr(wav, self.noise(wav.shape[-1], generator), snr)
        if self.peak is None:
            return mixed
        return mixed * (self.peak / mixed.abs().amax().clamp_min(1e-8))
