"""MUSDB18-HQ as fixed-length excerpts with their stems (oracle-stem baselines, tagging studies).

Layout (as released)::

    root/train/<track>/mixture.wav, vocals.wav, drums.wav, bass.wav, other.wav
    root/test/<track>/...

Each item: ``wav (T,)`` = sum of ``stems`` (name -> ``(T,)``) exactly, peak-normalised to 0.9 (the
stems share the mixture's gain); ``label`` = index of the loudest stem in the excerpt (a simple
"which source dominates" task, class names = stem names); ``track`` (str) and ``offset``
(seconds). The mixture is rebuilt from the stems rather than read from ``mixture.wav``, so the
stems always add up to what the classifier hears.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from pathlib import Path

import torch
from torch.utils.data import Dataset

from lmac.audio import audio_info, fix_length, load_audio
from lmac.data.base import AudioDataModule
from lmac.data.clips import check_files, require_dir

__all__ = ["STEMS", "MUSDB_VALIDATION", "find_tracks", "MUSDBExcerpts", "MUSDBDataModule"]

log = logging.getLogger("lmac.data")

STEMS = ("vocals", "drums", "bass", "other")

# The validation tracks of the official musdb train/validation split (``musdb`` package).
MUSDB_VALIDATION = (
    "Actions - One Minute Smile",
    "Clara Berry And Wooldog - Waltz For My Victims",
    "Johnny Lokke - Promises & Lies",
    "Patrick Talbot - A Reason To Leave",
    "Triviul - Angelsaint",
    "Alexander Ross - Goodbye Bolero",
    "Fergessen - Nos Palpitants",
    "Leaf - Summerghost",
    "Skelpolu - Human Mistakes",
    "Young Griffo - Pennies",
    "ANiMAL - Rockshow",
    "James May - On The Line",
    "Meaxic - Take A Step",
    "Traffic Experiment - Sirens",
)


def find_tracks(folder: str | os.PathLike, stems: Sequence[str] = STEMS, skip_bad_files: bool = False) -> list[Path]:
    """Track folders under ``folder`` whose stem files all exist and can be read.

    Raises:
        FileNotFoundError: missing folder.
        AudioError: a missing, unreadable or empty stem (naming it) unless ``skip_bad_files``,
            which drops the track with a warning instead.
    """
    folder = require_dir(folder, "MUSDB18")
    tracks = sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))
    if not tracks:
        raise ValueError(f"{folder}: no track folders (expected <track>/{{{','.join(stems)}}}.wav)")
    paths = [str(t / f"{s}.wav") for t in tracks for s in stems]
    good = set(check_files(paths, skip_bad_files))
    kept = [t for t in tracks if all(str(t / f"{s}.wav") in good for s in stems)]
    if len(kept) < len(tracks):
        log.warning("skipped %d of %d tracks with bad stems", len(tracks) - len(kept), len(tracks))
    return kept


class MUSDBExcerpts(Dataset):
    """Fixed-length excerpts of MUSDB18 tracks with their stems (see the module docstring).

    Args:
        tracks: track folders (from :func:`find_tracks`).
        stems: stem names (file stems in each track folder); also the class names.
        sample_rate: rate of the returned signals.
        clip_seconds: excerpt length.
        hop_seconds: distance between excerpt starts (default: ``clip_seconds``, no overlap).
        max_excerpts_per_track: keep at most this many excerpts per track, evenly spaced.
    """

    def __init__(
        self,
        tracks: Sequence[Path],
        stems: Sequence[str] = STEMS,
        sample_rate: int = 16000,
        clip_seconds: float = 5.0,
        hop_seconds: float | None = None,
        max_excerpts_per_track: int | None = None,
    ):
        self.stem_names = self.class_names = list(stems)
        self.sample_rate, self.clip_seconds = int(sample_rate), float(clip_seconds)
        hop = float(hop_seconds or clip_seconds)
        self.index: list[tuple[Path, float]] = []
        for track in tracks:
            duration = min(audio_info(track / f"{s}.wav").seconds for s in self.stem_names)
            n = max(int((duration - self.clip_seconds) // hop) + 1, 1)
            starts = [i * hop for i in range(n)]
            if max_excerpts_per_track and n > max_excerpts_per_track:
                step = n / max_excerpts_per_track
                starts = [starts[int(i * step)] for i in range(max_excerpts_per_track)]
            self.index += [(Path(track), s) for s in starts]

    def __len__(self) -> int:
        return len(self.index)

    def __getitem__(self, index: int) -> dict:
        track, offset = self.index[index]
        n_samples = int(round(self.clip_seconds * self.sample_rate))
        stems = {
            s: fix_length(load_audio(track / f"{s}.wav", self.sample_rate, offset, self.clip_seconds), n_samples)
            for s in self.stem_names
        }
        wav = torch.stack(list(stems.values())).sum(0)
        scale = 0.9 / wav.abs().amax().clamp_min(1e-8)
        stems = {k: v * scale for k, v in stems.items()}
        wav = torch.stack(list(stems.values())).sum(0)
        label = int(torch.stack([v.pow(2).sum() for v in stems.values()]).argmax())
        return {"wav": wav, "stems": stems, "label": label, "track": track.name, "offset": float(offset)}


class MUSDBDataModule(AudioDataModule):
    """MUSDB18-HQ loaders: train = ``root/train`` minus ``val_tracks``, val = ``val_tracks``, test = ``root/test``.

    Args:
        root: the MUSDB18-HQ folder (with ``train/`` and ``test/``).
        stems: stem names to load (and class names).
        val_tracks: names of training tracks held out for validation (default: the official
            musdb validation tracks); every name must exist in ``root/train``.
        sample_rate, clip_seconds, hop_seconds, max_excerpts_per_track: see :class:`MUSDBExcerpts`.
        skip_bad_files: drop tracks with unreadable stems (with a warning) instead of failing.
        batch_size, num_workers: loader settings.
    """

    def __init__(
        self,
        root: str,
        stems: list[str] = STEMS,
        val_tracks: list[str] = MUSDB_VALIDATION,
        sample_rate: int = 16000,
        clip_seconds: float = 5.0,
        hop_seconds: float | None = None,
        max_excerpts_per_track: int | None = None,
        skip_bad_files: bool = False,
        batch_size: int = 16,
        num_workers: int = 0,
    ):
        super().__init__(batch_size, num_workers, noise=None)
        self.root = require_dir(root, "MUSDB18")
        self.class_names = list(stems)
        self.sample_rate, self.clip_seconds = int(sample_rate), float(clip_seconds)
        self.kwargs = dict(
            stems=list(stems),
            sample_rate=sample_rate,
            clip_seconds=clip_seconds,
            hop_seconds=hop_seconds,
            max_excerpts_per_track=max_excerpts_per_track,
        )
        train = find_tracks(self.root / "train", stems, skip_bad_files)
        unknown = [name for name in val_tracks if name not in {t.name for t in train}]
        if unknown:
            raise ValueError(f"val_tracks {unknown} not found in {self.root / 'train'}")
        self.tracks = {
            "train": [t for t in train if t.name not in val_tracks],
            "val": [t for t in train if t.name in val_tracks],
            "test": find_tracks(self.root / "test", stems, skip_bad_files),
        }

    def dataset(self, split: str) -> MUSDBExcerpts:
        self._check_split(split)
        return MUSDBExcerpts(self.tracks[split], **self.kwargs)
