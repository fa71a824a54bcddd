"""LightningDataModule over the built-in synthetic tasks."""

from __future__ import annotations

import lightning as L
from torch.utils.data import DataLoader, Dataset

from lmac.data.synthetic import TASKS, SyntheticMixtures

__all__ = ["SyntheticDataModule", "MixtureCache"]


class MixtureCache(Dataset):
    """Keeps ``wav``, ``label`` and ``seed`` of each generated item after its first use (no stems),
    so training epochs after the first skip synthesis. About 128 KB per 2 s clip."""

    def __init__(self, dataset: SyntheticMixtures):
        self.dataset = dataset
        self._items: dict[int, dict] = {}

    def __len__(self) -> int:
        return len(self.dataset)

    def __getitem__(self, index: int) -> dict:
        if index not in self._items:
            item = self.dataset[index]
            self._items[index] = {"wav": item["wav"], "label": item["label"], "seed": item["seed"]}
        return self._items[index]


class SyntheticDataModule(L.LightningDataModule):
    """Train / val / test loaders for one built-in task.

    Args:
        task: ``"instruments"`` or ``"confound"``.
        n_train, n_val, n_test: clips per split.
        test_split: split used by ``test_dataloader`` (``"test"`` for instruments; ``"test_std"``
            or ``"test_bad"`` for confound).
        batch_size, num_workers: loader settings.
        seed: base seed of every split.
        sample_rate, seconds: clip format.
        cache: keep generated train/val mixtures in memory (without stems); use with
            ``num_workers=0`` (worker processes would each keep their own copy).
    """

    def __init__(self, task: str = "instruments", n_train: int = 2000, n_val: int = 200, n_test: int = 400,
                 test_split: str | None = None, batch_size: int = 32, num_workers: int = 0, seed: int = 0,
                 sample_rate: int = 16000, seconds: float = 2.0, cache: bool = True):
        super().__init__()
        self.cache = cache
        self._loaded: dict[str, Dataset] = {}
        if task not in TASKS:
            raise ValueError(f"unknown task {task!r}; choose from {sorted(TASKS)}")
        self.task = task
        self.test_split = test_split or ("test" if task == "instruments" else "test_std")
        self.sizes = {"train": n_train, "val": n_val, self.test_split: n_test}
        self.batch_size, self.num_workers = batch_size, num_workers
        self.kwargs = dict(seed=seed, sample_rate=sample_rate, seconds=seconds)
        self.class_names = list(TASKS[task]["classes"])
        self.sample_rate = sample_rate

    def dataset(self, split: str) -> SyntheticMixtures:
        return SyntheticMixtures(self.task, split, self.sizes[split], **self.kwargs)

    def _loader(self, split: str, shuffle: bool) -> DataLoader:
        if split not in self._loaded:
            data = self.dataset(split)
            self._loaded[split] = MixtureCache(data) if self.cache and split in ("train", "val") else data
        return DataLoader(self._loaded[split], batch_size=self.batch_size, shuffle=shuffle,
                          num_workers=self.num_workers, persistent_workers=self.num_workers > 0)

    def train_dataloader(self) -> DataLoader:
        return self._loader("train", True)

    def val_dataloader(self) -> DataLoader:
        return self._loader("val", False)

    def test_dataloader(self) -> DataLoader:
        return self._loader(self.test_split, False)
