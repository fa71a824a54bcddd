"""The data randomisation test (Adebayo et al. 2018): the same clips with their labels permuted.

A classifier trained by its own recipe on :class:`PermutedLabelsDataModule` has learnt nothing about the
task; an explanation of it that still looks like the explanation of the real classifier does not
depend on what the classifier learnt. (A classifier with every layer re-initialised is no substitute
for it on the demo CNN: it predicts one class for every clip, which makes model randomisation pass trivially.)
"""

from __future__ import annotations

import numpy as np
import torch
from torch.utils.data import Dataset

from lmac.data.base import SPLITS, AudioDataModule

__all__ = ["PermutedLabels", "PermutedLabelsDataModule"]


class PermutedLabels(Dataset):
    """``dataset`` with item ``i`` labelled as item ``perm[i]`` (a permutation drawn from ``seed``).

    The class frequencies stay those of ``dataset``; everything but ``label`` is item ``i``'s own.
    Reading item ``i`` reads item ``perm[i]`` too (for its label).
    """

    def __init__(self, dataset: Dataset, seed: int | list[int] = 0):
        self.dataset = dataset
        self.perm = np.random.default_rng(seed).permutation(len(dataset))
        for key in ("class_names", "sample_rate", "clip_seconds"):
            setattr(self, key, getattr(dataset, key, None))

    def __len__(self) -> int:
        return len(self.dataset)

    def __getitem__(self, index: int) -> dict:
        item = dict(self.dataset[index])
        label = self.dataset[int(self.perm[index])]["label"]
        if torch.is_tensor(label) and label.dim() > 0:
            raise ValueError("PermutedLabels takes single-label items (an int label per clip), got a multi-hot label")
        return {**item, "label": label}


class PermutedLabelsDataModule(AudioDataModule):
    """Every split of ``data`` with permuted labels (:class:`PermutedLabels`, one permutation per split).

    Args:
        data: the DataModule of the classifier's own recipe (its loaders' settings and clip format are kept).
        seed: seed of the permutations.
    """

    def __init__(self, data: AudioDataModule, seed: int = 0):
        super().__init__(data.batch_size, data.num_workers, data.noise)
        self.data, self.seed = data, int(seed)
        self.class_names, self.sample_rate, self.clip_seconds = data.class_names, data.sample_rate, data.clip_seconds

    def dataset(self, split: str) -> PermutedLabels:
        self._check_split(split)
        return PermutedLabels(self.data.loader_dataset(split), seed=[self.seed, SPLITS.index(split)])
