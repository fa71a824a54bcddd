from collections import Counter

import pytest
import torch

from lmac.data import PermutedLabels, PermutedLabelsDataModule, SyntheticDataModule


def test_labels_are_permuted_and_everything_else_is_the_clips_own():
    items = [{"wav": torch.full((4,), float(i)), "label": i % 3} for i in range(30)]
    permuted = PermutedLabels(items, seed=1)
    labels = [permuted[i]["label"] for i in range(30)]
    assert Counter(labels) == Counter(it["label"] for it in items)  # class frequencies kept
    assert sum(a != it["label"] for a, it in zip(labels, items)) > 10  # most labels moved
    assert all(torch.equal(permuted[i]["wav"], items[i]["wav"]) for i in range(30))
    assert labels == [PermutedLabels(items, seed=1)[i]["label"] for i in range(30)]  # fixed for the run
    with pytest.raises(ValueError, match="single-label"):
        PermutedLabels([{"wav": torch.zeros(4), "label": torch.tensor([1.0, 0.0])}] * 2)[0]


def test_the_datamodule_keeps_the_recipes_format_and_loaders():
    data = SyntheticDataModule("instruments", n_train=8, n_val=4, n_test=4, batch_size=4, clip_seconds=0.5)
    permuted = PermutedLabelsDataModule(data, seed=0)
    assert permuted.class_names == data.class_names and permuted.clip_seconds == 0.5 and permuted.batch_size == 4
    batch = next(iter(permuted.train_dataloader()))
    assert batch["wav"].shape == (4, 8000)
    train = permuted.dataset("train")
    assert sorted(train[i]["label"] for i in range(8)) == sorted(data.dataset("train")[i]["label"] for i in range(8))
