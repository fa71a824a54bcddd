"""Labelled audio files as fixed-length clips: the shared loader behind ESC-50 and audio folders.

Every item is an :class:`~lmac.data.base.Item` like the built-in data: ``wav (T,)`` float32 mono at
``sample_rate``, peak-normalised and zero-padded or cropped to ``clip_seconds``; ``label`` (int);
``path`` (str).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import torch
from torch.utils.data import Dataset

from lmac.audio import AUDIO_EXTENSIONS, AudioError, audio_info, fix_length, load_audio, peak_normalize

__all__ = ["Clip", "ClipDataset", "check_files", "require_dir", "AUDIO_EXTENSIONS"]

log = logging.getLogger("lmac.data")

Transform = Callable[[torch.Tensor], torch.Tensor]


@dataclass(frozen=True)
class Clip:
    """One labelled file: ``path``, class index ``label``, optional ``fold``."""

    path: str
    label: int
    fold: int | None = None


def require_dir(path: str | os.PathLike, what: str) -> Path:
    """``Path(path)`` if it is a directory, else a one-line ``FileNotFoundError``."""
    path = Path(path).expanduser()
    if not path.is_dir():
        raise FileNotFoundError(f"{path}: no such {what} folder")
    return path


def check_files(paths: Sequence[str], skip_bad_files: bool = False) -> list[str]:
    """Check every file's header up front (``soundfile.info``: fast even on large folders).

    Args:
        paths: files to check.
        skip_bad_files: drop unreadable or empty files with a warning naming each one; by
            default the first bad file raises.

    Returns:
        The readable paths, in order.

    Raises:
        AudioError: for the first bad file (naming it) unless ``skip_bad_files``; or when every
            file is bad.
    """
    good, bad = [], []
    for path in paths:
        try:
            audio_info(path)
            good.append(path)
        except AudioError as err:
            if not skip_bad_files:
                raise AudioError(f"{err} (pass skip_bad_files=true to skip bad files)") from None
            bad.append(str(err))
    for message in bad:
        log.warning("skipping %s", message)
    if bad:
        log.warning("skipped %d of %d files that cannot be read", len(bad), len(paths))
    if paths and not good:
        raise AudioError(f"none of the {len(paths)} files can be read (first: {bad[0]})")
    return good


class ClipDataset(Dataset):
    """Fixed-length clips from labelled files.

    Args:
        clips: the files and their labels.
        class_names: one name per label index.
        sample_rate: rate of the returned waveforms (the classifier's).
        clip_seconds: clip length; shorter files are zero-padded, longer ones cropped from the start.
        normalize: scale each clip so its absolute peak is 0.9.
        transform: optional waveform augmentation applied last (e.g. :class:`lmac.data.NoiseMixer`).
    """

    def __init__(
        self,
        clips: Sequence[Clip],
        class_names: Sequence[str],
        sample_rate: int = 16000,
        clip_seconds: float = 5.0,
        normalize: bool = True,
        transform: Transform | None = None,
    ):
        self.clips = list(clips)
        self.class_names = [str(c) for c in class_names]
        self.sample_rate, self.clip_seconds = int(sample_rate), float(clip_seconds)
        self.n_samples = int(round(self.clip_seconds * self.sample_rate))
        self.normalize, self.transform = normalize, transform

    def __len__(self) -> int:
        return len(self.clips)

    def __getitem__(self, index: int) -> dict:
        clip = self.clips[index]
        wav = load_audio(clip.path, self.sample_rate, duration=self.clip_seconds)
        wav = fix_length(wav, self.n_samples)
        if self.normalize:
            wav = peak_normalize(wav)
        if self.transform is not None:
            wav = self.transform(wav)
        return {"wav": wav.float(), "label": clip.label, "path": clip.path}
