import math

import torch

from lmac.metrics import (
    average_drop,
    average_drop_speechbrain,
    average_gain,
    average_increase,
    faithfulness,
    fidelity_in,
    target_prob,
)


def _logits(p):
    """Two-class logits with softmax probability ``p`` for class 0."""
    return torch.tensor([[math.log(p), math.log(1 - p)]])


T = torch.tensor([0])
SOFTMAX = {"output": "softmax"}


def test_hand_computed_values():
    assert math.isclose(target_prob(_logits(0.8), T, **SOFTMAX).item(), 0.8, rel_tol=1e-6)
    assert average_increase(_logits(0.5), _logits(0.6), T, **SOFTMAX).item() == 100
    assert average_increase(_logits(0.5), _logits(0.4), T, **SOFTMAX).item() == 0
    assert math.isclose(average_drop(_logits(0.8), _logits(0.2), T, **SOFTMAX).item(), 75.0, rel_tol=1e-5)
    assert average_drop(_logits(0.2), _logits(0.8), T, **SOFTMAX).item() == 0
    assert math.isclose(average_gain(_logits(0.5), _logits(0.75), T, **SOFTMAX).item(), 50.0, rel_tol=1e-5)
    assert math.isclose(faithfulness(_logits(0.9), _logits(0.3), T, **SOFTMAX).item(), 0.6, rel_tol=1e-5)
    assert fidelity_in(_logits(0.9), T, **SOFTMAX).item() == 1 and fidelity_in(_logits(0.1), T, **SOFTMAX).item() == 0


def test_identity_explanation_invariants():
    logits = torch.randn(5, 4)
    target = logits.argmax(-1)
    assert torch.all(average_increase(logits, logits, target, **SOFTMAX) == 0)
    assert torch.all(average_drop(logits, logits, target, **SOFTMAX) == 0)
    assert torch.all(average_gain(logits, logits, target, **SOFTMAX) == 0)
    assert torch.all(fidelity_in(logits, target, **SOFTMAX) == 1)


def test_speechbrain_average_drop_reproduces_63_2_for_a_full_drop_with_50_classes():
    # p = 1 on the original, all mass moved to another class on the explanation.
    logits = torch.full((1, 50), -1e4)
    logits[0, 0] = 1e4
    logits_in = torch.full((1, 50), -1e4)
    logits_in[0, 1] = 1e4
    # softmax of the probabilities: q = e / (e + 49), q_in = 1 / (e + 49); AD = 100 (1 - 1/e)
    # (63.21; the recipe's 1e-5 in the denominator makes it 63.20).
    assert math.isclose(
        average_drop_speechbrain(logits, logits_in, T, **SOFTMAX).item(), 100 * (1 - math.exp(-1)), abs_tol=0.02
    )
    assert round(average_drop_speechbrain(logits, logits_in, T, **SOFTMAX).item(), 1) == 63.2
    assert math.isclose(average_drop(logits, logits_in, T, **SOFTMAX).item(), 100.0, rel_tol=1e-6)


def test_speechbrain_average_drop_hand_computed_two_classes():
    # p = 0.8 -> q = e^.8 / (e^.8 + e^.2); p_in = 0.2 -> q_in = e^.2 / (e^.8 + e^.2).
    q, q_in = math.exp(0.8) / (math.exp(0.8) + math.exp(0.2)), math.exp(0.2) / (math.exp(0.8) + math.exp(0.2))
    expected = 100 * (q - q_in) / (q + 1e-5)
    value = average_drop_speechbrain(_logits(0.8), _logits(0.2), T, **SOFTMAX).item()
    assert math.isclose(value, expected, rel_tol=1e-5)
    assert average_drop_speechbrain(_logits(0.2), _logits(0.8), T, **SOFTMAX).item() == 0


def test_all_zero_residual_gives_p_minus_p_of_silence(classifier):
    wav = torch.randn(3, classifier.clip_samples, generator=torch.Generator().manual_seed(0)) * 0.1
    logits = classifier(wav)
    target = logits.argmax(-1)
    silence = classifier(torch.zeros_like(wav))
    expected = target_prob(logits, target, **SOFTMAX) - target_prob(silence, target, **SOFTMAX)
    assert torch.allclose(faithfulness(logits, classifier(torch.zeros_like(wav)), target, **SOFTMAX), expected)
    assert not torch.allclose(expected, torch.zeros(3))


def _sigmoid_logit(p):
    return math.log(p / (1 - p))


def test_sigmoid_hand_computed_values():
    # class 0's own sigmoid; the other logit (class 1, large) does not change it, unlike a softmax
    def logits(p):
        return torch.tensor([[_sigmoid_logit(p), 6.0]])

    sig = {"output": "sigmoid"}
    assert math.isclose(target_prob(logits(0.8), T, **sig).item(), 0.8, rel_tol=1e-6)
    assert target_prob(logits(0.8), T, **SOFTMAX).item() < 0.01
    assert average_increase(logits(0.5), logits(0.6), T, **sig).item() == 100
    assert math.isclose(average_drop(logits(0.8), logits(0.2), T, **sig).item(), 75.0, rel_tol=1e-5)
    assert math.isclose(average_gain(logits(0.5), logits(0.75), T, **sig).item(), 50.0, rel_tol=1e-5)
    assert math.isclose(faithfulness(logits(0.9), logits(0.3), T, **sig).item(), 0.6, rel_tol=1e-5)
    # Fid-In: the target is still detected (p_in >= threshold), though class 1 has the larger logit
    assert fidelity_in(logits(0.6), T, **sig).item() == 1 and fidelity_in(logits(0.4), T, **sig).item() == 0
    assert fidelity_in(logits(0.6), T, **sig, threshold=0.7).item() == 0
    assert fidelity_in(logits(0.6), T, **SOFTMAX).item() == 0
    # SpeechBrain's AD: softmax over the sigmoid probabilities [0.8, s(6)] and [0.2, s(6)]
    s6 = 1 / (1 + math.exp(-6))
    q, q_in = (math.exp(0.8) / (math.exp(0.8) + math.exp(s6)), math.exp(0.2) / (math.exp(0.2) + math.exp(s6)))
    value = average_drop_speechbrain(logits(0.8), logits(0.2), T, **sig).item()
    assert math.isclose(value, 100 * (q - q_in) / (q + 1e-5), rel_tol=1e-5)
