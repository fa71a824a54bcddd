"""Your own labelled audio: class sub-folders, or a CSV manifest with ``path,label[,fold]``.

Layouts::

    root/dog/001.wav, root/dog/002.flac, root/rain/a.wav, ...     (class sub-folders)
    manifest.csv:  path,label,fold                                   (paths relative to root)
                   clips/001.wav,dog,1

Splits come from folds when the manifest has a ``fold`` column and folds are chosen;
otherwise each file goes to train / val / test by a stable hash of its relative path, so
the split never changes when files are added.
"""

from __future__ import annotations

import csv
import os
import zlib
from collections.abc import Callable, Sequence
from pathlib import Path

import torch

from lmac.data.base import AudioDataModule
from lmac.data.clips import AUDIO_EXTENSIONS, Clip, ClipDataset, check_files, require_dir

__all__ = ["scan_class_folders", "read_manifest", "hash_split", "AudioFolderDataModule"]


def scan_class_folders(
    root: str | os.PathLike, class_names: Sequence[str] | None = None
) -> tuple[list[tuple[str, str]], list[str]]:
    """``(path, class name)`` for every audio file under ``root/<class>/`` (recursively), and the classes.

    Args:
        root: folder with one sub-folder per class.
        class_names: expected classes (fixes the label order); default: sorted sub-folder names.
    """
    root = require_dir(root, "audio")
    folders = sorted(p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    if not folders:
        raise ValueError(f"{root}: no class sub-folders (expected root/<class>/<file>.wav, or pass a manifest)")
    names = list(class_names) if class_names else folders
    unknown = [f for f in folders if f not in names]
    if unknown:
        raise ValueError(f"{root}: sub-folders {unknown} are not in the class list {names}")
    items = [
        (str(p), folder)
        for folder in folders
        for p in sorted((root / folder).rglob("*"))
        if p.suffix.lower() in AUDIO_EXTENSIONS and p.is_file()
    ]
    if not items:
        raise ValueError(f"{root}: no audio files ({', '.join(AUDIO_EXTENSIONS)}) in the class sub-folders")
    return items, names


def read_manifest(
    path: str | os.PathLike, root: str | os.PathLike | None = None, class_names: Sequence[str] | None = None
) -> tuple[list[tuple[str, str, int | None]], list[str]]:
    """Rows ``(path, label, fold or None)`` of a CSV manifest, and the class names.

    Args:
        path: CSV with a header holding ``path`` and ``label`` (and optionally ``fold``).
        root: folder relative paths are resolved against (default: the manifest's folder).
        class_names: expected classes; a label outside it is an error. Default: sorted labels.
    """
    path = Path(path).expanduser()
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such manifest file")
    base = Path(root).expanduser() if root is not None else path.parent
    with path.open(newline="") as f:
        reader = csv.DictReader(f)
        missing = {"path", "label"} - set(reader.fieldnames or [])
        if missing:
            raise ValueError(f"{path}: manifest needs columns path,label[,fold]; missing {sorted(missing)}")
        rows = [
            (
                str(base / r["path"].strip()),
                r["label"].strip(),
                int(r["fold"]) if r.get("fold") not in (None, "") else None,
            )
            for r in reader
        ]
    if not rows:
        raise ValueError(f"{path}: manifest has no rows")
    labels = sorted({label for _, label, _ in rows})
    names = list(class_names) if class_names else labels
    unknown = [label for label in labels if label not in names]
    if unknown:
        raise ValueError(f"{path}: labels {unknown} are not in the class list {names}")
    return rows, names


def hash_split(key: str, val_fraction: float, test_fraction: float) -> str:
    """``"train"``, ``"val"`` or ``"test"`` from a stable hash of ``key`` (a relative path)."""
    u = (zlib.crc32(key.encode()) % 10_000) / 10_000
    return "test" if u < test_fraction else "val" if u < test_fraction + val_fraction else "train"


def _resolve(manifest: str, root: Path) -> Path:
    """A manifest path as given if it exists (absolute or from the working directory), else under ``root``."""
    path = Path(manifest).expanduser()
    return path if path.is_file() else root / path


class AudioFolderDataModule(AudioDataModule):
    """Loaders over your own labelled audio files (see the module docstring for layouts).

    Args:
        root: the audio folder (class sub-folders, or the base of the manifest's paths).
        manifest: optional CSV ``path,label[,fold]`` (its own path may be relative to ``root``);
            the paths inside are resolved against ``root``.
        class_names: class list fixing the label order; default: sorted folder names / labels.
        train_folds, val_folds, test_folds: folds of each split (manifest with a fold column).
            If none are given, files are split by hash with ``val_fraction`` / ``test_fraction``.
        val_fraction, test_fraction: shares of files for the hash split.
        sample_rate, clip_seconds: clip format (the classifier's rate and window).
        skip_bad_files: check every file up front and skip unreadable or empty ones with a
            warning; by default a bad file is an error naming it.
        batch_size, num_workers, noise: see :class:`AudioDataModule`.
    """

    def __init__(
        self,
        root: str,
        manifest: str | None = None,
        class_names: list[str] | None = None,
        train_folds: list[int] | None = None,
        val_folds: list[int] | None = None,
        test_folds: list[int] | None = None,
        val_fraction: float = 0.1,
        test_fraction: float = 0.1,
        sample_rate: int = 16000,
        clip_seconds: float = 5.0,
        skip_bad_files: bool = False,
        batch_size: int = 16,
        num_workers: int = 0,
        noise: Callable[[torch.Tensor], torch.Tensor] | None = None,
    ):
        super().__init__(batch_size, num_workers, noise)
        self.root = require_dir(root, "audio")
        self.sample_rate, self.clip_seconds = int(sample_rate), float(clip_seconds)
        folds = {"train": train_folds, "val": val_folds, "test": test_folds}
        if manifest is not None:
            rows, self.class_names = read_manifest(_resolve(manifest, self.root), self.root, class_names)
        else:
            items, self.class_names = scan_class_folders(self.root, class_names)
            rows = [(p, label, None) for p, label in items]
        use_folds = any(f is not None for f in folds.values())
        if use_folds and any(fold is None for _, _, fold in rows):
            raise ValueError("train_folds / val_folds / test_folds need a manifest with a fold for every row")
        good = set(check_files([p for p, _, _ in rows], skip_bad_files))
        clips = [Clip(p, self.class_names.index(label), fold) for p, label, fold in rows if p in good]
        self.splits: dict[str, list[Clip]] = {split: [] for split in folds}
        for clip in clips:
            if use_folds:
                for split in (s for s, chosen in folds.items() if chosen is not None and clip.fold in chosen):
                    self.splits[split].append(clip)
            else:
                key = os.path.relpath(clip.path, self.root)
                self.splits[hash_split(key, val_fraction, test_fraction)].append(clip)

    def dataset(self, split: str) -> ClipDataset:
        self._check_split(split)
        return ClipDataset(
            self.splits[split],
            self.class_names,
            self.sample_rate,
            self.clip_seconds,
            transform=self.noise if split == "train" else None,
        )
