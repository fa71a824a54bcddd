"""Global scores of local explanations per class (van der Linden et al. 2019, arXiv 1907.03039, as
MusicLIME uses them). Pure functions.

``weights (N, K)``: one local explanation per row (clip), one feature per column, ``NaN`` where the
feature is absent from the clip; ``classes (N,)``: the class each clip is aggregated under (the
classifier's prediction). With ``S_ck = sum |W_ik|`` over the clips ``i`` of class ``c`` where feature
``k`` is present and ``n_ck`` the number of those clips:

* **LIME importance** ``sqrt(S_ck)`` (Ribeiro et al.'s submodular-pick importance, per class);
* **average importance** ``A_ck = S_ck / n_ck`` (``NaN`` when ``n_ck = 0``);
* **homogeneity-weighted importance** ``A_ck * (1 - H_k / log C)``, with ``H_k`` the entropy of
  feature ``k``'s average importance across the ``C`` classes (``p_ck = A_ck / sum_c A_ck``, absent
  classes counted as 0). A feature as important for every class has ``H_k = log C`` and scores 0;
  one important for one class only keeps its full average importance. van der Linden et al. weight by
  the inverse of the rescaled entropy; ``1 - H / log C`` is the same ordering of features by
  homogeneity, bounded, and defined for a feature that only one class uses (``H = 0``). With one class
  the weighting is 1.
"""

from __future__ import annotations

import math

import torch

__all__ = [
    "SCORES",
    "class_sums",
    "lime_importance",
    "average_importance",
    "homogeneity_weighted_importance",
    "global_scores",
]

# key -> column header, in table order.
SCORES: dict[str, str] = {
    "lime": "LIME importance",
    "average": "average importance",
    "homogeneity": "homogeneity-weighted",
}


def class_sums(weights: torch.Tensor, classes: torch.Tensor, n_classes: int) -> tuple[torch.Tensor, torch.Tensor]:
    """``S (C, K)``: sum of ``|W|`` per class over the clips where each feature is present, and ``n (C, K)``:
    the number of those clips."""
    if weights.dim() != 2 or classes.shape != weights.shape[:1]:
        raise ValueError(
            f"weights must be (N, K) and classes (N,), got {tuple(weights.shape)} and {tuple(classes.shape)}"
        )
    present = ~torch.isnan(weights)
    abs_w = torch.where(present, weights.abs(), torch.zeros_like(weights)).double()
    index = classes.long().cpu()
    sums = torch.zeros(n_classes, weights.shape[1], dtype=torch.float64).index_add_(0, index, abs_w.cpu())
    counts = torch.zeros(n_classes, weights.shape[1], dtype=torch.float64).index_add_(0, index, present.double().cpu())
    return sums, counts


def lime_importance(weights: torch.Tensor, classes: torch.Tensor, n_classes: int) -> torch.Tensor:
    """``sqrt(sum |W|)`` per class and feature: ``(C, K)``."""
    return class_sums(weights, classes, n_classes)[0].sqrt()


def average_importance(weights: torch.Tensor, classes: torch.Tensor, n_classes: int) -> torch.Tensor:
    """``sum |W| / n`` per class and feature over the clips where the feature is present: ``(C, K)``,
    ``NaN`` where no clip of the class has the feature."""
    sums, counts = class_sums(weights, classes, n_classes)
    return torch.where(counts > 0, sums / counts.clamp_min(1), torch.full_like(sums, math.nan))


def homogeneity_weighted_importance(average: torch.Tensor) -> torch.Tensor:
    """``A (C, K)`` (:func:`average_importance`) -> ``A * (1 - H / log C)`` ``(C, K)`` (module doc)."""
    n_classes = average.shape[0]
    if n_classes < 2:
        return average.clone()
    a = torch.nan_to_num(average, nan=0.0)
    total = a.sum(0, keepdim=True)
    p = torch.where(total > 0, a / total.clamp_min(1e-300), torch.zeros_like(a))
    entropy = -(p * torch.log(p.clamp_min(1e-300))).sum(0)  # (K,)
    return average * (1 - entropy / math.log(n_classes)).clamp(0, 1)


def global_scores(weights: torch.Tensor, classes: torch.Tensor, n_classes: int) -> dict[str, torch.Tensor]:
    """The three scores of :data:`SCORES`, each ``(C, K)`` float64."""
    average = average_importance(weights, classes, n_classes)
    return {
        "lime": lime_importance(weights, classes, n_classes),
        "average": average,
        "homogeneity": homogeneity_weighted_importance(average),
    }
