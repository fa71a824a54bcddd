"""Where a new dataset starts: one item type, one DataModule base, one clip-format check.

A dataset is a ``torch.utils.data.Dataset`` of :class:`Item` dicts. To add one, subclass
:class:`AudioDataModule` (see ``esc50.py`` for a complete example, ``folder.py`` for your own
files): set ``class_names``, ``sample_rate`` and ``clip_seconds`` in ``__init__`` (the clip
format the classifier must take) and implement :meth:`AudioDataModule.dataset`. A dataset
used without a DataModule (a benchmark's clips) carries the same three attributes.
:func:`check_clip_format` is called by every task that pairs a classifier with data.
"""

from __future__ import annotations

import abc
from collections.abc import Callable
from typing import TYPE_CHECKING, TypedDict

import lightning as L
import torch
from torch.utils.data import DataLoader, Dataset

from lmac.data.labels import label_index_map

if TYPE_CHECKING:
    from lmac.classifiers.base import AudioClassifier

__all__ = ["Item", "AudioDataModule", "SPLITS", "ClipFormatError", "check_clip_format"]

SPLITS = ("train", "val", "test")


class _ItemRequired(TypedDict):
    wav: torch.Tensor
    label: int | torch.Tensor


class Item(_ItemRequired, total=False):
    """One clip, the same for every dataset (a plain dict, so default collation batches it).

    Keys:
        wav: ``(T,)`` float mono audio at the dataset's ``sample_rate``, ``clip_seconds`` long.
        label: class index into the dataset's ``class_names``; for a multi-label dataset (the built-in
            ``instruments_multi``) a multi-hot float ``(C,)`` tensor, 1 for every class present.
        stems: optional name -> ``(T,)`` ground-truth sources with ``wav == sum(stems)`` (the
            built-in data, MUSDB18, contaminated settings); used by oracle-stem LIME and localisation.
        concepts: ``(K,)`` float concept values of the built-in concept task (:mod:`lmac.data.concepts`),
            whose ``label`` is then the float ``(C,)`` regression targets.
        seed: the seed that regenerates a built-in item.
        path: the file a clip was read from.
        track, offset: the MUSDB18 track and the excerpt's start in seconds.
    """

    stems: dict[str, torch.Tensor]
    concepts: torch.Tensor
    seed: int
    path: str
    track: str
    offset: float


class AudioDataModule(L.LightningDataModule, abc.ABC):
    """Train / val / test loaders over the datasets a subclass builds with :meth:`dataset`.

    Subclasses set ``class_names``, ``sample_rate`` and ``clip_seconds`` in ``__init__`` (the
    wiring reads them before training, :func:`check_clip_format`) and implement :meth:`dataset`.

    Args:
        batch_size, num_workers: loader settings.
        noise: optional waveform augmentation for the training split only, e.g.
            :class:`lmac.data.NoiseMixer` (WHAM!-style noise at a random SNR); subclasses pass it
            to their training dataset.
    """

    class_names: list[str]
    sample_rate: int
    clip_seconds: float

    def __init__(
        self, batch_size: int = 16, num_workers: int = 0, noise: Callable[[torch.Tensor], torch.Tensor] | None = None
    ):
        super().__init__()
        self.batch_size, self.num_workers, self.noise = int(batch_size), int(num_workers), noise
        self._datasets: dict[str, Dataset] = {}

    @abc.abstractmethod
    def dataset(self, split: str) -> Dataset:
        """The :class:`Item` dataset of ``split`` (one of ``SPLITS``); the training split carries ``self.noise``."""

    def loader_dataset(self, split: str) -> Dataset:
        """What the loaders of ``split`` read (built once); :meth:`dataset` unless a subclass caches."""
        return self.dataset(split)

    def _check_split(self, split: str) -> None:
        if split not in SPLITS:
            raise ValueError(f"unknown split {split!r}; choose from {list(SPLITS)}")

    def _loader(self, split: str, shuffle: bool) -> DataLoader:
        if split not in self._datasets:
            self._datasets[split] = self.loader_dataset(split)
        data = self._datasets[split]
        if len(data) == 0:
            raise ValueError(f"the {split} split of {type(self).__name__} is empty; check the folds / split settings")
        return DataLoader(
            data,
            batch_size=self.batch_size,
            shuffle=shuffle,
            num_workers=self.num_workers,
            persistent_workers=self.num_workers > 0,
        )

    def train_dataloader(self) -> DataLoader:
        return self._loader("train", True)

    def val_dataloader(self) -> DataLoader:
        return self._loader("val", False)

    def test_dataloader(self) -> DataLoader:
        return self._loader("test", False)


class ClipFormatError(ValueError):
    """Data whose clips the classifier cannot take: other class names, sample rate or clip length."""


def check_clip_format(classifier: AudioClassifier, data, same_classes: bool = True) -> None:
    """Refuse data the classifier cannot take as it is, with a one-line :class:`ClipFormatError`.

    ``data`` (a DataModule or a dataset) must declare ``class_names``, ``sample_rate`` and
    ``clip_seconds``; they must equal the classifier's (same class names in the same order, same
    rate, clips of the classifier's window ``clip_samples``). With ``same_classes=False`` (a head
    trained on a classifier, whose labels are mapped onto the classifier's classes by name,
    :mod:`lmac.data.labels`) the data's classes need only be among the classifier's.
    """
    what = type(data).__name__
    missing = [name for name in ("class_names", "sample_rate", "clip_seconds") if getattr(data, name, None) is None]
    if missing:
        raise ClipFormatError(
            f"{what} does not declare its clip format ({', '.join(missing)}); "
            "set class_names, sample_rate and clip_seconds on it"
        )
    if same_classes and list(data.class_names) != list(classifier.class_names):
        raise ClipFormatError(
            f"classifier classes {classifier.class_names} do not match the data's {list(data.class_names)}"
        )
    if not same_classes:
        try:
            label_index_map(data.class_names, classifier.class_names)
        except ValueError as err:
            raise ClipFormatError(str(err)) from None
    if int(data.sample_rate) != classifier.sample_rate:
        raise ClipFormatError(
            f"{what} gives clips at {data.sample_rate} Hz but the classifier takes "
            f"{classifier.sample_rate} Hz: set the data's sample_rate to {classifier.sample_rate}"
        )
    if int(round(float(data.clip_seconds) * classifier.sample_rate)) != classifier.clip_samples:
        raise ClipFormatError(
            f"{what} gives {data.clip_seconds} s clips but the classifier's window is "
            f"{classifier.clip_seconds} s: set the data's clip_seconds to {classifier.clip_seconds}"
        )
