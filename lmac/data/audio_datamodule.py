"""LightningDataModule shared by the file-based datasets (ESC-50, audio folders, MUSDB18)."""

from __future__ import annotations

import abc
from collections.abc import Callable

import lightning as L
import torch
from torch.utils.data import DataLoader, Dataset

__all__ = ["AudioDataModule", "SPLITS"]

SPLITS = ("train", "val", "test")


class AudioDataModule(L.LightningDataModule, abc.ABC):
    """Train / val / test loaders over datasets a subclass builds with :meth:`dataset`.

    Subclasses set ``class_names`` and ``sample_rate`` in ``__init__`` (the wiring reads them
    before training) and implement :meth:`dataset`.

    Args:
        batch_size, num_workers: loader settings.
        noise: optional waveform augmentation for the training split only, e.g.
            :class:`lmac.data.NoiseMixer` (WHAM!-style noise at a random SNR).
    """

    class_names: list[str]
    sample_rate: int

    def __init__(self, batch_size: int = 16, num_workers: int = 0,
                 noise: Callable[[torch.Tensor], torch.Tensor] | None = None):
        super().__init__()
        self.batch_size, self.num_workers, self.noise = int(batch_size), int(num_workers), noise
        self._datasets: dict[str, Dataset] = {}

    @abc.abstractmethod
    def dataset(self, split: str) -> Dataset:
        """The dataset of ``split`` (one of ``SPLITS``); the training split carries ``self.noise``."""

    def _check_split(self, split: str) -> None:
        if split not in SPLITS:
            raise ValueError(f"unknown split {split!r}; choose from {list(SPLITS)}")

    def _loader(self, split: str, shuffle: bool) -> DataLoader:
        if split not in self._datasets:
            self._datasets[split] = self.dataset(split)
        data = self._datasets[split]
        if len(data) == 0:
            raise ValueError(f"the {split} split of {type(self).__name__} is empty; check the folds / split settings")
        return DataLoader(data, batch_size=self.batch_size, shuffle=shuffle, num_workers=self.num_workers,
                          persistent_workers=self.num_workers > 0)

    def train_dataloader(self) -> DataLoader:
        return self._loader("train", True)

    def val_dataloader(self) -> DataLoader:
        return self._loader("val", False)

    def test_dataloader(self) -> DataLoader:
        return self._loader("test", False)
