"""ESC-50 (Piczak, 2015) in its released layout::

    root/audio/1-100032-A-0.wav ...    2000 five-second clips, 44.1 kHz mono
    root/meta/esc50.csv                filename,fold,target,category,esc10,src_file,take

Folds 1-5; the L-MAC paper trains on folds 1-3, validates on 4 and tests on 5. Class names
are the ``category`` column in ``target`` order, so label ``i`` is ESC-50's target ``i``.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Callable
from pathlib import Path

import torch

from lmac.data.base import AudioDataModule
from lmac.data.clips import Clip, ClipDataset, check_files, require_dir

__all__ = ["read_esc50", "esc50_clips", "ESC50DataModule"]

META_COLUMNS = ("filename", "fold", "target", "category")


def read_esc50(root: str | os.PathLike) -> tuple[list[Clip], list[str]]:
    """All clips listed in ``meta/esc50.csv`` (with their folds) and the class names by target.

    Raises:
        FileNotFoundError: missing folder, ``audio/`` or ``meta/esc50.csv``.
        ValueError: a metadata file without the ESC-50 columns, or inconsistent targets.
    """
    root = require_dir(root, "ESC-50")
    audio = require_dir(root / "audio", "ESC-50 audio")
    meta = root / "meta" / "esc50.csv"
    if not meta.is_file():
        raise FileNotFoundError(f"{meta}: no such file (expected the ESC-50 layout audio/*.wav + meta/esc50.csv)")
    with meta.open(newline="") as f:
        reader = csv.DictReader(f)
        missing = [c for c in META_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise ValueError(f"{meta}: missing columns {missing}; expected {','.join(META_COLUMNS)},...")
        rows = list(reader)
    if not rows:
        raise ValueError(f"{meta}: no clips listed")
    categories: dict[int, str] = {}
    for row in rows:
        target, category = int(row["target"]), row["category"].strip()
        if categories.setdefault(target, category) != category:
            raise ValueError(f"{meta}: target {target} is both {categories[target]!r} and {category!r}")
    if sorted(categories) != list(range(len(categories))):
        raise ValueError(f"{meta}: targets must be 0..N-1, got {sorted(categories)}")
    clips = [Clip(str(audio / row["filename"].strip()), int(row["target"]), int(row["fold"])) for row in rows]
    return clips, [categories[i] for i in range(len(categories))]


class ESC50DataModule(AudioDataModule):
    """ESC-50 loaders with selectable folds; clips resampled, mono, peak-normalised, fixed length.

    Args:
        root: the ESC-50 folder (``ESC-50-master`` as released).
        train_folds, val_folds, test_folds: folds of each split (paper: 1-3, 4, 5).
        sample_rate: the classifier's rate (16 kHz in the paper).
        clip_seconds: clip length (5 s: the whole clip).
        skip_bad_files: skip unreadable or empty files with a warning naming each one
            (checked up front); by default a bad file is an error naming it.
        batch_size, num_workers, noise: see :class:`AudioDataModule`.
    """

    def __init__(
        self,
        root: str,
        train_folds: list[int] = (1, 2, 3),
        val_folds: list[int] = (4,),
        test_folds: list[int] = (5,),
        sample_rate: int = 16000,
        clip_seconds: float = 5.0,
        skip_bad_files: bool = False,
        batch_size: int = 16,
        num_workers: int = 0,
        noise: Callable[[torch.Tensor], torch.Tensor] | None = None,
    ):
        super().__init__(batch_size, num_workers, noise)
        clips, self.class_names = read_esc50(root)
        self.root = Path(root)
        self.sample_rate, self.clip_seconds = int(sample_rate), float(clip_seconds)
        self.folds = {"train": list(train_folds), "val": list(val_folds), "test": list(test_folds)}
        for split, folds in self.folds.items():
            _check_folds(clips, folds, self.root, split)
        self.clips = _usable([c for c in clips if any(c.fold in f for f in self.folds.values())], skip_bad_files)

    def dataset(self, split: str) -> ClipDataset:
        self._check_split(split)
        clips = [c for c in self.clips if c.fold in self.folds[split]]
        return ClipDataset(
            clips,
            self.class_names,
            self.sample_rate,
            self.clip_seconds,
            transform=self.noise if split == "train" else None,
        )


def esc50_clips(
    root: str | os.PathLike,
    folds: list[int] = (5,),
    sample_rate: int = 16000,
    clip_seconds: float = 5.0,
    skip_bad_files: bool = False,
) -> ClipDataset:
    """The ESC-50 clips of ``folds`` as one dataset (e.g. the benchmark's test clips).

    Same clip format as :class:`ESC50DataModule` (resampled, mono, peak-normalised, fixed length).
    """
    clips, class_names = read_esc50(root)
    _check_folds(clips, folds, Path(root), "test")
    return ClipDataset(
        _usable([c for c in clips if c.fold in folds], skip_bad_files), class_names, sample_rate, clip_seconds
    )


def _check_folds(clips: list[Clip], folds, root: Path, split: str) -> None:
    available = sorted({c.fold for c in clips})
    unknown = [f for f in folds if f not in available]
    if unknown:
        raise ValueError(f"{split} folds {unknown} not in {root}/meta/esc50.csv (folds {available})")


def _usable(clips: list[Clip], skip_bad_files: bool) -> list[Clip]:
    """The clips whose files read (bad ones are an error unless ``skip_bad_files``; see ``check_files``)."""
    good = set(check_files([c.path for c in clips], skip_bad_files))
    return [c for c in clips if c.path in good]
