"""A dataset's labels on a classifier's outputs, matched by class name.

A pretrained classifier rarely has the dataset's classes in the dataset's order (a 9-class
folder on a 521-class AudioSet tagger): a data label index is not a classifier index. These
functions map one onto the other by name, and refuse data classes the classifier does not have.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

__all__ = ["label_index_map", "data_label_map", "targets_from_labels"]


def label_index_map(data_names: Sequence[str], classifier_names: Sequence[str]) -> torch.Tensor:
    """Classifier index of each data class, by name: ``(n_data_classes,)`` long.

    Raises:
        ValueError: naming the data classes that are not among the classifier's classes.
    """
    classifier_names = [str(n) for n in classifier_names]
    missing = [str(n) for n in data_names if str(n) not in classifier_names]
    if missing:
        shown = ", ".join(repr(n) for n in classifier_names[:12]) + (", ..." if len(classifier_names) > 12 else "")
        raise ValueError(
            f"data classes {missing} are not among the classifier's {len(classifier_names)} classes "
            f"({shown}); name the data's classes as the classifier does (e.g. data.class_names=[...])"
        )
    return torch.tensor([classifier_names.index(str(n)) for n in data_names], dtype=torch.long)


def data_label_map(datamodule, classifier_names: Sequence[str]) -> torch.Tensor:
    """:func:`label_index_map` for a datamodule's ``class_names``; a clear error if it has none."""
    names = getattr(datamodule, "class_names", None)
    if names is None:
        raise ValueError(
            "explaining the data's labels needs the data's class names: fit with a datamodule "
            "that has `class_names` (or explain the classifier's own prediction)"
        )
    return label_index_map(names, classifier_names)


def targets_from_labels(labels: torch.Tensor, index_map: torch.Tensor) -> torch.Tensor:
    """Classifier indices ``(B,)`` to explain, from data labels.

    Args:
        labels: ``(B,)`` data class indices, or multi-hot ``(B, C_data)`` (multi-label data: one
            present class is drawn at random per clip).
        index_map: :func:`label_index_map` output.
    """
    index_map = index_map.to(labels.device)
    if labels.dim() == 2:
        present = (labels > 0.5).float()
        if not present.any(dim=1).all():
            raise ValueError("a multi-hot label has no class present; cannot pick a class to explain")
        labels = torch.multinomial(present, 1).squeeze(1)
    return index_map[labels.long()]
