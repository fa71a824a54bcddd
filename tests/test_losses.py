import math

import pytest
import torch

from lmac.losses import (
    LMACLoss,
    RegressionMaskLoss,
    masked_in_out,
    masked_in_similarity,
    oracle_mask,
    total_variation,
)


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


def test_sigmoid_terms_hand_computed():
    # target logit 0 on the explanation: p_in = 0.5 -> BCE toward present = log 2, whatever the other logits;
    # target logit log 3 on the residual: p_out = 0.75 -> -log(1 - 0.75) = log 4
    logits_in = torch.tensor([[0.0, 9.0, -9.0]])
    logits_out = torch.tensor([[math.log(3.0), 5.0, 5.0]])
    target = torch.tensor([0])
    terms = LMACLoss(w_in=4, w_out=0.2, w_l1=0, output="sigmoid")(logits_in, logits_out, target, torch.zeros(1, 2, 2))
    assert math.isclose(terms["loss_in"].item(), math.log(2), rel_tol=1e-6)
    assert math.isclose(terms["loss_out"].item(), math.log(4), rel_tol=1e-6)
    assert math.isclose(terms["loss"].item(), 4 * math.log(2) + 0.2 * math.log(4), rel_tol=1e-6)
    # the same logits under softmax: other classes compete, so both terms differ
    soft = LMACLoss(output="softmax")(logits_in, logits_out, target, torch.zeros(1, 2, 2))
    assert soft["loss_in"].item() > 8 and soft["loss_out"].item() < 0.02


def test_sigmoid_terms_stay_finite_for_extreme_logits():
    target = torch.tensor([0, 0])
    big = torch.tensor([[200.0], [-200.0]])
    loss_in, loss_out = masked_in_out(big, big, target, "sigmoid")
    assert torch.allclose(loss_in, torch.tensor([0.0, 200.0])) and torch.allclose(loss_out, torch.tensor([200.0, 0.0]))


def test_explainer_module_refuses_a_loss_for_the_other_output_type():
    from conftest import tiny_classifier, tiny_head

    from lmac.training import ExplainerModule

    clf = tiny_classifier()
    with pytest.raises(ValueError, match="LMACLoss\\(..., output=classifier.output\\)"):
        ExplainerModule(clf, tiny_head(clf), LMACLoss(output="sigmoid"), torch.optim.Adam)


def test_regression_terms_hand_computed():
    values = torch.tensor([[1.0, 2.0], [3.0, -1.0]])  # (B, C) on the input
    values_in = torch.tensor([[1.5, 0.0], [0.0, 0.0]])  # target 0 for clip 0, 1 for clip 1
    values_out = torch.tensor([[0.0, 9.0], [0.0, 1.0]])
    reference, target = torch.tensor([0.5, -2.0]), torch.tensor([0, 1])
    wav = torch.ones(2, 4)
    explanation = torch.tensor([[1.0, 1.0, 0.0, 0.0], [0.5, 0.5, 0.5, 0.5]])  # energy shares 0.5 and 0.25
    mask = torch.tensor([[[0.0, 1.0]], [[0.5, 0.5]]])
    loss = RegressionMaskLoss(w_in=2, w_out=0.5, w_l1=0.1, w_tv=1.0, w_energy=4.0)
    terms = loss(values_in, values_out, values, reference, target, mask, wav, explanation)
    assert math.isclose(terms["loss_in"], (0.5**2 + 1.0**2) / 2)  # (1.5 - 1)^2, (0 - (-1))^2
    assert math.isclose(terms["loss_out"], (0.5**2 + 3.0**2) / 2)  # (0 - 0.5)^2, (1 - (-2))^2
    assert math.isclose(terms["l1"], 0.5) and math.isclose(terms["tv"], 0.5)
    assert math.isclose(terms["energy"], 0.375)
    expected = 2 * 0.625 + 0.5 * 4.625 + 0.1 * 0.5 + 1.0 * 0.5 + 4.0 * 0.375
    assert math.isclose(terms["loss"], expected, rel_tol=1e-6)
    with pytest.raises(ValueError, match="regression outputs"):
        RegressionMaskLoss(output="sigmoid")


def _spectra(log_values) -> torch.Tensor:
    """Magnitudes whose ``log1p`` are ``log_values``, as ``(B, 1, N)``."""
    return torch.expm1(torch.tensor(log_values, dtype=torch.float32))[:, None, :]


def test_oracle_mask_keeps_bins_above_a_share_of_the_peak_log_magnitude():
    clean = _spectra([[1.0, 0.0, 0.3, 0.4]])  # threshold 0.35 x 1.0
    assert oracle_mask(clean, 0.35).tolist() == [[[1.0, 0.0, 0.0, 1.0]]]
    assert oracle_mask(torch.zeros(1, 2, 3)).sum() == 0  # a silent source guides nothing


def test_masked_in_similarity_is_the_cosine_of_log_magnitudes():
    clean, mag = _spectra([[1.0, 0.0]]), _spectra([[1.0, 1.0]])
    for saliency, expected in ([1.0, 1.0], 2**-0.5), ([1.0, 0.0], 1.0), ([0.0, 1.0], 0.0):
        value = masked_in_similarity(torch.tensor([[saliency]]), mag, clean).item()
        assert math.isclose(value, expected, abs_tol=1e-6)
    assert masked_in_similarity(torch.ones(1, 1, 2), mag, torch.zeros(1, 1, 2)).item() == 0


def test_guidance_gate_leaves_out_clips_below_the_threshold():
    # clip 0: masked-in input close to the source (cosine 0.98); clip 1: cosine 0.5 < 0.6
    clean = _spectra([[1.0, 0.0], [1.0, 0.0]])
    mag = _spectra([[1.0, 1.0], [1.0, 3**0.5]])
    saliency = torch.tensor([[[1.0, 0.2]], [[1.0, 1.0]]], requires_grad=True)
    logits, target = torch.zeros(2, 2), torch.tensor([0, 1])
    loss = LMACLoss(w_guide=4.0, w_l1=1.0)
    terms = loss(logits, logits, target, saliency, saliency=saliency, mag=mag, clean_mag=clean)
    assert terms["guided"].item() == 0.5
    # oracle [1, 0]: BCE of clip 0 = (0 - log 0.8) / 2, averaged over the batch of 2; clip 1 adds nothing
    assert math.isclose(terms["guide"].item(), -math.log(0.8) / 4, rel_tol=1e-5)
    assert math.isclose(terms["l1"].item(), (0 + 1.0) / 2, rel_tol=1e-6)  # L1 skips the guided clip
    (grad,) = torch.autograd.grad(terms["guide"], saliency)
    assert grad[1].abs().sum() == 0 and grad[0].abs().sum() > 0
    unguided = LMACLoss(w_l1=1.0)(logits, logits, target, saliency, saliency=saliency, mag=mag, clean_mag=clean)
    assert math.isclose(unguided["l1"].item(), 0.8, rel_tol=1e-6)  # guidance off: logged, L1 on every clip
    assert math.isclose(terms["loss"].item() - unguided["loss"].item(), 4 * terms["guide"].item() - 0.3, rel_tol=1e-5)


def test_guidance_needs_the_explained_class_stem():
    with pytest.raises(ValueError, match="cache_stems"):
        LMACLoss(w_guide=1.0)(torch.zeros(1, 2), torch.zeros(1, 2), torch.tensor([0]), torch.zeros(1, 2, 2))


def test_energy_term_is_the_share_of_input_energy_kept_and_charges_a_loud_kept_source():
    # two clips, same mask mean (L1 cannot tell them apart): clip 0 keeps its loud half, clip 1 its quiet half
    wav = torch.tensor([[3.0, 3.0, 1.0, 1.0], [3.0, 3.0, 1.0, 1.0]])
    explanation = torch.tensor([[3.0, 3.0, 0.0, 0.0], [0.0, 0.0, 1.0, 1.0]])
    logits, target, mask = torch.zeros(2, 2), torch.tensor([0, 1]), torch.full((2, 1, 2), 0.5)
    loss = LMACLoss(w_energy=2.0)
    terms = loss(logits, logits, target, mask, wav=wav, explanation_wav=explanation)
    assert math.isclose(terms["energy"].item(), (18 / 20 + 2 / 20) / 2, rel_tol=1e-6)
    off = LMACLoss()(logits, logits, target, mask, wav=wav, explanation_wav=explanation)
    assert math.isclose(off["energy"].item(), terms["energy"].item())  # logged when off, not weighted
    assert math.isclose(terms["loss"].item() - off["loss"].item(), 2.0 * terms["energy"].item(), rel_tol=1e-5)
    one = [
        loss(
            logits[i : i + 1],
            logits[i : i + 1],
            target[i : i + 1],
            mask[i : i + 1],
            wav=wav[i : i + 1],
            explanation_wav=explanation[i : i + 1],
        )["loss"]
        for i in range(2)
    ]
    assert one[0].item() > one[1].item()  # the loud kept half costs more


def test_energy_term_needs_the_explanation():
    with pytest.raises(ValueError, match="explanation_wav"):
        LMACLoss(w_energy=1.0)(torch.zeros(1, 2), torch.zeros(1, 2), torch.tensor([0]), torch.zeros(1, 2, 2))


def test_overlap_term_is_the_mixture_energy_both_explanations_keep():
    # rows 0 and 1 explain one mixture for its two classes; row 2 is a single clip (no pair)
    mag = torch.tensor([[[2.0, 1.0]], [[2.0, 1.0]], [[1.0, 1.0]]])  # power 4 and 1
    saliency = torch.tensor([[[1.0, 0.5]], [[0.5, 1.0]], [[1.0, 1.0]]], requires_grad=True)
    logits, target = torch.zeros(3, 2), torch.tensor([0, 1, 0])
    pairs = (torch.tensor([0]), torch.tensor([1]))
    terms = LMACLoss(w_overlap=3.0)(logits, logits, target, saliency, saliency=saliency, mag=mag, pairs=pairs)
    assert math.isclose(terms["overlap"].item(), (0.5 * 4 + 0.5 * 1) / 5, rel_tol=1e-6)
    base = LMACLoss()(logits, logits, target, saliency)
    assert math.isclose(terms["loss"].item() - base["loss"].item(), 3.0 * 0.5, rel_tol=1e-5)
    (grad,) = torch.autograd.grad(terms["overlap"], saliency)
    assert grad[2].abs().sum() == 0  # the single clip is not charged
    disjoint = torch.tensor([[[1.0, 0.0]], [[0.0, 1.0]], [[1.0, 1.0]]])
    assert LMACLoss()(logits, logits, target, disjoint, saliency=disjoint, mag=mag, pairs=pairs)["overlap"] == 0
