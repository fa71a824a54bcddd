"""A dataset's labels on a classifier's outputs, by class name."""

import pytest
import torch

from lmac.data.labels import data_label_map, label_index_map, targets_from_labels

AUDIOSET = ["Speech", "Dog", "Music", "Rain", "Guitar"]


def test_maps_by_name_not_by_index():
    index = label_index_map(["Rain", "Dog"], AUDIOSET)
    assert index.tolist() == [3, 1]
    assert targets_from_labels(torch.tensor([0, 1, 1]), index).tolist() == [3, 1, 1]


def test_unknown_data_classes_are_named_in_the_error():
    with pytest.raises(ValueError, match=r"data classes \['animal'\] are not among the classifier's 5 classes"):
        label_index_map(["Dog", "animal"], AUDIOSET)
    with pytest.raises(ValueError, match="needs the data's class names"):
        data_label_map(object(), AUDIOSET)


def test_multi_hot_labels_explain_one_present_class():
    index = label_index_map(["Rain", "Dog", "Guitar"], AUDIOSET)
    labels = torch.tensor([[1.0, 0.0, 1.0]] * 200 + [[0.0, 1.0, 0.0]])
    targets = targets_from_labels(labels, index)
    assert set(targets[:200].tolist()) == {3, 4} and targets[200].item() == 1
    with pytest.raises(ValueError, match="no class present"):
        targets_from_labels(torch.zeros(1, 3), index)
