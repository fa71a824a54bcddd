"""The three van der Linden scores, on hand-computed values."""

import math

import pytest
import torch

from lmac.global_ import average_importance, global_scores, homogeneity_weighted_importance, lime_importance

NAN = math.nan
# 4 clips, 3 features; clips 0-2 predicted class 0, clip 3 class 1; feature 2 absent from clip 1.
WEIGHTS = torch.tensor([[0.5, -0.1, 0.4], [0.3, 0.1, NAN], [-0.2, 0.1, 0.2], [0.0, 0.6, NAN]])
CLASSES = torch.tensor([0, 0, 0, 1])


def test_lime_importance_is_the_root_of_the_summed_magnitudes():
    got = lime_importance(WEIGHTS, CLASSES, 3)
    assert got[0].tolist() == pytest.approx([math.sqrt(1.0), math.sqrt(0.3), math.sqrt(0.6)])
    assert got[1].tolist() == pytest.approx([0.0, math.sqrt(0.6), 0.0])
    assert got[2].tolist() == [0.0, 0.0, 0.0]  # no clip predicted as class 2


def test_average_importance_counts_only_clips_where_the_feature_is_present():
    got = average_importance(WEIGHTS, CLASSES, 3)
    assert got[0].tolist() == pytest.approx([1.0 / 3, 0.1, 0.3])  # feature 2: (0.4 + 0.2) / 2 clips
    assert got[1, :2].tolist() == pytest.approx([0.0, 0.6]) and math.isnan(got[1, 2])
    assert torch.isnan(got[2]).all()


def test_homogeneity_keeps_class_specific_features_and_drops_shared_ones():
    average = torch.tensor([[0.4, 0.2, 0.3], [0.0, 0.2, NAN], [NAN, NAN, NAN]], dtype=torch.float64)
    got = homogeneity_weighted_importance(average)
    # feature 0: only class 0 -> entropy 0 -> kept; feature 1: 0.5 / 0.5 over two of three classes
    p_entropy = math.log(2) / math.log(3)
    assert got[0, 0] == pytest.approx(0.4) and got[0, 2] == pytest.approx(0.3)
    assert got[0, 1] == pytest.approx(0.2 * (1 - p_entropy)) and got[1, 1] == pytest.approx(0.2 * (1 - p_entropy))
    assert math.isnan(got[1, 2]) and torch.isnan(got[2]).all()


def test_one_class_is_not_weighted_and_scores_come_together():
    average = torch.tensor([[0.4, 0.2]], dtype=torch.float64)
    assert homogeneity_weighted_importance(average).tolist() == [[0.4, 0.2]]
    scores = global_scores(WEIGHTS, CLASSES, 2)
    assert set(scores) == {"lime", "average", "homogeneity"} and all(v.shape == (2, 3) for v in scores.values())


def test_shapes_are_checked():
    with pytest.raises(ValueError, match=r"\(N, K\)"):
        lime_importance(WEIGHTS, CLASSES[:2], 2)
