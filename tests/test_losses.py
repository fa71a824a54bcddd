import math

import torch

from lmac.losses import LMACLoss, total_variation


def test_terms_hand_computed():
    logits_in = torch.tensor([[0.0, 0.0]])  # p = 0.5 each -> CE = log 2
    logits_out = torch.tensor([[math.log(3.0), 0.0]])  # p(target 0) = 0.75 -> -log(0.25)
    target = torch.tensor([0])
    mask = torch.tensor([[[0.0, 1.0], [1.0, 1.0]]])
    terms = LMACLoss(w_in=4, w_out=0.2, w_l1=0.4, w_tv=1.0)(logits_in, logits_out, target, mask)
    assert math.isclose(terms["loss_in"].item(), math.log(2), rel_tol=1e-5)
    assert math.isclose(terms["loss_out"].item(), -math.log(0.25), rel_tol=1e-5)
    assert math.isclose(terms["l1"].item(), 0.75, rel_tol=1e-6)
    # TV: freq diffs |1-0|, |1-1| -> 0.5; time diffs |1-0|, |1-1| -> 0.5
    assert math.isclose(terms["tv"].item(), 1.0, rel_tol=1e-6)
    expected = 4 * math.log(2) + 0.2 * -math.log(0.25) + 0.4 * 0.75 + 1.0
    assert math.isclose(terms["loss"].item(), expected, rel_tol=1e-5)


def test_masked_out_term_is_bounded_and_pushes_down():
    target = torch.tensor([0])
    low = LMACLoss()(torch.zeros(1, 2), torch.tensor([[-30.0, 30.0]]), target, torch.zeros(1, 2, 2))["loss_out"]
    high = LMACLoss()(torch.zeros(1, 2), torch.tensor([[30.0, -30.0]]), target, torch.zeros(1, 2, 2))["loss_out"]
    assert low.item() < 1e-6 < high.item() < 20


def test_total_variation_of_constant_is_zero():
    assert torch.all(total_variation(torch.ones(3, 4, 5)) == 0)
