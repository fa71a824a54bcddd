"""Concept metrics by hand."""

import math

import torch

from lmac.metrics.concepts import concept_r2, effect_rank_correlation, top_match


def test_concept_r2_by_hand():
    true = torch.tensor([[0.0, 1.0], [1.0, 1.0], [2.0, 1.0]])
    pred = torch.tensor([[0.0, 0.0], [1.0, 0.0], [1.0, 0.0]])
    r2 = concept_r2(pred, true)
    assert math.isclose(r2[0].item(), 1 - 1 / 2) and math.isnan(r2[1].item())  # SS_res 1, SS_tot 2; constant


def test_effect_rank_correlation_and_top_match_by_hand():
    true = torch.tensor([[0.3, -0.5, 0.1], [1.0, 2.0, 3.0]])
    effects = torch.tensor([[0.9, -0.1, 0.2], [3.0, 2.0, 1.0]])
    assert torch.allclose(effect_rank_correlation(effects, true), torch.tensor([1.0, -1.0]))
    assert torch.equal(top_match(effects, true), torch.tensor([1.0, 0.0]))
