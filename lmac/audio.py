"""Audio I/O and validation: the only module that touches audio files.

Every waveform inside lmac is a float32 tensor of shape ``(T,)`` or ``(B, T)`` at the
classifier's sample rate. Reading a file returns mono audio at the asked rate (downmixed,
resampled); anything that cannot be turned into such a signal raises :class:`AudioError`
with a one-line message naming the file.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf
import torch
import torchaudio.functional as AF

from lmac.atomic import atomic_path

__all__ = ["AudioError", "AudioInfo", "audio_info", "load_audio", "save_audio", "validate_wav", "fix_length",
           "peak_normalize"]


class AudioError(ValueError):
    """Raised for audio that cannot be used: missing, unreadable, empty, silent-NaN, ..."""


def validate_wav(wav: torch.Tensor, name: str = "audio") -> torch.Tensor:
    """Check a waveform is non-empty and finite.

    Args:
        wav: ``(T,)`` or ``(B, T)`` samples.
        name: what to call the signal in the error message.

    Returns:
        The same tensor, as float32.
    """
    if not torch.is_tensor(wav):
        wav = torch.as_tensor(np.asarray(wav))
    if wav.dim() not in (1, 2):
        raise AudioError(f"{name}: expected a (T,) or (B, T) waveform, got shape {tuple(wav.shape)}")
    if wav.numel() == 0 or wav.shape[-1] == 0:
        raise AudioError(f"{name}: contains no samples")
    if not torch.isfinite(wav).all():
        raise AudioError(f"{name}: contains NaN or infinite samples")
    return wav.float()


@dataclass(frozen=True)
class AudioInfo:
    """What the header of an audio file says: length in frames, rate, channels."""

    frames: int
    sample_rate: int
    channels: int

    @property
    def seconds(self) -> float:
        return self.frames / self.sample_rate


def _check_path(path: Path) -> None:
    if not path.exists():
        raise AudioError(f"{path}: no such file")
    if path.is_dir():
        raise AudioError(f"{path}: is a directory, expected an audio file")


def audio_info(path: str | os.PathLike) -> AudioInfo:
    """Read an audio file's header only (cheap check of a large folder before training).

    Raises:
        AudioError: missing, unreadable, or holding no samples.
    """
    path = Path(path)
    _check_path(path)
    try:
        info = sf.info(str(path))
    except Exception as err:  # soundfile raises several types (LibsndfileError, RuntimeError, ...)
        raise AudioError(f"{path}: cannot be read as audio ({str(err).strip() or type(err).__name__})") from None
    if info.frames <= 0:
        raise AudioError(f"{path}: contains no samples")
    return AudioInfo(int(info.frames), int(info.samplerate), int(info.channels))


def load_audio(path: str | os.PathLike, sample_rate: int, offset: float = 0.0,
               duration: float | None = None) -> torch.Tensor:
    """Read any file soundfile understands (WAV, FLAC, OGG, ...) as mono at ``sample_rate``.

    Multichannel audio is averaged to mono; other rates are resampled with
    ``torchaudio.functional.resample``.

    Args:
        path: the file.
        sample_rate: rate of the returned waveform.
        offset: start of the segment to read, in seconds.
        duration: length of the segment in seconds (``None``: to the end of the file).

    Returns:
        ``(T,)`` float32 tensor.
    """
    path = Path(path)
    _check_path(path)
    try:
        with sf.SoundFile(str(path)) as f:
            sr = f.samplerate
            start = int(round(offset * sr))
            if start:
                f.seek(min(start, f.frames))
            frames = -1 if duration is None else int(round(duration * sr))
            data = f.read(frames, dtype="float32", always_2d=True)
    except Exception as err:  # soundfile raises several types (LibsndfileError, RuntimeError, ...)
        raise AudioError(f"{path}: cannot be read as audio ({str(err).strip() or type(err).__name__})") from None
    wav = torch.from_numpy(np.ascontiguousarray(data.T)).mean(dim=0)  # (T,)
    wav = validate_wav(wav, str(path))
    if sr != sample_rate:
        wav = AF.resample(wav, int(sr), int(sample_rate))
    return wav


def save_audio(path: str | os.PathLike, wav: torch.Tensor, sample_rate: int) -> None:
    """Write a mono ``(T,)`` waveform as 32-bit float WAV, atomically (temp file + rename).

    Float samples keep explanations that exceed [-1, 1] unclipped.
    """
    path = Path(path)
    data = wav.detach().cpu().float().reshape(-1).numpy()
    with atomic_path(path) as tmp:
        sf.write(tmp, data, int(sample_rate), subtype="FLOAT", format="WAV")


def fix_length(wav: torch.Tensor, length: int) -> torch.Tensor:
    """Zero-pad or crop the last axis to ``length`` samples."""
    T = wav.shape[-1]
    if T >= length:
        return wav[..., :length]
    return torch.nn.functional.pad(wav, (0, length - T))


def peak_normalize(wav: torch.Tensor, peak: float = 0.9, eps: float = 1e-8) -> torch.Tensor:
    """Scale each signal on the last axis so its absolute peak is ``peak``."""
    return wav * (peak / wav.abs().amax(dim=-1, keepdim=True).clamp_min(eps))
