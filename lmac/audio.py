"""Audio I/O and validation: the only module that touches audio files.

Every waveform inside lmac is a float32 tensor of shape ``(T,)`` or ``(B, T)`` at the
classifier's sample rate. Reading a file returns mono audio at the asked rate (downmixed,
resampled); anything that cannot be turned into such a signal raises :class:`AudioError`
with a one-line message naming the file.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf
import torch
import torchaudio.functional as AF

from lmac.atomic import atomic_path

__all__ = [
    "AUDIO_EXTENSIONS",
    "AudioError",
    "AudioInfo",
    "AudioStream",
    "AudioWriter",
    "audio_info",
    "load_audio",
    "save_audio",
    "validate_wav",
    "fix_length",
    "peak_normalize",
]

AUDIO_EXTENSIONS = (".wav", ".flac", ".ogg", ".aiff", ".aif", ".mp3")  # what a folder of audio is searched for


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
    """What the header of an audio file says: length in frames, rate, channels, container format."""

    frames: int
    sample_rate: int
    channels: int
    format: str = ""

    @property
    def seconds(self) -> float:
        return self.frames / self.sample_rate


def _check_path(path: Path) -> None:
    if not path.exists():
        raise AudioError(f"{path}: no such file")
    if path.is_dir():
        raise AudioError(f"{path}: is a directory, expected an audio file")


def _read_error(path: Path, err: Exception) -> AudioError:
    return AudioError(f"{path}: cannot be read as audio ({str(err).strip() or type(err).__name__})")


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
        raise _read_error(path, err) from None
    if info.frames <= 0:
        raise AudioError(f"{path}: contains no samples")
    return AudioInfo(int(info.frames), int(info.samplerate), int(info.channels), str(info.format))


def load_audio(
    path: str | os.PathLike, sample_rate: int, offset: float = 0.0, duration: float | None = None
) -> torch.Tensor:
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
        raise _read_error(path, err) from None
    wav = torch.from_numpy(np.ascontiguousarray(data.T)).mean(dim=0)  # (T,)
    wav = validate_wav(wav, str(path))
    if sr != sample_rate:
        wav = AF.resample(wav, int(sr), int(sample_rate))
    return wav


class AudioStream:
    """A file read block by block: the samples :func:`load_audio` returns, without ever holding
    more than one block (plus a little resampling context) in memory.

    Each block is downmixed to mono and, at another rate, resampled with
    ``torchaudio.functional.resample`` on a block that overlaps its neighbours by more than the
    resampling filter's width and starts on a multiple of the reduced rate ratio, so the samples
    equal a resampling of the whole file (up to float rounding). Iterate it again to read it again.

    MP3 files are read in one piece: libsndfile (1.2.2) was seen returning silence after the first
    pieces of an MP3 read in several.

    Args:
        path: the file.
        sample_rate: rate of the returned samples.
        block_frames: about how many file frames to read at a time.

    Attributes:
        length: number of samples at ``sample_rate`` (known from the header, before reading).

    Raises:
        AudioError: while opening (missing, unreadable, empty) or while reading (NaN or infinite
            samples, a file shorter than its header says).
    """

    def __init__(self, path: str | os.PathLike, sample_rate: int, block_frames: int = 1 << 18):
        self.path = Path(path)
        self.info = audio_info(self.path)
        self.sample_rate = int(sample_rate)
        gcd = math.gcd(self.info.sample_rate, self.sample_rate)
        self._orig, self._new = self.info.sample_rate // gcd, self.sample_rate // gcd
        # as torchaudio computes the resampled length (in float32)
        self.length = (
            self.info.frames
            if self._orig == self._new
            else int(torch.ceil(torch.as_tensor(self._new * self.info.frames / self._orig)))
        )
        if self.info.format == "MP3":  # libsndfile 1.2.2 can return zeros when an MP3 is read in pieces
            block_frames = self.info.frames
        self._block = max(1, -(-block_frames // self._orig)) * self._orig  # a multiple of the reduced ratio
        # context on each side: a multiple of the ratio wider than the sinc kernel's half-width
        # (torchaudio: ceil(6 * orig / (0.99 * min(orig, new))) <= 8 * ceil(orig / min(orig, new)))
        width = 8 * math.ceil(self._orig / min(self._orig, self._new)) + 8
        self._context = math.ceil(width / self._orig) * self._orig

    @property
    def seconds(self) -> float:
        return self.length / self.sample_rate

    def __iter__(self) -> Iterator[torch.Tensor]:
        """Yield consecutive ``(T_i,)`` float32 blocks that add up to ``length`` samples.

        The file is read front to back (no seeking, which is not sample-exact in lossy formats);
        the resampling context of a block is kept from the reads before and after it.
        """
        frames, context = self.info.frames, 0 if self._orig == self._new else self._context
        mono, offset, done = torch.zeros(0), 0, 0  # mono: frames [offset, offset + len) of the file
        try:
            with sf.SoundFile(str(self.path)) as f:
                while done < frames:
                    data = f.read(self._block, dtype="float32", always_2d=True)
                    if not len(data):
                        raise AudioError(
                            f"{self.path}: ends after {offset + mono.shape[-1]} of {frames} frames (truncated file?)"
                        )
                    read = torch.from_numpy(np.ascontiguousarray(data.T)).mean(dim=0)
                    mono = torch.cat([mono, validate_wav(read, str(self.path))])
                    available = offset + mono.shape[-1]
                    while done < frames and available >= min(done + self._block + context, frames):
                        end = min(done + self._block, frames)
                        first = max(0, done - context)
                        segment = mono[first - offset : min(end + context, frames) - offset]
                        yield self._convert(segment, done - first, done, end)
                        done = end
                        keep = max(0, done - context)
                        mono, offset = mono[keep - offset :], keep
        except AudioError:
            raise
        except Exception as err:  # soundfile raises several types (LibsndfileError, RuntimeError, ...)
            raise _read_error(self.path, err) from None

    def _convert(self, wav: torch.Tensor, lead: int, start: int, end: int) -> torch.Tensor:
        """Mono file frames from ``start - lead`` on -> the output samples of file frames ``[start, end)``."""
        if self._orig == self._new:
            return wav
        out = AF.resample(wav, self._orig, self._new)
        first = start // self._orig * self._new
        last = self.length if end == self.info.frames else end // self._orig * self._new
        skip = lead // self._orig * self._new
        return out[skip : skip + last - first]


class AudioWriter:
    """Write a mono 32-bit float WAV block by block (soundfile's block I/O).

    Use it on a temporary path from :func:`lmac.atomic.atomic_paths` so the file appears whole or
    not at all. A context manager; :meth:`write` takes ``(T,)`` blocks.
    """

    def __init__(self, path: str | os.PathLike, sample_rate: int):
        self._file = sf.SoundFile(str(path), "w", int(sample_rate), 1, subtype="FLOAT", format="WAV")

    def write(self, wav: torch.Tensor) -> None:
        self._file.write(wav.detach().cpu().float().reshape(-1).numpy())

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> AudioWriter:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


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
